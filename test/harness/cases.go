package harness

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Repository layout, relative to the root.
const (
	// XRDDir holds the CompositeResourceDefinitions.
	XRDDir = "package/xrds"
	// CompositionDir holds the Compositions.
	CompositionDir = "package/compositions"
	// ExamplesDir holds the examples: claims and XRs, by area.
	ExamplesDir = "examples"
	// CredentialsFile, next to examples, holds Secrets passed to functions
	// with --function-credentials.
	CredentialsFile = "credentials.yaml"
	// ObservedSuffix marks the observed resources of an example:
	// examples/<area>/<name>.observed.yaml (a file) or
	// examples/<area>/<name>.observed/ (a directory) belongs to
	// examples/<area>/<name>.yaml and is passed with -o.
	ObservedSuffix = ".observed"
	// InvalidDir is a directory name under examples whose files are expected
	// to fail; they are not render cases.
	InvalidDir = "invalid"
)

// Case is one example to render: an XR (possibly converted from a claim) and
// the files crank render needs for it.
type Case struct {
	// Name is the example's path relative to the root, e.g.
	// examples/eks/claim.yaml.
	Name string
	// Source is the example as written (a claim or an XR).
	Source *Object
	// XR is the composite resource to render: Source itself, or the XR
	// Crossplane would create for the claim.
	XR *Object
	// Composition is the path of the Composition for the XR.
	Composition string
	// Credentials is the path of the function credentials, or "".
	Credentials string
	// Observed are the observed resources given with the example, or nil.
	Observed []*Object
}

// Golden returns the golden file path of the case below dir, with the given
// suffix: examples/eks/claim.yaml -> dir/eks/claim<suffix>.yaml.
func (c *Case) Golden(dir, suffix string) string {
	rel := strings.TrimPrefix(filepath.ToSlash(c.Name), ExamplesDir+"/")
	rel = strings.TrimSuffix(strings.TrimSuffix(rel, ".yaml"), ".yml")
	return filepath.Join(dir, filepath.FromSlash(rel)+suffix+".yaml")
}

// XRDs loads every CompositeResourceDefinition under package/xrds, keyed by
// file path.
func (h *Harness) XRDs() (map[string]*Object, error) {
	files, err := yamlFiles(filepath.Join(h.Root, XRDDir))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	xrds := map[string]*Object{}
	for _, f := range files {
		objs, err := LoadYAML(f)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if o.GetKind() == "CompositeResourceDefinition" {
				xrds[f] = o
			}
		}
	}
	return xrds, nil
}

// Compositions loads every Composition under package/compositions, keyed by
// file path.
func (h *Harness) Compositions() (map[string]*Object, error) {
	files, err := yamlFiles(filepath.Join(h.Root, CompositionDir))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	comps := map[string]*Object{}
	for _, f := range files {
		objs, err := LoadYAML(f)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if o.GetKind() == "Composition" {
				comps[f] = o
			}
		}
	}
	return comps, nil
}

// xrdFileFor returns the XRD file defining the XR's kind, or "".
func (h *Harness) xrdFileFor(xr *Object) (string, error) {
	xrds, err := h.XRDs()
	if err != nil {
		return "", err
	}
	gvk := xr.GroupVersionKind()
	for _, f := range sortedKeys(xrds) {
		x := xrds[f]
		g, _, _ := unstructured.NestedString(x.Object, "spec", "group")
		k, _, _ := unstructured.NestedString(x.Object, "spec", "names", "kind")
		if g == gvk.Group && k == gvk.Kind {
			return f, nil
		}
	}
	return "", nil
}

// ClaimToXR returns the composite resource Crossplane creates for a claim,
// or the object itself (and false) if it is not a claim of any XRD. The XR
// is cluster scoped, named <claim>-<5 characters derived from
// namespace/name>, labelled with the claim's name and namespace and has
// the claim's spec plus spec.claimRef. Claim-only fields (resourceRef,
// writeConnectionSecretToRef) are dropped.
func ClaimToXR(claim *Object, xrds map[string]*Object) (*Object, bool, error) {
	gvk := claim.GroupVersionKind()
	for _, f := range sortedKeys(xrds) {
		x := xrds[f]
		g, _, _ := unstructured.NestedString(x.Object, "spec", "group")
		ck, _, _ := unstructured.NestedString(x.Object, "spec", "claimNames", "kind")
		k, _, _ := unstructured.NestedString(x.Object, "spec", "names", "kind")
		if g != gvk.Group || ck == "" || ck != gvk.Kind {
			continue
		}
		xr := &Object{Object: map[string]any{}}
		xr.SetGroupVersionKind(schema.GroupVersionKind{Group: g, Version: gvk.Version, Kind: k})
		xr.SetName(claim.GetName() + "-" + nameSuffix(claim.GetNamespace()+"/"+claim.GetName()))
		labels := map[string]string{}
		for k, v := range claim.GetLabels() {
			labels[k] = v
		}
		labels[LabelClaimName] = claim.GetName()
		labels[LabelClaimNamespace] = claim.GetNamespace()
		xr.SetLabels(labels)
		annotations := map[string]string{}
		for k, v := range claim.GetAnnotations() {
			if k != "kubectl.kubernetes.io/last-applied-configuration" {
				annotations[k] = v
			}
		}
		if len(annotations) > 0 {
			xr.SetAnnotations(annotations)
		}
		spec, _, _ := unstructured.NestedMap(claim.Object, "spec")
		if spec == nil {
			spec = map[string]any{}
		}
		delete(spec, "resourceRef")
		delete(spec, "writeConnectionSecretToRef")
		spec["claimRef"] = map[string]any{
			"apiVersion": claim.GetAPIVersion(),
			"kind":       claim.GetKind(),
			"name":       claim.GetName(),
			"namespace":  claim.GetNamespace(),
		}
		xr.Object["spec"] = spec
		return xr, true, nil
	}
	return claim, false, nil
}

