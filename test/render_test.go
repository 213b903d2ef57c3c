// Package test renders every example of the repository offline and checks
// the output against golden files, the XRD and provider schemas, and the
// simulated convergence to a Ready XR.
//
//	go test ./test/            # check
//	go test ./test/ -update    # rewrite the golden files
package test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/devsecops/platform-functions/test/harness"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// maxRounds is how many renders an example may take to become Ready.
const maxRounds = harness.DefaultMaxRounds

// goldenDir holds <area>/<example>.yaml (first render) and
// <area>/<example>.converged.yaml (output of the round the XR became Ready).
const goldenDir = "testdata/golden"

var h *harness.Harness

func TestMain(m *testing.M) {
	flag.Parse()
	var err error
	if h, err = harness.New(harness.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := h.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func TestExamples(t *testing.T) {
	cases, err := h.Cases()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Skip("no claim or XR examples under examples/")
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			out, _, err := h.RenderCase(c)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			checkGolden(t, c.Golden(goldenDir, ""), out.Raw)
			checkValid(t, "rendered", append([]*harness.Object{c.Source}, out.Objects()...))

			conv, err := h.ConvergeCase(c, maxRounds)
			if err != nil {
				t.Fatalf("converge: %v", err)
			}
			t.Logf("%s: Ready after %d of at most %d rounds", c.Name, conv.ReadyRound, maxRounds)
			checkGolden(t, c.Golden(goldenDir, ".converged"), conv.Final().Raw)
			checkValid(t, "converged", conv.Final().Objects())
			checkValid(t, "simulated observed", conv.FinalObserved())
		})
	}
}

func checkValid(t *testing.T, what string, objs []*harness.Object) {
	t.Helper()
	v, err := h.Validate(objs)
	if err != nil {
		t.Fatalf("validate %s: %v", what, err)
	}
	if v.Failures != 0 || v.MissingSchemas != 0 {
		t.Errorf("validate %s: %d failures, %d missing schemas of %d objects:\n%s", what, v.Failures, v.MissingSchemas, v.Total, v.Output)
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("no golden file %s (go test ./test/ -update writes it): %v", path, err)
		return
	}
	if string(want) != string(got) {
		t.Errorf("output differs from %s (go test ./test/ -update rewrites it):\n%s", path, harness.UnifiedDiff(path, "got", string(want), string(got)))
	}
}
