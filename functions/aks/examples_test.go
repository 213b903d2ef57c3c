package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"sigs.k8s.io/yaml"
)

// compositionInput returns the function input of the package's Composition.
func compositionInput(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "package", "compositions", "xaksclusters.infrastructure.devsecops.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var comp struct {
		Spec struct {
			Pipeline []struct {
				Step  string         `json:"step"`
				Input map[string]any `json:"input"`
			} `json:"pipeline"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &comp); err != nil {
		t.Fatal(err)
	}
	for _, s := range comp.Spec.Pipeline {
		if s.Step == "aks" {
			return s.Input
		}
	}
	t.Fatal("the Composition has no aks step")
	return nil
}

// TestInvalidExamples: every example under examples/aks/invalid is rejected
// with one Fatal result, before anything is composed, with the message its
// "# want:" comment gives (a prefix).
func TestInvalidExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "aks", "invalid", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid examples: %v", err)
	}
	in := compositionInput(t)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			for _, l := range strings.Split(string(b), "\n") {
				if w, ok := strings.CutPrefix(l, "# want: "); ok {
					want = w
				}
			}
			if want == "" {
				t.Fatal("no # want: comment")
			}
			var claim map[string]any
			if err := yaml.Unmarshal(b, &claim); err != nil {
				t.Fatal(err)
			}
			md, _ := claim["metadata"].(map[string]any)
			xr := map[string]any{
				"apiVersion": "infrastructure.devsecops/v1alpha1", "kind": "XAKSCluster",
				"metadata": map[string]any{"name": md["name"].(string) + "-abcde", "labels": map[string]any{"crossplane.io/claim-name": md["name"]}},
				"spec":     claim["spec"],
			}
			xj, _ := json.Marshal(xr)
			ij, _ := json.Marshal(in)
			rsp := run(t, &fnv1.RunFunctionRequest{
				Input:    resource.MustStructJSON(string(ij)),
				Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(string(xj))}},
			})
			if len(rsp.GetResults()) != 1 || rsp.GetResults()[0].GetSeverity() != fnv1.Severity_SEVERITY_FATAL {
				t.Fatalf("want one Fatal result, got %v", rsp.GetResults())
			}
			if got := rsp.GetResults()[0].GetMessage(); !strings.HasPrefix(got, want) {
				t.Errorf("Fatal message\n got %s\nwant a message starting with %s", got, want)
			}
			if len(rsp.GetDesired().GetResources()) != 0 {
				t.Errorf("composed %d resources for a bad input", len(rsp.GetDesired().GetResources()))
			}
		})
	}
}

// TestExamplesDecode: the examples decode strictly into the API type and
// are accepted.
func TestExamplesDecode(t *testing.T) {
	in := compositionInput(t)
	ij, _ := json.Marshal(in)
	for _, name := range []string{"claim.yaml", "xr-full.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "aks", name))
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(b, &obj); err != nil {
			t.Fatal(err)
		}
		obj["apiVersion"], obj["kind"] = "infrastructure.devsecops/v1alpha1", "XAKSCluster"
		xj, _ := json.Marshal(obj)
		rsp := run(t, &fnv1.RunFunctionRequest{
			Input:    resource.MustStructJSON(string(ij)),
			Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(string(xj))}},
		})
		if len(rsp.GetResults()) != 0 {
			t.Errorf("%s: results %v", name, rsp.GetResults())
		}
	}
}