// nameSuffixAlphabet is the alphabet of Kubernetes' generated names.
const nameSuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// nameSuffix derives a 5 character, Kubernetes-style name suffix from s.
func nameSuffix(s string) string {
	sum := sha256.Sum256([]byte(s))
	b := make([]byte, 5)
	for i := range b {
		b[i] = nameSuffixAlphabet[int(sum[i])%len(nameSuffixAlphabet)]
	}
	return string(b)
}

// CompositionFor returns the path of the Composition for an XR: the one
// named by spec.compositionRef, else the one whose compositeTypeRef matches
// and whose labels satisfy spec.compositionSelector. It is an error if none
// or several match.
func (h *Harness) CompositionFor(xr *Object) (string, error) {
	comps, err := h.Compositions()
	if err != nil {
		return "", err
	}
	refName, _, _ := unstructured.NestedString(xr.Object, "spec", "compositionRef", "name")
	if refName == "" {
		refName, _, _ = unstructured.NestedString(xr.Object, "spec", "crossplane", "compositionRef", "name")
	}
	selector, _, _ := unstructured.NestedStringMap(xr.Object, "spec", "compositionSelector", "matchLabels")
	var matches []string
	for _, f := range sortedKeys(comps) {
		c := comps[f]
		av, _, _ := unstructured.NestedString(c.Object, "spec", "compositeTypeRef", "apiVersion")
		k, _, _ := unstructured.NestedString(c.Object, "spec", "compositeTypeRef", "kind")
		if av != xr.GetAPIVersion() || k != xr.GetKind() {
			continue
		}
		if refName != "" {
			if c.GetName() == refName {
				return f, nil
			}
			continue
		}
		ok := true
		for lk, lv := range selector {
			if c.GetLabels()[lk] != lv {
				ok = false
			}
		}
		if ok {
			matches = append(matches, f)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return "", fmt.Errorf("no Composition under %s for %s %s", CompositionDir, xr.GetAPIVersion(), xr.GetKind())
	default:
		return "", fmt.Errorf("several Compositions for %s %s: %s (set spec.compositionRef)", xr.GetAPIVersion(), xr.GetKind(), strings.Join(matches, ", "))
	}
}

// Cases finds every example under examples/ that is a claim or an XR of an
// XRD in package/xrds, skipping directories named "invalid", observed
// resources and credentials files. Paths are relative to the root.
func (h *Harness) Cases() ([]*Case, error) {
	files, err := yamlFiles(filepath.Join(h.Root, ExamplesDir))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var cases []*Case
	for _, f := range files {
		rel, _ := filepath.Rel(h.Root, f)
		if skipExample(rel) {
			continue
		}
		c, err := h.Case(rel)
		if err != nil {
			return nil, err
		}
		if c != nil {
			cases = append(cases, c)
		}
	}
	return cases, nil
}

func skipExample(rel string) bool {
	parts := strings.Split(filepath.ToSlash(rel), "/")
	for _, p := range parts[:len(parts)-1] {
		if p == InvalidDir || strings.HasSuffix(p, ObservedSuffix) {
			return true
		}
	}
	base := parts[len(parts)-1]
	stem := strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
	return base == CredentialsFile || strings.HasSuffix(stem, ObservedSuffix)
}

// Case loads one example file (path relative to the root or absolute). It
// returns nil and no error if the file holds no claim or XR of a known XRD.
func (h *Harness) Case(path string) (*Case, error) {
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(h.Root, path)
	}
	rel, err := filepath.Rel(h.Root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = path
	}
	objs, err := LoadYAML(abs)
	if err != nil {
		return nil, err
	}
	xrds, err := h.XRDs()
	if err != nil {
		return nil, err
	}
	var found []*Case
	for _, o := range objs {
		xr, isClaim, err := ClaimToXR(o, xrds)
		if err != nil {
			return nil, err
		}
		if !isClaim && !isXRKind(o, xrds) {
			continue
		}
		found = append(found, &Case{Name: filepath.ToSlash(rel), Source: o, XR: xr})
	}
	switch {
	case len(found) == 0:
		return nil, nil
	case len(found) > 1:
		return nil, fmt.Errorf("%s: %d claims/XRs in one file, want one", rel, len(found))
	}
	c := found[0]
	if c.Composition, err = h.CompositionFor(c.XR); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	if cred := filepath.Join(filepath.Dir(abs), CredentialsFile); fileExists(cred) {
		c.Credentials = cred
	}
	stem := strings.TrimSuffix(strings.TrimSuffix(abs, ".yaml"), ".yml")
	for _, p := range []string{stem + ObservedSuffix + ".yaml", stem + ObservedSuffix} {
		if fileExists(p) {
			if c.Observed, err = LoadYAML(p); err != nil {
				return nil, err
			}
			break
		}
	}
	return c, nil
}

func isXRKind(o *Object, xrds map[string]*Object) bool {
	gvk := o.GroupVersionKind()
	for _, x := range xrds {
		g, _, _ := unstructured.NestedString(x.Object, "spec", "group")
		k, _, _ := unstructured.NestedString(x.Object, "spec", "names", "kind")
		if g == gvk.Group && k == gvk.Kind {
			return true
		}
	}
	return false
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// RenderCase renders a case with its observed resources and credentials.
func (h *Harness) RenderCase(c *Case) (*Output, string, error) {
	return h.Render(c.XR, c.Composition, c.Observed, c.Credentials)
}
