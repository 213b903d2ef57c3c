package harness

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// CrossplaneModule is the Go module that provides the crossplane CLI (crank)
// and Crossplane's core CRDs. Its version is read from go.mod.
const CrossplaneModule = "github.com/crossplane/crossplane/v2"

// Options configure a Harness. The zero value is usable.
type Options struct {
	// Root is the repository root holding functions/, package/ and examples/.
	// Default: the directory of the enclosing go.mod, searched upwards from
	// the working directory.
	Root string

	// ModuleRoot is the directory of the Go module that builds the functions.
	// Default: the module root found from the working directory.
	ModuleRoot string

	// Functions maps a Crossplane function name (function-<name>) to the Go
	// package that implements it, relative to ModuleRoot (e.g.
	// "./functions/eks"). Default: one entry per Root/functions/*/main.go.
	Functions map[string]string

	// FunctionArgs are added to every function's command line after
	// --insecure --address=127.0.0.1:<port>. Default: DefaultFunctionArgs.
	FunctionArgs []string

	// Debug starts functions with --debug.
	Debug bool
}

// DefaultFunctionArgs switch off the metrics server of the repository's
// functions (internal/server's --metrics-address, default :8080), so several
// functions and test processes can run at once.
var DefaultFunctionArgs = []string{"--metrics-address="}

// Harness builds and runs functions and the crossplane CLI. Create one per
// test process with New and release it with Close.
type Harness struct {
	// Root is the repository root (see Options.Root).
	Root string
	// ModuleRoot is the Go module root (see Options.ModuleRoot).
	ModuleRoot string

	opts Options
	tmp  string

	mu         sync.Mutex
	crank      string
	crossplane *moduleInfo
	functions  map[string]*Function
	schemas    *SchemaIndex
	seq        int
}

// New prepares a Harness. Nothing is built until it is needed.
func New(opts Options) (*Harness, error) {
	var err error
	if opts.ModuleRoot == "" {
		if opts.ModuleRoot, err = FindModuleRoot(); err != nil {
			return nil, err
		}
	}
	if opts.Root == "" {
		opts.Root = opts.ModuleRoot
	}
	if opts.Root, err = filepath.Abs(opts.Root); err != nil {
		return nil, err
	}
	if opts.ModuleRoot, err = filepath.Abs(opts.ModuleRoot); err != nil {
		return nil, err
	}
	if opts.FunctionArgs == nil {
		opts.FunctionArgs = DefaultFunctionArgs
	}
	if opts.Functions == nil {
		if opts.Functions, err = DiscoverFunctions(opts.Root); err != nil {
			return nil, err
		}
	}
	tmp, err := os.MkdirTemp("", "xp-harness-")
	if err != nil {
		return nil, err
	}
	return &Harness{
		Root:       opts.Root,
		ModuleRoot: opts.ModuleRoot,
		opts:       opts,
		tmp:        tmp,
		functions:  map[string]*Function{},
	}, nil
}

// Close stops every function the harness started and removes its temporary
// files. It is safe to call more than once.
func (h *Harness) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for name, f := range h.functions {
		if err := f.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	h.functions = map[string]*Function{}
	if h.tmp != "" {
		errs = append(errs, os.RemoveAll(h.tmp))
		h.tmp = ""
	}
	return errors.Join(errs...)
}

// TempDir returns a new, empty directory inside the harness's temporary
// directory. It is removed by Close.
func (h *Harness) TempDir(prefix string) (string, error) {
	h.mu.Lock()
	h.seq++
	n := h.seq
	base := h.tmp
	h.mu.Unlock()
	if base == "" {
		return "", errors.New("harness is closed")
	}
	d := filepath.Join(base, fmt.Sprintf("%s-%04d", prefix, n))
	return d, os.MkdirAll(d, 0o755)
}

// FindModuleRoot returns the directory of the go.mod enclosing the working
// directory.
func FindModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found above the working directory")
		}
		dir = parent
	}
}

// DiscoverFunctions maps function-<name> to ./functions/<name> for every
// root/functions/<name>/main.go.
func DiscoverFunctions(root string) (map[string]string, error) {
	mains, err := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	if err != nil {
		return nil, err
	}
	fns := map[string]string{}
	for _, m := range mains {
		name := filepath.Base(filepath.Dir(m))
		fns["function-"+name] = "./functions/" + name
	}
	return fns, nil
}

// goCmd runs the go command in the module root and returns its stdout.
func (h *Harness) goCmd(args ...string) ([]byte, error) {
	cmd := exec.Command(goBinary(), args...)
	cmd.Dir = h.ModuleRoot
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes(), nil
}

func goBinary() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if gr := os.Getenv("GOROOT"); gr != "" {
		return filepath.Join(gr, "bin", "go")
	}
	return "go"
}

// moduleInfo is the part of `go list -m -json` the harness needs.
type moduleInfo struct {
	Path    string
	Version string
	Dir     string
}

// module resolves a module of the build graph to its version and source
// directory, downloading it into the module cache if needed.
func (h *Harness) module(path string) (*moduleInfo, error) {
	out, err := h.goCmd("list", "-m", "-json", path)
	if err != nil {
		return nil, err
	}
	m := &moduleInfo{}
	if err := json.Unmarshal(out, m); err != nil {
		return nil, err
	}
	if m.Dir == "" && m.Version != "" {
		out, err := h.goCmd("mod", "download", "-json", m.Path+"@"+m.Version)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(out, m); err != nil {
			return nil, err
		}
	}
	if m.Dir == "" {
		return nil, fmt.Errorf("module %s has no source directory", path)
	}
	return m, nil
}

// requiredModules lists the module paths required by go.mod.
func (h *Harness) requiredModules() ([]string, error) {
	out, err := h.goCmd("mod", "edit", "-json")
	if err != nil {
		return nil, err
	}
	var mf struct {
		Require []struct{ Path string }
	}
	if err := json.Unmarshal(out, &mf); err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(mf.Require))
	for _, r := range mf.Require {
		paths = append(paths, r.Path)
	}
	return paths, nil
}

// Crank returns the path of the crossplane CLI built from the version of
// CrossplaneModule in go.mod. The binary comes from the Go build cache
// (`go tool -n crank`), so it is built once per machine, not per process.
func (h *Harness) Crank() (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.crank != "" {
		return h.crank, nil
	}
	out, err := h.goCmd("tool", "-n", "crank")
	if p := strings.TrimSpace(string(out)); err == nil && p != "" {
		if _, serr := os.Stat(p); serr == nil {
			h.crank = p
			return p, nil
		}
	}
	// Fall back to an explicit build into the temporary directory.
	p := filepath.Join(h.tmp, "bin", "crank")
	if _, err := h.goCmd("build", "-o", p, CrossplaneModule+"/cmd/crank"); err != nil {
		return "", fmt.Errorf("cannot build crank: %w", err)
	}
	h.crank = p
	return p, nil
}

// crossplaneModule returns the crossplane module's version and directory.
func (h *Harness) crossplaneModule() (*moduleInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.crossplane != nil {
		return h.crossplane, nil
	}
	m, err := h.module(CrossplaneModule)
	if err != nil {
		return nil, err
	}
	h.crossplane = m
	return m, nil
}

// runCrank runs the crossplane CLI and returns stdout and stderr.
func (h *Harness) runCrank(args ...string) (stdout, stderr []byte, err error) {
	crank, err := h.Crank()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(crank, args...)
	cmd.Dir = h.Root
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}
