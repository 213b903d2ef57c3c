package xrdgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Config lists everything Generate produces. Paths are slash-separated and
// relative to the module root.
type Config struct {
	// Command is how users regenerate, e.g. go generate ./apis/... . It is
	// written into the generated files' headers.
	Command string
	// DeepCopy lists the package directories that get a
	// zz_generated.deepcopy.go (controller-gen object).
	DeepCopy []string
	// CRDs are CRDs shipped as controller-gen writes them, e.g. function
	// inputs.
	CRDs []CRDs
	// XRPaths are the controller-gen paths holding the XR Go types.
	XRPaths []string
	// XRDDir is the directory the XRDs are written to.
	XRDDir string
	// DocDir is the directory the API references are written to.
	DocDir string
	// XRs are the composite resources to write XRDs and API references for.
	XRs []XR
}

// CRDs is one controller-gen crd run whose output is shipped as is.
type CRDs struct {
	// Paths is the controller-gen paths argument, e.g. ./functions/eks/input/... .
	Paths string
	// Dir is the directory the CRDs are written to.
	Dir string
}

// OwnedDirs are the directories whose every file Generate writes; a file
// there that Generate did not write is stale.
func (c Config) OwnedDirs() []string {
	dirs := []string{c.XRDDir}
	for _, crds := range c.CRDs {
		dirs = append(dirs, crds.Dir)
	}
	return dirs
}

// ControllerGen runs controller-gen with args in dir. The default runs
// go tool controller-gen, the version pinned in go.mod.
var ControllerGen = func(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", append([]string{"tool", "controller-gen"}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go tool controller-gen %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return nil
}

// Generate runs controller-gen on the sources under root and writes the
// deepcopy functions, the shipped CRDs, the XRDs and the API references under
// out (root itself to update the repository). It returns the written files,
// relative to out.
func Generate(ctx context.Context, cfg Config, root, out string) ([]string, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	out, err = filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	var written []string
	record := func(rel string) { written = append(written, filepath.ToSlash(rel)) }

	for _, pkg := range cfg.DeepCopy {
		dir := filepath.Join(out, filepath.FromSlash(pkg))
		if err := ControllerGen(ctx, root, "object", "paths=./"+pkg, "output:object:dir="+dir); err != nil {
			return nil, err
		}
		if err := mustExist(dir, "zz_generated.deepcopy.go"); err != nil {
			return nil, err
		}
		record(pkg + "/zz_generated.deepcopy.go")
	}

	for _, crds := range cfg.CRDs {
		dir := filepath.Join(out, filepath.FromSlash(crds.Dir))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		tmp, err := os.MkdirTemp("", "xrdgen-crds-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp) //nolint:errcheck // Best effort cleanup.
		if err := ControllerGen(ctx, root, "crd", "paths="+crds.Paths, "output:crd:dir="+tmp); err != nil {
			return nil, err
		}
		entries, err := os.ReadDir(tmp)
		if err != nil {
			return nil, err
		}
		if len(entries) == 0 {
			return nil, fmt.Errorf("controller-gen wrote no CRD for %s", crds.Paths)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(tmp, e.Name()))
			if err != nil {
				return nil, err
			}
			if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
				return nil, err
			}
			record(crds.Dir + "/" + e.Name())
		}
	}

	if len(cfg.XRs) == 0 {
		return written, nil
	}
	tmp, err := os.MkdirTemp("", "xrdgen-xrs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) //nolint:errcheck // Best effort cleanup.
	args := []string{"crd"}
	for _, p := range cfg.XRPaths {
		args = append(args, "paths="+p)
	}
	if err := ControllerGen(ctx, root, append(args, "output:crd:dir="+tmp)...); err != nil {
		return nil, err
	}
	xrdDir := filepath.Join(out, filepath.FromSlash(cfg.XRDDir))
	docDir := filepath.Join(out, filepath.FromSlash(cfg.DocDir))
	for _, d := range []string{xrdDir, docDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	for _, xr := range cfg.XRs {
		b, err := os.ReadFile(filepath.Join(tmp, xr.CRDFileName()))
		if err != nil {
			return nil, fmt.Errorf("XR %s: controller-gen wrote no CRD (is the type under %v and marked +kubebuilder:object:root=true?): %w", xr.Kind, cfg.XRPaths, err)
		}
		crd, err := ParseCRD(b)
		if err != nil {
			return nil, fmt.Errorf("XR %s: %w", xr.Kind, err)
		}
		xrd, err := Convert(crd, xr)
		if err != nil {
			return nil, err
		}
		y, err := MarshalXRD(xrd, cfg.Command)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(xrdDir, xr.XRDFileName()), y, 0o644); err != nil {
			return nil, err
		}
		record(cfg.XRDDir + "/" + xr.XRDFileName())

		rel, err := filepath.Rel(docDir, filepath.Join(xrdDir, xr.XRDFileName()))
		if err != nil {
			return nil, err
		}
		doc := RenderDoc(xrd, DocInfo{
			Command: cfg.Command,
			Source:  strings.Join(trimPatterns(cfg.XRPaths), ", "),
			XRDPath: filepath.ToSlash(rel),
		})
		if err := os.WriteFile(filepath.Join(docDir, xr.DocFileName()), doc, 0o644); err != nil {
			return nil, err
		}
		record(cfg.DocDir + "/" + xr.DocFileName())
	}
	return written, nil
}

// trimPatterns turns controller-gen paths such as ./apis/v1alpha1/... into
// directories such as apis/v1alpha1.
func trimPatterns(paths []string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		p = strings.TrimSuffix(p, "/...")
		p = strings.TrimPrefix(p, "./")
		out = append(out, p)
	}
	return out
}

func mustExist(dir, name string) error {
	if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("controller-gen wrote no %s in %s (does the package have +kubebuilder:object:generate=true?): %w", name, dir, err)
	}
	return nil
}

// FindModuleRoot returns the nearest directory at or above dir holding a
// go.mod file.
func FindModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found in or above the working directory")
		}
		dir = parent
	}
}
