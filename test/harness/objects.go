package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Object is a Kubernetes object of any kind.
type Object = unstructured.Unstructured

// Well-known annotation and label keys.
const (
	// AnnotationCompositionResourceName names a composed resource within
	// its composition.
	AnnotationCompositionResourceName = "crossplane.io/composition-resource-name"
	// AnnotationExternalName is the name of the external resource.
	AnnotationExternalName = "crossplane.io/external-name"
	// LabelComposite names the root composite resource.
	LabelComposite = "crossplane.io/composite"
	// LabelClaimName names the claim of a composite resource.
	LabelClaimName = "crossplane.io/claim-name"
	// LabelClaimNamespace is the namespace of the claim of a composite
	// resource.
	LabelClaimNamespace = "crossplane.io/claim-namespace"
)

// ParseYAML parses a stream of YAML documents. Empty documents are skipped.
func ParseYAML(data []byte) ([]*Object, error) {
	r := kyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []*Object
	for {
		doc, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read YAML document: %w", err)
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("cannot parse YAML document %d: %w", len(out)+1, err)
		}
		if s := strings.TrimSpace(string(j)); s == "null" || s == "{}" || s == "" {
			continue
		}
		o := &Object{}
		if err := o.UnmarshalJSON(j); err != nil {
			return nil, fmt.Errorf("cannot decode YAML document %d: %w", len(out)+1, err)
		}
		out = append(out, o)
	}
}

// LoadYAML parses a YAML file, or every *.yaml and *.yml file of a directory
// (recursively, in lexical order).
func LoadYAML(path string) ([]*Object, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	files := []string{path}
	if fi.IsDir() {
		files, err = yamlFiles(path)
		if err != nil {
			return nil, err
		}
	}
	var out []*Object
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		objs, err := ParseYAML(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, objs...)
	}
	return out, nil
}

// yamlFiles lists the YAML files under dir, sorted.
func yamlFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isYAML(p) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func isYAML(p string) bool {
	return strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")
}

// EncodeYAML writes objects as a YAML stream, each document starting with
// "---". Keys are sorted, so the output is deterministic.
func EncodeYAML(objs []*Object) ([]byte, error) {
	var b bytes.Buffer
	for _, o := range objs {
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			return nil, fmt.Errorf("cannot encode %s %s: %w", o.GetKind(), o.GetName(), err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.Bytes(), nil
}

// WriteYAML writes objects as a YAML stream to a file.
func WriteYAML(path string, objs []*Object) error {
	data, err := EncodeYAML(objs)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// Group returns the API group of an object ("" for the core group).
func Group(o *Object) string {
	return o.GroupVersionKind().Group
}

// ResourceName returns the composition resource name of a composed resource.
func ResourceName(o *Object) string {
	return o.GetAnnotations()[AnnotationCompositionResourceName]
}

// IsManaged reports whether an object is a Crossplane managed resource of an
// Upbound provider (its API group ends in ".upbound.io").
func IsManaged(o *Object) bool {
	return strings.HasSuffix(Group(o), ".upbound.io")
}

// ConditionStatus returns the status ("True", "False", "Unknown") of the
// condition of the given type in status.conditions, or "" if absent.
func ConditionStatus(o *Object, typ string) string {
	conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if ok && m["type"] == typ {
			s, _ := m["status"].(string)
			return s
		}
	}
	return ""
}

// KindCounts summarises objects as "Kind xN" entries sorted by kind, e.g.
// "Subnet x6, VPC x1".
func KindCounts(objs []*Object) string {
	counts := map[string]int{}
	for _, o := range objs {
		counts[o.GetKind()]++
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s x%d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}
