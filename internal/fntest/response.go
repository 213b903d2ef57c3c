package fntest

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// DesiredNames returns the sorted composition resource names of a response.
func DesiredNames(rsp *fnv1.RunFunctionResponse) []string {
	out := make([]string, 0, len(rsp.GetDesired().GetResources()))
	for n := range rsp.GetDesired().GetResources() {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Field reads a dotted path ("spec.forProvider.region") of the desired
// resource name, failing the test if the resource is not desired or a step
// of the path is not an object. A missing last key is nil.
func Field(t testing.TB, rsp *fnv1.RunFunctionResponse, name, path string) any {
	t.Helper()
	r, ok := rsp.GetDesired().GetResources()[name]
	if !ok {
		t.Fatalf("resource %q is not desired; desired: %v", name, DesiredNames(rsp))
	}
	var v any = r.GetResource().AsMap()
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: %s: %v is not an object", name, path, v)
		}
		v = m[p]
	}
	return v
}

// JSON is v as compact JSON, failing the test if it cannot be encoded.
func JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
