package xpkg

import (
	"context"
	"fmt"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Pushed is one package pushed to a registry.
type Pushed struct {
	// Name is the package name.
	Name string
	// Ref is the tag pushed: <registry>/<name>:<version>.
	Ref string
	// Digest is the digest the tag points to: the OCI index of a
	// multi-platform function, the image of a single-platform package. It is
	// computed from the files; Push does not ask the registry.
	Digest v1.Hash
	// Files are the package files pushed.
	Files []string
}

// DigestRef is Ref pinned by digest: <registry>/<name>@sha256:...
func (p Pushed) DigestRef() string {
	return p.Ref[:strings.LastIndex(p.Ref, ":")] + "@" + p.Digest.String()
}

// PushOptions configure Push.
type PushOptions struct {
	// Root is the repository root.
	Root string
	// Out is the directory holding the package files (Build's Out).
	Out string
	// Registry is the repository prefix, e.g. xpkg.crossplane.io/devsecops.
	Registry string
	// Version is the tag, a semantic version such as v0.1.0.
	Version string
	// Arches are the platforms of the function packages to push; their
	// files must exist. Default: DefaultArches.
	Arches []string
	// Functions to push. Default: every function.
	Functions []string
	// SkipConfiguration skips the Configuration.
	SkipConfiguration bool
	// Tools run crank. Default: tools for Root.
	Tools *Tools
}

// Push pushes the package files of Out with `crank xpkg push`: each
// function as one multi-platform package (crank pushes every platform by
// digest and tags an OCI index of them; with one arch, the image itself),
// then the Configuration.
func Push(ctx context.Context, opts PushOptions) ([]Pushed, error) {
	bo := Options{Root: opts.Root, Out: opts.Out, Arches: opts.Arches, Functions: opts.Functions, Tools: opts.Tools}
	if err := bo.defaults(); err != nil {
		return nil, err
	}
	if opts.Registry == "" || opts.Version == "" {
		return nil, fmt.Errorf("a registry and a version are needed to push")
	}
	reg := strings.TrimSuffix(opts.Registry, "/")
	var out []Pushed
	for _, fn := range bo.Functions {
		p := Pushed{Name: FunctionPackageName(fn), Ref: reg + "/" + FunctionPackageName(fn) + ":" + opts.Version}
		var imgs []v1.Image
		for _, arch := range bo.Arches {
			f := FunctionFile(bo.Out, fn, arch)
			info, err := Open(f)
			if err != nil {
				return nil, fmt.Errorf("%w (make xpkg builds it)", err)
			}
			if info.Config.Architecture != arch {
				return nil, fmt.Errorf("%s holds a linux/%s image, want %s", f, info.Config.Architecture, arch)
			}
			p.Files = append(p.Files, f)
			imgs = append(imgs, info.Image)
		}
		d, err := pushDigest(imgs)
		if err != nil {
			return nil, err
		}
		p.Digest = d
		if _, err := bo.Tools.RunCrank(ctx, "xpkg", "push", "--package-files="+strings.Join(p.Files, ","), p.Ref); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if !opts.SkipConfiguration {
		f := ConfigurationFile(bo.Out)
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%w (make xpkg builds it)", err)
		}
		info, err := Open(f)
		if err != nil {
			return nil, err
		}
		p := Pushed{Name: ConfigurationName, Ref: reg + "/" + ConfigurationName + ":" + opts.Version, Digest: info.PushedDigest, Files: []string{f}}
		if _, err := bo.Tools.RunCrank(ctx, "xpkg", "push", "--package-files="+f, p.Ref); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// pushDigest is the digest of what crank xpkg push tags for the images.
func pushDigest(imgs []v1.Image) (v1.Hash, error) {
	if len(imgs) == 1 {
		pushed, err := AnnotateLayers(imgs[0])
		if err != nil {
			return v1.Hash{}, err
		}
		return pushed.Digest()
	}
	idx, err := Index(imgs...)
	if err != nil {
		return v1.Hash{}, err
	}
	return idx.Digest()
}
