package xpkg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Options configure Build.
type Options struct {
	// Root is the repository (and Go module) root. Default: the go.mod
	// enclosing the working directory.
	Root string
	// Out is the directory the packages are written to. Default: Root/dist.
	Out string
	// Arches are the linux platforms of the function packages. Default:
	// DefaultArches. The first is the default platform (see Build).
	Arches []string
	// Functions are the functions to build (directory names under
	// functions/). Default: every function.
	Functions []string
	// SkipConfiguration skips the Configuration package.
	SkipConfiguration bool
	// Work is a scratch directory for binaries, runtime images and staged
	// package roots. Default: a temporary directory removed afterwards.
	Work string
	// Tools run go and crank. Default: tools for Root.
	Tools *Tools
	// Log receives progress lines. Default: discarded.
	Log io.Writer
	// Jobs is how many function packages are built at once. Default: the
	// number of CPUs, at most 4.
	Jobs int
}

// Package is one built package file.
type Package struct {
	// Name is the package name: function-<name> or platform-functions.
	Name string
	// Function is the function's directory name; "" for the Configuration.
	Function string
	// Kind is Function or Configuration.
	Kind string
	// Arch is the platform of a function package; "" for the Configuration.
	Arch string
	// File is the package file.
	File string
	// Info is what the file holds.
	Info *Info
}

// Result lists the built packages: per function, one per arch in the order
// of Options.Arches, then the Configuration.
type Result struct {
	Packages []Package
}

// Function returns the packages of one function, in arch order.
func (r *Result) Function(name string) []Package {
	var out []Package
	for _, p := range r.Packages {
		if p.Function == name {
			out = append(out, p)
		}
	}
	return out
}

// Configuration returns the Configuration package, if built.
func (r *Result) Configuration() (Package, bool) {
	for _, p := range r.Packages {
		if p.Kind == KindConfiguration {
			return p, true
		}
	}
	return Package{}, false
}

// FunctionFile is the package file of function-<name> for one arch:
// function-<name>-<arch>.xpkg.
func FunctionFile(out, name, arch string) string {
	return filepath.Join(out, FunctionPackageName(name)+"-"+arch+".xpkg")
}

// DefaultFunctionFile is function-<name>.xpkg, the package of the default
// (first) arch, for tools that take one file.
func DefaultFunctionFile(out, name string) string {
	return filepath.Join(out, FunctionPackageName(name)+".xpkg")
}

// ConfigurationFile is the Configuration's package file.
func ConfigurationFile(out string) string {
	return filepath.Join(out, ConfigurationName+".xpkg")
}

func (o *Options) defaults() error {
	var err error
	if o.Root == "" {
		if o.Root, err = FindRoot("."); err != nil {
			return err
		}
	}
	if o.Root, err = filepath.Abs(o.Root); err != nil {
		return err
	}
	if o.Out == "" {
		o.Out = filepath.Join(o.Root, "dist")
	}
	if o.Out, err = filepath.Abs(o.Out); err != nil {
		return err
	}
	if len(o.Arches) == 0 {
		o.Arches = DefaultArches
	}
	for _, a := range o.Arches {
		if a != "amd64" && a != "arm64" {
			return fmt.Errorf("arch %q: want amd64 or arm64", a)
		}
	}
	all, err := Functions(o.Root)
	if err != nil {
		return err
	}
	if o.Functions == nil {
		o.Functions = all
	}
	for _, f := range o.Functions {
		if !slices.Contains(all, f) {
			return fmt.Errorf("no function %q: no %s/%s/main.go", f, FunctionsDir, f)
		}
	}
	if o.Tools == nil {
		o.Tools = &Tools{Root: o.Root}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	o.Log = &syncWriter{w: o.Log}
	if o.Jobs <= 0 {
		// A job holds a binary, its layer and the compressed layer in
		// memory (about 150 MiB): no more than 4 at once.
		o.Jobs = min(runtime.NumCPU(), 4)
	}
	return nil
}

// Build builds the packages into Options.Out:
//
//   - for every function and arch: a static binary (CGO off, GoBuildFlags),
//     its runtime image (RuntimeImage) as an image tarball, and `crank xpkg
//     build --embed-runtime-image-tarball` of the staged package root
//     (StageFunction) into function-<name>-<arch>.xpkg;
//     function-<name>.xpkg is a hard link to (or copy of) the first arch's
//     file. An xpkg file holds one platform; `crank xpkg push -f
//     amd64.xpkg,arm64.xpkg` pushes them as one multi-platform package (an
//     OCI index, see Push).
//   - the Configuration: `crank xpkg build` of the staged package root
//     (StageConfiguration) with its examples into platform-functions.xpkg.
//
// The same sources and toolchain give the same files and digests.
func Build(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, err
	}
	work := opts.Work
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "xpkg-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(work)
	} else {
		var err error
		if work, err = filepath.Abs(work); err != nil {
			return nil, err
		}
	}
	// One job per function and arch, Options.Jobs at a time: linking and
	// compressing are single-threaded.
	type job struct{ fn, arch string }
	var jobs []job
	for _, fn := range opts.Functions {
		for _, arch := range opts.Arches {
			jobs = append(jobs, job{fn, arch})
		}
	}
	pkgs := make([]Package, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, opts.Jobs)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			pkgs[i], errs[i] = buildFunction(ctx, opts, work, j.fn, j.arch)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res := &Result{Packages: pkgs}
	for _, fn := range opts.Functions {
		if err := linkOrCopy(FunctionFile(opts.Out, fn, opts.Arches[0]), DefaultFunctionFile(opts.Out, fn)); err != nil {
			return nil, err
		}
	}
	if !opts.SkipConfiguration {
		p, err := buildConfiguration(ctx, opts, work)
		if err != nil {
			return nil, err
		}
		res.Packages = append(res.Packages, p)
	}
	return res, nil
}

