// Package packages builds every Crossplane package of the repository the way
// `make xpkg` does (internal/xpkg: static binaries, go-containerregistry
// runtime images, `go tool crank xpkg build`), opens them and checks they
// are valid packages, pushes them to an in-process OCI registry with `go
// tool crank xpkg push`, pulls them back by digest, validates the hub
// examples against the Crossplane and provider schemas, and rebuilds them to
// prove the digests are reproducible.
//
//	go test ./test/packages/ -v    # logs the package sizes and digests
package packages

import (
	"bytes"
	"compress/gzip"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devsecops/platform-functions/internal/xpkg"
	"github.com/devsecops/platform-functions/test/harness"
)

var (
	root  string
	tmp   string
	tools *xpkg.Tools

	buildOnce sync.Once
	built     *xpkg.Result
	buildErr  error
)

func TestMain(m *testing.M) {
	var err error
	if root, err = xpkg.FindRoot("."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if tmp, err = os.MkdirTemp("", "xpkg-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tools = &xpkg.Tools{Root: root}
	code := m.Run()
	_ = os.RemoveAll(tmp)
	os.Exit(code)
}

// build builds every package once per test process, into a temporary
// directory (never the repository's dist/).
func build(t *testing.T) *xpkg.Result {
	t.Helper()
	buildOnce.Do(func() {
		start := time.Now()
		built, buildErr = xpkg.Build(context.Background(), xpkg.Options{
			Root:  root,
			Out:   filepath.Join(tmp, "dist"),
			Work:  filepath.Join(tmp, "work"),
			Tools: tools,
		})
		if buildErr == nil {
			logSizes(t, built, time.Since(start))
		}
	})
	if buildErr != nil {
		t.Fatalf("build: %v", buildErr)
	}
	return built
}

func logSizes(t *testing.T, res *xpkg.Result, took time.Duration) {
	t.Logf("built %d packages in %s:", len(res.Packages), took.Round(time.Second))
	for _, p := range res.Packages {
		platform := "-"
		if p.Arch != "" {
			platform = "linux/" + p.Arch
		}
		bin := ""
		if f, ok := p.Info.Files["function"]; ok {
			bin = fmt.Sprintf(", binary %.1f MiB", float64(len(f.Data))/(1<<20))
		}
		t.Logf("  %-20s %-12s compressed %8.1f KiB (runtime layer %8.1f KiB%s) %s",
			p.Name, platform, float64(p.Info.Size)/1024, float64(p.Info.RuntimeSize)/1024, bin, p.Info.PushedDigest)
	}
}

func TestEveryFunctionIsPackaged(t *testing.T) {
	res := build(t)
	fns, err := xpkg.Functions(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) == 0 {
		t.Fatal("no functions/*/main.go")
	}
	for _, fn := range fns {
		pkgs := res.Function(fn)
		if len(pkgs) != len(xpkg.DefaultArches) {
			t.Errorf("function %s: %d packages, want one per arch %v", fn, len(pkgs), xpkg.DefaultArches)
		}
		def, err := xpkg.Open(xpkg.DefaultFunctionFile(filepath.Join(tmp, "dist"), fn))
		if err != nil {
			t.Error(err)
		} else if def.Digest != pkgs[0].Info.Digest {
			t.Errorf("%s.xpkg is not the %s package", xpkg.FunctionPackageName(fn), pkgs[0].Arch)
		}
	}
	if _, ok := res.Configuration(); !ok {
		t.Error("no Configuration package")
	}
}

var elfMachine = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

func TestFunctionPackages(t *testing.T) {
	res := build(t)
	for _, p := range res.Packages {
		if p.Kind != xpkg.KindFunction {
			continue
		}
		t.Run(p.Function+"/"+p.Arch, func(t *testing.T) {
			info := p.Info
			// The metadata: a Function named function-<name>.
			if info.Meta.GetAPIVersion() != xpkg.MetaAPIVersionFunction || info.Meta.GetKind() != xpkg.KindFunction || info.Meta.GetName() != p.Name {
				t.Errorf("meta %s %s %s, want %s %s %s", info.Meta.GetAPIVersion(), info.Meta.GetKind(), info.Meta.GetName(), xpkg.MetaAPIVersionFunction, xpkg.KindFunction, p.Name)
			}
			for _, a := range xpkg.MetaAnnotations {
				if info.Meta.GetAnnotations()[a] == "" {
					t.Errorf("meta has no annotation %s", a)
				}
			}
			// The objects: exactly the input CRDs of functions/<name>/package/input.
			var want, got []string
			inputs, _ := filepath.Glob(filepath.Join(root, xpkg.FunctionsDir, p.Function, xpkg.FunctionInputDir, "*.yaml"))
			for _, f := range inputs {
				objs, err := xpkg.LoadYAML(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range objs {
					want = append(want, o.GetKind()+"/"+o.GetName())
				}
			}
			for _, o := range info.Objects {
				got = append(got, o.GetKind()+"/"+o.GetName())
			}
			sort.Strings(want)
			sort.Strings(got)
			if len(want) == 0 || !slices.Equal(want, got) {
				t.Errorf("package objects %v, want the input CRDs %v", got, want)
			}
			if info.ExamplesStream != nil {
				t.Error("a function package holds examples")
			}

			// The runtime image.
			c := info.Config
			if c.OS != "linux" || c.Architecture != p.Arch {
				t.Errorf("platform %s/%s, want linux/%s", c.OS, c.Architecture, p.Arch)
			}
			if !slices.Equal(c.Config.Entrypoint, []string{xpkg.Entrypoint}) || len(c.Config.Cmd) != 0 {
				t.Errorf("entrypoint %v cmd %v, want [%s] and no cmd", c.Config.Entrypoint, c.Config.Cmd, xpkg.Entrypoint)
			}
			if c.Config.User != xpkg.User {
				t.Errorf("user %q, want %q", c.Config.User, xpkg.User)
			}
			if _, ok := c.Config.ExposedPorts[xpkg.Port]; !ok {
				t.Errorf("exposed ports %v, want %s", c.Config.ExposedPorts, xpkg.Port)
			}
			if !c.Created.Time.Equal(xpkg.Epoch) {
				t.Errorf("created %s, want %s", c.Created, xpkg.Epoch)
			}
			fn, ok := info.Files["function"]
			if !ok {
				t.Fatalf("no /function in the runtime layers; files %v", keys(info.Files))
			}
			if fn.Mode&0o111 != 0o111 || fn.Uid != 0 {
				t.Errorf("/function mode %o uid %d, want executable by anyone, owned by root", fn.Mode, fn.Uid)
			}
			checkBinary(t, fn.Data, p.Arch)
		})
	}
}

// checkBinary checks the binary is a static, stripped linux/arch Go binary
// built with the project's flags.
func checkBinary(t *testing.T, data []byte, arch string) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("/function is not an ELF binary: %v", err)
	}
	if f.Machine != elfMachine[arch] {
		t.Errorf("ELF machine %s, want %s", f.Machine, elfMachine[arch])
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("/function is dynamically linked (%s)", p.Type)
		}
	}
	if f.Section(".symtab") != nil || f.Section(".debug_info") != nil {
		t.Error("/function is not stripped")
	}
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("no Go build info: %v", err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	// -ldflags is not recorded with -trimpath; the missing .symtab shows -s.
	for k, want := range map[string]string{"CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": arch, "-trimpath": "true"} {
		if settings[k] != want {
			t.Errorf("build setting %s=%q, want %q", k, settings[k], want)
		}
	}
	if v, ok := settings["vcs.revision"]; ok {
		t.Errorf("binary stamped with vcs.revision %s: -buildvcs=false keeps it reproducible", v)
	}
}

// TestFunctionBinaryServes runs each function's binary of the host platform,
// taken out of its package, and calls RunFunction over gRPC.
func TestFunctionBinaryServes(t *testing.T) {
	res := build(t)
	for _, p := range res.Packages {
		if p.Kind != xpkg.KindFunction || p.Arch != runtime.GOARCH || runtime.GOOS != "linux" {
			continue
		}
		t.Run(p.Function, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "function")
			if err := os.WriteFile(bin, p.Info.Files["function"].Data, 0o755); err != nil {
				t.Fatal(err)
			}
			addr := freeAddr(t)
			cmd := exec.Command(bin, "--insecure", "--address="+addr, "--metrics-address=")
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

			conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// An empty request: the function must answer (with a result
			// telling what is missing), not fail the call.
			rsp, err := fnv1.NewFunctionRunnerServiceClient(conn).RunFunction(ctx,
				&fnv1.RunFunctionRequest{Meta: &fnv1.RequestMeta{Tag: "package-test"}}, grpc.WaitForReady(true))
			if err != nil {
				t.Fatalf("RunFunction: %v\n%s", err, stderr.String())
			}
			if rsp.GetMeta().GetTag() != "package-test" {
				t.Errorf("response tag %q, want the request's", rsp.GetMeta().GetTag())
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestConfigurationPackage(t *testing.T) {
	p, ok := build(t).Configuration()
	if !ok {
		t.Fatal("no Configuration package")
	}
	info := p.Info
	if info.Meta.GetAPIVersion() != xpkg.MetaAPIVersionConfiguration || info.Meta.GetKind() != xpkg.KindConfiguration || info.Meta.GetName() != xpkg.ConfigurationName {
		t.Errorf("meta %s %s %s", info.Meta.GetAPIVersion(), info.Meta.GetKind(), info.Meta.GetName())
	}
	deps, err := xpkg.Dependencies(root)
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := unstructured.NestedSlice(info.Meta.Object, "spec", "dependsOn")
	if len(got) != len(deps) || len(deps) == 0 {
		t.Errorf("package dependsOn has %d entries, crossplane.yaml %d", len(got), len(deps))
	}
	// The objects: every XRD and Composition of package/, nothing else.
	var want, have []string
	for _, dir := range []string{xpkg.XRDDir, xpkg.CompositionDir} {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*.yaml"))
		for _, f := range files {
			objs, err := xpkg.LoadYAML(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objs {
				want = append(want, o.GetKind()+"/"+o.GetName())
			}
		}
	}
	for _, o := range info.Objects {
		have = append(have, o.GetKind()+"/"+o.GetName())
	}
	sort.Strings(want)
	sort.Strings(have)
	if !slices.Equal(want, have) {
		t.Errorf("package objects %v, want %v", have, want)
	}
	// The examples: every claim and XR example.
	exFiles, err := xpkg.ConfigurationExamples(root)
	if err != nil {
		t.Fatal(err)
	}
	examples, err := xpkg.ParseYAML(info.ExamplesStream)
	if err != nil {
		t.Fatalf("examples: %v", err)
	}
	if len(examples) != len(exFiles) || len(examples) == 0 {
		t.Errorf("%d examples in the package, want the %d of %v", len(examples), len(exFiles), exFiles)
	}
	if info.RuntimeSize != 0 || len(info.Files) != 0 {
		t.Errorf("a Configuration package with runtime layers: %v", keys(info.Files))
	}
}

// TestPushAndPull pushes every package with crank xpkg push to an
// in-process registry on 127.0.0.1 and pulls each back by digest, as
// Crossplane's package manager does.
func TestPushAndPull(t *testing.T) {
	res := build(t)
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	reg := strings.TrimPrefix(srv.URL, "http://") + "/devsecops"

	pushed, err := xpkg.Push(context.Background(), xpkg.PushOptions{
		Root: root, Out: filepath.Join(tmp, "dist"), Registry: reg, Version: "v0.1.0", Tools: tools,
	})
	if err != nil {
		t.Fatal(err)
	}
	fns, _ := xpkg.Functions(root)
	if len(pushed) != len(fns)+1 {
		t.Errorf("pushed %d packages, want one per function and the Configuration", len(pushed))
	}
	local := map[string]*xpkg.Info{} // by platform-qualified name
	for _, p := range res.Packages {
		local[p.Name+"/"+p.Arch] = p.Info
	}
	for _, p := range pushed {
		t.Run(p.Name, func(t *testing.T) {
			tag, err := name.NewTag(p.Ref, name.StrictValidation)
			if err != nil {
				t.Fatal(err)
			}
			desc, err := remote.Head(tag)
			if err != nil {
				t.Fatalf("HEAD %s: %v", tag, err)
			}
			if desc.Digest != p.Digest {
				t.Errorf("%s points to %s, the files give %s", tag, desc.Digest, p.Digest)
			}
			ref, err := name.NewDigest(p.DigestRef(), name.StrictValidation)
			if err != nil {
				t.Fatal(err)
			}
			var images map[string]v1.Image // by arch ("" for the Configuration)
			if strings.HasPrefix(p.Name, xpkg.FunctionPrefix) {
				images = pullIndex(t, ref)
			} else {
				img, err := remote.Image(ref)
				if err != nil {
					t.Fatalf("pull %s: %v", ref, err)
				}
				images = map[string]v1.Image{"": img}
			}
			for arch, img := range images {
				want := local[p.Name+"/"+arch]
				if want == nil {
					t.Errorf("pulled %s for %q, which was not built", p.Name, arch)
					continue
				}
				checkPulled(t, img, want)
			}
			// crank xpkg extract reads the package from the registry the
			// way Crossplane does (annotated layer, host platform).
			out := filepath.Join(t.TempDir(), "pkg.gz")
			if _, err := tools.RunCrank(context.Background(), "xpkg", "extract", p.DigestRef(), "--output="+out); err != nil {
				t.Fatal(err)
			}
			stream := gunzip(t, out)
			objs, err := xpkg.ParseYAML(stream)
			if err != nil || len(objs) == 0 || objs[0].GetName() != p.Name {
				t.Errorf("crank xpkg extract %s: %d objects, %v", p.DigestRef(), len(objs), err)
			}
		})
	}
}

// pullIndex pulls a multi-platform package by digest and returns its images
// by arch.
func pullIndex(t *testing.T, ref name.Reference) map[string]v1.Image {
	t.Helper()
	idx, err := remote.Index(ref)
	if err != nil {
		t.Fatalf("pull index %s: %v", ref, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]v1.Image{}
	var platforms []string
	for _, d := range m.Manifests {
		platforms = append(platforms, d.Platform.OS+"/"+d.Platform.Architecture)
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		images[d.Platform.Architecture] = img
	}
	var want []string
	for _, a := range xpkg.DefaultArches {
		want = append(want, "linux/"+a)
	}
	if !slices.Equal(platforms, want) {
		t.Errorf("index platforms %v, want %v", platforms, want)
	}
	return images
}

// checkPulled compares a pulled package image with the local file: same
// digest as computed, same config and layers, and the package layer
// annotated as Crossplane's package manager expects.
func checkPulled(t *testing.T, img v1.Image, want *xpkg.Info) {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if d != want.PushedDigest {
		t.Errorf("pulled digest %s, want %s", d, want.PushedDigest)
	}
	cn, _ := img.ConfigName()
	wn, _ := want.Image.ConfigName()
	if cn != wn {
		t.Errorf("pulled config %s, want %s", cn, wn)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var base int
	for _, l := range m.Layers {
		if l.Annotations[xpkg.AnnotationKey] == xpkg.AnnotationPackage {
			base++
		}
	}
	if base != 1 {
		t.Errorf("%d layers annotated %s: %s, want 1", base, xpkg.AnnotationKey, xpkg.AnnotationPackage)
	}
	got, err := xpkg.Inspect(img)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Stream, want.Stream) {
		t.Error("pulled package.yaml differs from the file's")
	}
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestReproducible rebuilds every package into another directory and
// expects byte-identical files, hence the same digests.
func TestReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuilds every package")
	}
	first := build(t)
	second, err := xpkg.Build(context.Background(), xpkg.Options{
		Root:  root,
		Out:   filepath.Join(tmp, "dist-again"),
		Work:  filepath.Join(tmp, "work-again"),
		Tools: tools,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Packages) != len(second.Packages) {
		t.Fatalf("%d packages, then %d", len(first.Packages), len(second.Packages))
	}
	for i, a := range first.Packages {
		b := second.Packages[i]
		if a.Info.PushedDigest != b.Info.PushedDigest {
			t.Errorf("%s %s: digest %s, then %s", a.Name, a.Arch, a.Info.PushedDigest, b.Info.PushedDigest)
			continue
		}
		da, _ := os.ReadFile(a.File)
		db, _ := os.ReadFile(b.File)
		if !bytes.Equal(da, db) {
			t.Errorf("%s and %s differ", a.File, b.File)
		}
		t.Logf("%s %s: %s twice", a.Name, a.Arch, a.Info.PushedDigest)
	}
}

// TestHubExamplesValidate validates examples/hub against Crossplane's CRDs
// and the provider CRDs (crank beta validate, offline).
func TestHubExamplesValidate(t *testing.T) {
	h, err := harness.New(harness.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var objs []*harness.Object
	files, _ := filepath.Glob(filepath.Join(root, xpkg.HubExamplesDir, "*.yaml"))
	for _, f := range files {
		o, err := harness.LoadYAML(f)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o...)
	}
	if len(objs) == 0 {
		t.Fatalf("nothing under %s", xpkg.HubExamplesDir)
	}
	v, err := h.Validate(objs)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Total != len(objs) {
		t.Errorf("%d of %d objects: %d failures, %d missing schemas:\n%s", v.Total, len(objs), v.Failures, v.MissingSchemas, v.Output)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
