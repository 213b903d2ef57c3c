package harness

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// coreSchemas are CRD-shaped schemas for core Kubernetes kinds (group "").
//
//go:embed schemas/core.yaml
var coreSchemas []byte

// SchemaIndex finds CRD files by API group. Its sources are the package/crds
// directories of every provider module required by go.mod (modules whose
// path contains "/provider-"), whose files are named <group>_<plural>.yaml.
type SchemaIndex struct {
	// Files maps an API group to its CRD files.
	Files map[string][]string
	// Core is a file of schemas for core Kubernetes kinds.
	Core string

	mu     sync.Mutex
	parsed map[schema.GroupVersionKind]map[string]any
	loaded map[string]bool
}

// Schemas returns the harness's schema index, building it on first use.
func (h *Harness) Schemas() (*SchemaIndex, error) {
	h.mu.Lock()
	if h.schemas != nil {
		defer h.mu.Unlock()
		return h.schemas, nil
	}
	tmp := h.tmp
	h.mu.Unlock()

	mods, err := h.requiredModules()
	if err != nil {
		return nil, err
	}
	idx := &SchemaIndex{Files: map[string][]string{}, parsed: map[schema.GroupVersionKind]map[string]any{}, loaded: map[string]bool{}}
	for _, m := range mods {
		if !strings.Contains(m, "/provider-") {
			continue
		}
		info, err := h.module(m)
		if err != nil {
			return nil, err
		}
		dir := filepath.Join(info.Dir, "package", "crds")
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // a module without CRDs
		}
		for _, e := range entries {
			n := e.Name()
			if e.IsDir() || !isYAML(n) {
				continue
			}
			g, _, ok := strings.Cut(n, "_")
			if !ok {
				continue
			}
			idx.Files[g] = append(idx.Files[g], filepath.Join(dir, n))
		}
	}
	idx.Core = filepath.Join(tmp, "core-schemas.yaml")
	if err := os.WriteFile(idx.Core, coreSchemas, 0o644); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.schemas == nil {
		h.schemas = idx
	}
	return h.schemas, nil
}

// FilesFor returns the CRD files covering the API groups of objs: provider
// CRD files by group, and the core schemas for group "". Groups the index
// does not know are left out (validation then reports them missing).
func (s *SchemaIndex) FilesFor(objs []*Object) []string {
	groups := map[string]bool{}
	for _, o := range objs {
		groups[Group(o)] = true
	}
	var files []string
	for g := range groups {
		if g == "" {
			files = append(files, s.Core)
			continue
		}
		files = append(files, s.Files[g]...)
	}
	sort.Strings(files)
	return files
}

// Schema returns the openAPIV3Schema of a kind and version, or nil.
func (s *SchemaIndex) Schema(gvk schema.GroupVersionKind) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc, ok := s.parsed[gvk]; ok {
		return sc, nil
	}
	files := s.Files[gvk.Group]
	if gvk.Group == "" {
		files = []string{s.Core}
	}
	for _, f := range files {
		if s.loaded[f] {
			continue
		}
		s.loaded[f] = true
		objs, err := LoadYAML(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, crd := range objs {
			g, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
			k, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
			versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
			for _, v := range versions {
				vm, _ := v.(map[string]any)
				name, _ := vm["name"].(string)
				sc, _, _ := unstructured.NestedMap(vm, "schema", "openAPIV3Schema")
				s.parsed[schema.GroupVersionKind{Group: g, Version: name, Kind: k}] = sc
			}
		}
		if sc, ok := s.parsed[gvk]; ok {
			return sc, nil
		}
	}
	s.parsed[gvk] = nil
	return nil, nil
}

// PruneStatus removes from status every field the kind's schema does not
// declare, as the API server does for a CRD. Objects without a known schema
// are left as they are.
func (s *SchemaIndex) PruneStatus(o *Object) error {
	sc, err := s.Schema(o.GroupVersionKind())
	if err != nil || sc == nil {
		return err
	}
	props, _, _ := unstructured.NestedMap(sc, "properties")
	st, ok := o.Object["status"]
	if !ok {
		return nil
	}
	stSchema, _ := props["status"].(map[string]any)
	if stSchema == nil {
		delete(o.Object, "status")
		return nil
	}
	o.Object["status"] = prune(st, stSchema)
	return nil
}

// prune drops fields not declared by a structural schema.
func prune(v any, sc map[string]any) any {
	if sc == nil {
		return v
	}
	if p, _ := sc["x-kubernetes-preserve-unknown-fields"].(bool); p {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		props, _ := sc["properties"].(map[string]any)
		addl, hasAddl := sc["additionalProperties"]
		for k, fv := range t {
			if ps, ok := props[k].(map[string]any); ok {
				t[k] = prune(fv, ps)
				continue
			}
			if hasAddl {
				if as, ok := addl.(map[string]any); ok {
					t[k] = prune(fv, as)
				}
				continue
			}
			delete(t, k)
		}
		return t
	case []any:
		items, _ := sc["items"].(map[string]any)
		for i := range t {
			t[i] = prune(t[i], items)
		}
		return t
	default:
		return v
	}
}