func buildFunction(ctx context.Context, opts Options, work, fn, arch string) (Package, error) {
	pkgName := FunctionPackageName(fn)
	dir := filepath.Join(work, pkgName+"-"+arch)
	if err := os.RemoveAll(dir); err != nil {
		return Package{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Package{}, err
	}
	fmt.Fprintf(opts.Log, "%s linux/%s: go build\n", pkgName, arch)
	bin := filepath.Join(dir, "function")
	if err := opts.Tools.BuildFunction(ctx, fn, arch, bin); err != nil {
		return Package{}, err
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		return Package{}, err
	}
	meta, err := checkMeta(filepath.Join(opts.Root, FunctionsDir, fn, FunctionMeta), MetaAPIVersionFunction, KindFunction, pkgName)
	if err != nil {
		return Package{}, err
	}
	labels := map[string]string{
		LabelTitle:       pkgName,
		LabelSource:      "https://" + strings.TrimPrefix(meta.GetAnnotations()["meta.crossplane.io/source"], "https://"),
		LabelLicenses:    meta.GetAnnotations()["meta.crossplane.io/license"],
		LabelDescription: strings.Join(strings.Fields(meta.GetAnnotations()["meta.crossplane.io/description"]), " "),
	}
	fmt.Fprintf(opts.Log, "%s linux/%s: runtime image\n", pkgName, arch)
	img, err := RuntimeImage(binary, arch, labels)
	if err != nil {
		return Package{}, err
	}
	runtimeTar := filepath.Join(dir, "runtime.tar")
	if err := WriteRuntimeTarball(runtimeTar, pkgName, arch, img); err != nil {
		return Package{}, err
	}
	pkgRoot := filepath.Join(dir, "package")
	if err := StageFunction(opts.Root, fn, pkgRoot); err != nil {
		return Package{}, err
	}
	file := FunctionFile(opts.Out, fn, arch)
	fmt.Fprintf(opts.Log, "%s linux/%s: crank xpkg build\n", pkgName, arch)
	if _, err := opts.Tools.RunCrank(ctx, "xpkg", "build",
		"--package-root="+pkgRoot,
		// No examples: a function package holds its metadata and input CRD.
		"--examples-root="+filepath.Join(dir, "no-examples"),
		"--embed-runtime-image-tarball="+runtimeTar,
		"--package-file="+file); err != nil {
		return Package{}, err
	}
	info, err := Open(file)
	if err != nil {
		return Package{}, err
	}
	return Package{Name: pkgName, Function: fn, Kind: KindFunction, Arch: arch, File: file, Info: info}, nil
}

func buildConfiguration(ctx context.Context, opts Options, work string) (Package, error) {
	dir := filepath.Join(work, ConfigurationName)
	if err := os.RemoveAll(dir); err != nil {
		return Package{}, err
	}
	pkgRoot, exRoot := filepath.Join(dir, "package"), filepath.Join(dir, "examples")
	if err := StageConfiguration(opts.Root, pkgRoot, exRoot); err != nil {
		return Package{}, err
	}
	file := ConfigurationFile(opts.Out)
	fmt.Fprintf(opts.Log, "%s: crank xpkg build\n", ConfigurationName)
	if _, err := opts.Tools.RunCrank(ctx, "xpkg", "build",
		"--package-root="+pkgRoot,
		"--examples-root="+exRoot,
		"--package-file="+file); err != nil {
		return Package{}, err
	}
	info, err := Open(file)
	if err != nil {
		return Package{}, err
	}
	return Package{Name: ConfigurationName, Kind: KindConfiguration, File: file, Info: info}, nil
}

// linkOrCopy makes dst the same file as src: a hard link, else a copy.
func linkOrCopy(src, dst string) error {
	if err := os.Remove(dst); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	return copyFile(src, dst)
}

// syncWriter serializes writes of concurrent jobs.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
