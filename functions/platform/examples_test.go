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

// TestInvalidExamples: every example under examples/platform/invalid is
// rejected with one Fatal result, before anything is composed, with the
// message its "# want:" comment gives (a prefix).
func TestInvalidExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "platform", "invalid", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid examples: %v", err)
	}
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
				t.Fatal("no '# want: <message prefix>' comment")
			}
			j, err := yaml.YAMLToJSON(b)
			if err != nil {
				t.Fatal(err)
			}
			var obj map[string]any
			if err := json.Unmarshal(j, &obj); err != nil {
				t.Fatal(err)
			}
			req := &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(string(j))}}}
			rsp := run(t, req)
			if len(rsp.GetResults()) != 1 || rsp.GetResults()[0].GetSeverity() != fnv1.Severity_SEVERITY_FATAL {
				t.Fatalf("want one Fatal result, got %v", rsp.GetResults())
			}
			if msg := rsp.GetResults()[0].GetMessage(); !strings.HasPrefix(msg, want) {
				t.Errorf("message %q does not start with %q", msg, want)
			}
			if len(rsp.GetDesired().GetResources()) != 0 {
				t.Error("resources composed despite the Fatal result")
			}
		})
	}
}
