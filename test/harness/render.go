package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Output is the parsed output of one `crank render` run.
type Output struct {
	// Raw is crank's stdout, byte for byte.
	Raw []byte
	// XR is the composite resource with the status the pipeline computed and,
	// because the harness passes -x, the input's metadata and spec.
	XR *Object
	// Composed are the desired composed resources, sorted by composition
	// resource name.
	Composed []*Object
	// Results are the functions' Normal and Warning results (kind Result).
	Results []*Object
}

// Objects returns the XR followed by the composed resources.
func (o *Output) Objects() []*Object {
	out := make([]*Object, 0, len(o.Composed)+1)
	if o.XR != nil {
		out = append(out, o.XR)
	}
	return append(out, o.Composed...)
}

// Ready reports whether the XR's Ready condition is True.
func (o *Output) Ready() bool {
	return o.XR != nil && ConditionStatus(o.XR, "Ready") == "True"
}

// ParseOutput splits crank render's stdout into the XR, composed resources
// and results.
func ParseOutput(raw []byte) (*Output, error) {
	objs, err := ParseYAML(raw)
	if err != nil {
		return nil, err
	}
	out := &Output{Raw: raw}
	for i, o := range objs {
		switch {
		case i == 0:
			out.XR = o
		case Group(o) == "render.crossplane.io" && o.GetKind() == "Result":
			out.Results = append(out.Results, o)
		case Group(o) == "render.crossplane.io":
			// Context and other render bookkeeping.
		default:
			out.Composed = append(out.Composed, o)
		}
	}
	if out.XR == nil {
		return nil, fmt.Errorf("crank render printed no composite resource")
	}
	return out, nil
}

// Render runs `crank render -x -r` for an XR and a Composition file.
// observed are the observed composed resources (passed with -o as a
// directory of files; nil for a first render); credentials is an optional
// file or directory of Secrets for --function-credentials. Every function of
// the composition's pipeline is started if it is not running yet. When an
// XRD for the XR's kind exists under package/xrds it is passed with --xrd so
// the XR gets the schema defaults the API server would apply.
//
// It returns the parsed output and crank's stderr. On failure the error
// includes crank's stderr and the tail of each function's stderr.
func (h *Harness) Render(xr *Object, composition string, observed []*Object, credentials string) (*Output, string, error) {
	comps, err := LoadYAML(composition)
	if err != nil {
		return nil, "", err
	}
	if len(comps) != 1 || comps[0].GetKind() != "Composition" {
		return nil, "", fmt.Errorf("%s: want exactly one Composition", composition)
	}
	fns := PipelineFunctions(comps[0])
	fnFile, err := h.FunctionsFile(fns...)
	if err != nil {
		return nil, "", err
	}
	dir, err := h.TempDir("render")
	if err != nil {
		return nil, "", err
	}
	xrFile := filepath.Join(dir, "xr.yaml")
	if err := WriteYAML(xrFile, []*Object{xr}); err != nil {
		return nil, "", err
	}
	args := []string{"render", xrFile, composition, fnFile, "--include-full-xr", "--include-function-results"}
	if len(observed) > 0 {
		od := filepath.Join(dir, "observed")
		if err := os.MkdirAll(od, 0o755); err != nil {
			return nil, "", err
		}
		for i, o := range observed {
			name := fmt.Sprintf("%03d-%s.yaml", i, sanitize(ResourceName(o)))
			if err := WriteYAML(filepath.Join(od, name), []*Object{o}); err != nil {
				return nil, "", err
			}
		}
		args = append(args, "--observed-resources="+od)
	}
	if credentials != "" {
		args = append(args, "--function-credentials="+credentials)
	}
	if xrd, err := h.xrdFileFor(xr); err != nil {
		return nil, "", err
	} else if xrd != "" {
		args = append(args, "--xrd="+xrd)
	}
	stdout, stderr, err := h.runCrank(args...)
	if err != nil {
		return nil, string(stderr), fmt.Errorf("crank %s: %w\n%s%s", strings.Join(args, " "), err, stderr, h.functionStderr(fns))
	}
	out, err := ParseOutput(stdout)
	if err != nil {
		return nil, string(stderr), err
	}
	return out, string(stderr), nil
}

// PipelineFunctions returns the functionRef names of a Composition's
// pipeline steps.
func PipelineFunctions(comp *Object) []string {
	steps, _, _ := unstructured.NestedSlice(comp.Object, "spec", "pipeline")
	seen := map[string]bool{}
	var names []string
	for _, s := range steps {
		m, _ := s.(map[string]any)
		ref, _ := m["functionRef"].(map[string]any)
		n, _ := ref["name"].(string)
		if n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return names
}

func sanitize(s string) string {
	if s == "" {
		return "resource"
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, s)
}
