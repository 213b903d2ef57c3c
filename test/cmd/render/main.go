// Command render renders the repository's examples offline with the
// repository's composition functions and prints the results.
//
//	go run ./test/cmd/render [--converge] [--validate] [example.yaml ...]
//
// Without arguments it renders every claim and XR under examples/ (claims
// become the XR Crossplane would create). The rendered objects (XR and
// composed resources) go to stdout as YAML, one "# Source:" comment per
// example; a one-line summary per example goes to stderr. --converge renders
// repeatedly with simulated provider status until the XR is Ready and prints
// that round (--observed adds the simulated observed resources); --validate
// checks the output against the XRDs and provider CRDs. The exit code is 1
// if any example failed.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/devsecops/platform-functions/test/harness"
)

type functionFlags map[string]string

func (f functionFlags) String() string { return fmt.Sprint(map[string]string(f)) }

func (f functionFlags) Set(s string) error {
	name, pkg, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want function-<name>=<go package>, got %q", s)
	}
	f[name] = pkg
	return nil
}

func main() {
	converge := flag.Bool("converge", false, "render until the XR is Ready, feeding back simulated provider status")
	validate := flag.Bool("validate", false, "validate the output against the XRDs and provider CRDs")
	showObserved := flag.Bool("observed", false, "with --converge, also print the simulated observed resources of the final round")
	maxRounds := flag.Int("max-rounds", harness.DefaultMaxRounds, "renders allowed to reach Ready with --converge")
	root := flag.String("root", "", "repository root (default: the module root)")
	debug := flag.Bool("debug", false, "start functions with --debug")
	fns := functionFlags{}
	flag.Var(fns, "function", "function-<name>=<go package> to run instead of functions/*/ (repeatable)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./test/cmd/render [flags] [example.yaml ...]\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	opts := harness.Options{Root: *root, Debug: *debug}
	if len(fns) > 0 {
		opts.Functions = fns
	}
	h, err := harness.New(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := run(h, flag.Args(), *converge, *validate, *showObserved, *maxRounds)
	if err := h.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func run(h *harness.Harness, files []string, converge, validate, showObserved bool, maxRounds int) int {
	var cases []*harness.Case
	if len(files) == 0 {
		var err error
		if cases, err = h.Cases(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if len(cases) == 0 {
			fmt.Fprintf(os.Stderr, "no claim or XR examples under %s\n", filepath.Join(h.Root, harness.ExamplesDir))
			return 1
		}
	}
	code := 0
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		c, err := h.Case(abs)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", f, err)
			code = 1
			continue
		}
		if c == nil {
			fmt.Fprintf(os.Stderr, "%s: no claim or XR of an XRD in %s\n", f, harness.XRDDir)
			code = 1
			continue
		}
		cases = append(cases, c)
	}
	for _, c := range cases {
		if err := renderOne(h, c, converge, validate, showObserved, maxRounds); err != nil {
			fmt.Fprintf(os.Stderr, "%s: FAILED: %v\n", c.Name, err)
			code = 1
		}
	}
	return code
}

func renderOne(h *harness.Harness, c *harness.Case, converge, validate, showObserved bool, maxRounds int) error {
	var out *harness.Output
	var observed []*harness.Object
	note := ""
	if converge {
		conv, err := h.ConvergeCase(c, maxRounds)
		if err != nil {
			return err
		}
		out, observed = conv.Final(), conv.FinalObserved()
		note = fmt.Sprintf(", Ready after %d rounds", conv.ReadyRound)
	} else {
		var err error
		if out, _, err = h.RenderCase(c); err != nil {
			return err
		}
		note = ", XR Ready=" + readyStatus(out)
	}
	fmt.Printf("# Source: %s\n", c.Name)
	if _, err := os.Stdout.Write(out.Raw); err != nil {
		return err
	}
	if showObserved && len(observed) > 0 {
		y, err := harness.EncodeYAML(observed)
		if err != nil {
			return err
		}
		fmt.Printf("# Observed (simulated): %s\n", c.Name)
		if _, err := os.Stdout.Write(y); err != nil {
			return err
		}
	}
	if validate {
		objs := append([]*harness.Object{c.Source}, out.Objects()...)
		objs = append(objs, observed...)
		v, err := h.Validate(objs)
		if err != nil {
			return err
		}
		if v.Failures > 0 || v.MissingSchemas > 0 {
			return fmt.Errorf("validation: %d failures, %d missing schemas:\n%s", v.Failures, v.MissingSchemas, strings.Join(v.Errors, "\n"))
		}
		note += fmt.Sprintf(", %d objects valid", v.Total)
	}
	for _, r := range out.Results {
		note += fmt.Sprintf("\n  %v: %v", r.Object["severity"], r.Object["message"])
	}
	fmt.Fprintf(os.Stderr, "%s: %d resources (%s)%s\n", c.Name, len(out.Composed), harness.KindCounts(out.Composed), note)
	return nil
}

func readyStatus(out *harness.Output) string {
	if s := harness.ConditionStatus(out.XR, "Ready"); s != "" {
		return s
	}
	return "unknown"
}
