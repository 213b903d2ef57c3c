package e2e

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/devsecops/platform-functions/internal/xpkg"
)

// CrossplaneModule is the Go module of Crossplane core; go.mod pins it (the
// crossplane and crank Go tools).
const CrossplaneModule = "github.com/crossplane/crossplane/v2"

// HubModuleDir is the Go module, relative to the repository root, that
// builds etcd, kube-apiserver and kube-controller-manager. It is a module of
// its own because k8s.io/kubernetes pins its staging modules (k8s.io/api,
// ...) to its own release, which the functions' module does not share.
const HubModuleDir = "test/e2e/hub"

// Build is everything the hub runs, built from the repository and the Go
// module proxy.
type Build struct {
	Bins Binaries
	// Dist holds the packages (one platform: the machine's).
	Dist string
	// Arch is the platform of the function packages.
	Arch string
	// Functions maps a Function name (function-<name>) to the function
	// binary extracted from its package's runtime image.
	Functions map[string]string
}

// BuildAll builds the hub's programs and the project's packages into dir.
func BuildAll(ctx context.Context, root, dir string, log io.Writer) (*Build, error) {
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return nil, err
	}
	b := &Build{Dist: filepath.Join(dir, "dist"), Arch: runtime.GOARCH, Functions: map[string]string{}}

	fmt.Fprintln(log, "building etcd, kube-apiserver and kube-controller-manager ("+HubModuleDir+")")
	if _, err := goCmd(ctx, filepath.Join(root, HubModuleDir), "build", "-o", bin+string(filepath.Separator), "./cmd/..."); err != nil {
		return nil, err
	}
	b.Bins.Etcd = filepath.Join(bin, "etcd")
	b.Bins.APIServer = filepath.Join(bin, "kube-apiserver")
	b.Bins.ControllerManager = filepath.Join(bin, "kube-controller-manager")

	fmt.Fprintln(log, "building crossplane core ("+CrossplaneModule+"/cmd/crossplane, the version go.mod pins)")
	out, err := goCmd(ctx, root, "list", "-m", "-f", "{{.Dir}} {{.Version}}", CrossplaneModule)
	if err != nil {
		return nil, err
	}
	mod, ver, _ := strings.Cut(strings.TrimSpace(out), " ")
	// Crossplane checks packages' spec.crossplane.version against its own,
	// which its release builds stamp in; a plain build would have none.
	b.Bins.Crossplane = filepath.Join(bin, "crossplane")
	if _, err := goCmd(ctx, root, "build", "-o", b.Bins.Crossplane,
		"-ldflags=-X "+CrossplaneModule+"/internal/version.version="+ver, CrossplaneModule+"/cmd/crossplane"); err != nil {
		return nil, err
	}
	b.Bins.CrossplaneCRDs = filepath.Join(mod, "cluster", "crds")
	b.Bins.CrossplaneWebhooks = filepath.Join(mod, "cluster", "webhookconfigurations")

	fmt.Fprintln(log, "building the packages (internal/xpkg, as make xpkg) for linux/"+b.Arch)
	res, err := xpkg.Build(ctx, xpkg.Options{Root: root, Out: b.Dist, Work: filepath.Join(dir, "work"), Arches: []string{b.Arch}, Log: log})
	if err != nil {
		return nil, err
	}
	for _, p := range res.Packages {
		if p.Kind != xpkg.KindFunction {
			continue
		}
		f, ok := p.Info.Files["function"]
		if !ok {
			return nil, fmt.Errorf("package %s has no /function", p.Name)
		}
		path := filepath.Join(bin, p.Name)
		if err := os.WriteFile(path, f.Data, 0o755); err != nil {
			return nil, err
		}
		b.Functions[p.Name] = path
	}
	return b, nil
}

func goCmd(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s (in %s): %w\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return string(out), nil
}

// Registry is an in-process OCI registry (go-containerregistry's) on
// loopback, which Crossplane speaks to over plain HTTP.
type Registry struct {
	// Host is host:port.
	Host string
	srv  *http.Server
}

// StartRegistry starts a registry on a free loopback port.
func StartRegistry() (*Registry, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Registry{Host: l.Addr().String(), srv: &http.Server{Handler: registry.New(registry.Logger(log.New(io.Discard, "", 0)))}}
	go func() { _ = r.srv.Serve(l) }()
	return r, nil
}

// Close stops the registry.
func (r *Registry) Close() { _ = r.srv.Close() }

// Push pushes the built packages with `crank xpkg push` and returns the
// reference of each by package name (function-<name>, and the
// Configuration's name).
func (r *Registry) Push(ctx context.Context, root string, b *Build, version string) (map[string]string, error) {
	pushed, err := xpkg.Push(ctx, xpkg.PushOptions{Root: root, Out: b.Dist, Registry: r.Host + "/devsecops", Version: version, Arches: []string{b.Arch}})
	if err != nil {
		return nil, err
	}
	refs := map[string]string{}
	for _, p := range pushed {
		refs[p.Name] = p.Ref
	}
	return refs, nil
}
