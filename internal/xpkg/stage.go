package xpkg

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Package metadata kinds and API versions.
const (
	MetaAPIVersionFunction      = "meta.pkg.crossplane.io/v1beta1"
	MetaAPIVersionConfiguration = "meta.pkg.crossplane.io/v1"
	KindFunction                = "Function"
	KindConfiguration           = "Configuration"
)

// Annotations every package's metadata carries.
var MetaAnnotations = []string{
	"meta.crossplane.io/maintainer",
	"meta.crossplane.io/source",
	"meta.crossplane.io/license",
	"meta.crossplane.io/description",
	"meta.crossplane.io/readme",
}

// copyFile copies src to dst, creating dst's directory.
func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// checkMeta loads a package metadata file and checks its kind, API version,
// name and annotations.
func checkMeta(path, apiVersion, kind, name string) (*Object, error) {
	objs, err := LoadYAML(path)
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 {
		return nil, fmt.Errorf("%s: %d objects, want one %s", path, len(objs), kind)
	}
	m := objs[0]
	if m.GetAPIVersion() != apiVersion || m.GetKind() != kind {
		return nil, fmt.Errorf("%s: %s %s, want %s %s", path, m.GetAPIVersion(), m.GetKind(), apiVersion, kind)
	}
	if m.GetName() != name {
		return nil, fmt.Errorf("%s: metadata.name %q, want %q", path, m.GetName(), name)
	}
	var missing []string
	for _, a := range MetaAnnotations {
		if strings.TrimSpace(m.GetAnnotations()[a]) == "" {
			missing = append(missing, a)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: missing annotations %s", path, strings.Join(missing, ", "))
	}
	return m, nil
}

// StageFunction writes the package root of function-<name> into dir:
// crossplane.yaml (functions/<name>/package/crossplane.yaml, a
// meta.pkg.crossplane.io/v1beta1 Function named function-<name>) and the
// input CRDs (functions/<name>/package/input/*.yaml) under input/. Nothing
// else: every YAML under a package root must be a package object.
func StageFunction(root, name, dir string) error {
	fnDir := filepath.Join(root, FunctionsDir, name)
	meta := filepath.Join(fnDir, FunctionMeta)
	if _, err := os.Stat(meta); err != nil {
		return fmt.Errorf("function %s has no package metadata: write %s (copy %s/eks/%s and adapt it): %w",
			name, filepath.Join(FunctionsDir, name, FunctionMeta), FunctionsDir, FunctionMeta, err)
	}
	if _, err := checkMeta(meta, MetaAPIVersionFunction, KindFunction, FunctionPackageName(name)); err != nil {
		return err
	}
	if err := copyFile(meta, filepath.Join(dir, ConfigurationMeta)); err != nil {
		return err
	}
	inputs, err := yamlFiles(filepath.Join(fnDir, FunctionInputDir))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, in := range inputs {
		objs, err := LoadYAML(in)
		if err != nil {
			return err
		}
		for _, o := range objs {
			if o.GetKind() != "CustomResourceDefinition" {
				return fmt.Errorf("%s: %s %s is not a CustomResourceDefinition; a function package holds only its input CRDs", in, o.GetKind(), o.GetName())
			}
		}
		if err := copyFile(in, filepath.Join(dir, "input", filepath.Base(in))); err != nil {
			return err
		}
	}
	return nil
}

// xrKinds returns the XR and claim kinds ("group/Kind") of the XRDs under
// package/xrds.
func xrKinds(root string) (map[string]bool, error) {
	files, err := yamlFiles(filepath.Join(root, XRDDir))
	if err != nil {
		return nil, err
	}
	kinds := map[string]bool{}
	for _, f := range files {
		objs, err := LoadYAML(f)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if o.GetKind() != "CompositeResourceDefinition" {
				continue
			}
			g, _, _ := unstructured.NestedString(o.Object, "spec", "group")
			for _, path := range [][]string{{"spec", "names", "kind"}, {"spec", "claimNames", "kind"}} {
				if k, _, _ := unstructured.NestedString(o.Object, path...); k != "" {
					kinds[g+"/"+k] = true
				}
			}
		}
	}
	return kinds, nil
}

// ConfigurationExamples lists the example files of the Configuration:
// files under examples/ whose every object is a claim or XR of an XRD in
// package/xrds. Directories named invalid, *.observed files and directories,
// credentials.yaml and examples/hub are not examples of the APIs. Paths are
// relative to root.
func ConfigurationExamples(root string) ([]string, error) {
	kinds, err := xrKinds(root)
	if err != nil {
		return nil, err
	}
	files, err := yamlFiles(filepath.Join(root, ExamplesDir))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var out []string
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			return nil, err
		}
		if skipExample(filepath.ToSlash(rel)) {
			continue
		}
		objs, err := LoadYAML(f)
		if err != nil {
			return nil, err
		}
		ok := len(objs) > 0
		for _, o := range objs {
			if !kinds[o.GroupVersionKind().Group+"/"+o.GetKind()] {
				ok = false
			}
		}
		if ok {
			out = append(out, rel)
		}
	}
	return out, nil
}

func skipExample(rel string) bool {
	if strings.HasPrefix(rel, HubExamplesDir+"/") {
		return true
	}
	parts := strings.Split(rel, "/")
	for _, p := range parts[:len(parts)-1] {
		if p == "invalid" || strings.HasSuffix(p, ".observed") {
			return true
		}
	}
	base := parts[len(parts)-1]
	stem := strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
	return base == "credentials.yaml" || strings.HasSuffix(stem, ".observed")
}

// StageConfiguration writes the Configuration's package root into pkgDir
// (crossplane.yaml, xrds/, compositions/) and its examples into exDir (the
// files ConfigurationExamples lists, by area).
func StageConfiguration(root, pkgDir, exDir string) error {
	meta := filepath.Join(root, ConfigurationMeta)
	if _, err := checkMeta(meta, MetaAPIVersionConfiguration, KindConfiguration, ConfigurationName); err != nil {
		return err
	}
	if err := copyFile(meta, filepath.Join(pkgDir, ConfigurationMeta)); err != nil {
		return err
	}
	for _, d := range []struct{ src, dst, kind string }{
		{XRDDir, "xrds", "CompositeResourceDefinition"},
		{CompositionDir, "compositions", "Composition"},
	} {
		files, err := yamlFiles(filepath.Join(root, d.src))
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return fmt.Errorf("no %s under %s", d.kind, d.src)
		}
		for _, f := range files {
			objs, err := LoadYAML(f)
			if err != nil {
				return err
			}
			for _, o := range objs {
				if o.GetKind() != d.kind {
					return fmt.Errorf("%s: %s %s is not a %s", f, o.GetKind(), o.GetName(), d.kind)
				}
			}
			rel, _ := filepath.Rel(filepath.Join(root, d.src), f)
			if err := copyFile(f, filepath.Join(pkgDir, d.dst, rel)); err != nil {
				return err
			}
		}
	}
	examples, err := ConfigurationExamples(root)
	if err != nil {
		return err
	}
	for _, rel := range examples {
		dst := filepath.Join(exDir, strings.TrimPrefix(filepath.ToSlash(rel), ExamplesDir+"/"))
		if err := copyFile(filepath.Join(root, rel), dst); err != nil {
			return err
		}
	}
	return nil
}
