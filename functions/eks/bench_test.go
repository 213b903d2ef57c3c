package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/proto"
	"sigs.k8s.io/yaml"
)

// exampleParams returns spec.parameters of an example XR as a JSON object.
func exampleParams(tb testing.TB, file string) map[string]any {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "eks", file))
	if err != nil {
		tb.Fatal(err)
	}
	var x struct {
		Spec struct {
			Parameters map[string]any `json:"parameters"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &x); err != nil {
		tb.Fatal(err)
	}
	return x.Spec.Parameters
}

func jsonString(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// benchRequest is the request of the steady state a hub reconciles every
// minute: the largest example (examples/eks/xr-full.yaml) with every composed
// resource observed Ready.
func benchRequest(tb testing.TB, params string) *fnv1.RunFunctionRequest {
	tb.Helper()
	rounds := converge(tb, params, 8)
	return newRequest("bench", params, simulate(rounds[len(rounds)-1]))
}

// BenchmarkRunFunction measures RunFunction on the largest example with every
// resource observed.
func BenchmarkRunFunction(b *testing.B) {
	req := benchRequest(b, jsonString(b, exampleParams(b, "xr-full.yaml")))
	fn := NewFunction(nopLogger())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := fn.RunFunction(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWriteBenchRequest writes BenchmarkRunFunction's request (binary
// protobuf) to $BENCH_REQUEST_DIR/function-eks.binpb for the gRPC load
// generator (test/bench/loadgen). Skipped unless the variable is set.
func TestWriteBenchRequest(t *testing.T) {
	dir := os.Getenv("BENCH_REQUEST_DIR")
	if dir == "" {
		t.Skip("BENCH_REQUEST_DIR not set")
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(benchRequest(t, jsonString(t, exampleParams(t, "xr-full.yaml"))))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "function-eks.binpb"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// scaleParams is the largest example with nodeGroups node groups (copies of
// its first one) and azs availability zones.
func scaleParams(tb testing.TB, nodeGroups, azs int) string {
	p := exampleParams(tb, "xr-full.yaml")
	first := p["nodeGroups"].([]any)[0].(map[string]any)
	var ngs []any
	for i := range nodeGroups {
		ng := map[string]any{}
		for k, v := range first {
			ng[k] = v
		}
		ng["name"] = fmt.Sprintf("ng%02d", i)
		ngs = append(ngs, ng)
	}
	p["nodeGroups"] = ngs
	var zones []any
	for i := range azs {
		zones = append(zones, fmt.Sprintf("us-east-1%c", 'a'+i))
	}
	p["network"].(map[string]any)["availabilityZones"] = zones
	return jsonString(tb, p)
}

// BenchmarkScale measures RunFunction in the steady state as the XR grows:
// node groups at 3 zones, then zones at 2 node groups. It reports the number
// of composed resources and the encoded response size.
func BenchmarkScale(b *testing.B) {
	type size struct{ nodeGroups, azs int }
	var sizes []size
	for _, n := range []int{1, 2, 5, 10, 20} {
		sizes = append(sizes, size{n, 3})
	}
	for _, z := range []int{2, 4, 6} {
		sizes = append(sizes, size{2, z})
	}
	sizes = append(sizes, size{20, 6})
	for _, s := range sizes {
		b.Run(fmt.Sprintf("ng=%d/az=%d", s.nodeGroups, s.azs), func(b *testing.B) {
			req := benchRequest(b, scaleParams(b, s.nodeGroups, s.azs))
			fn := NewFunction(nopLogger())
			rsp, err := fn.RunFunction(b.Context(), req)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := fn.RunFunction(b.Context(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(rsp.GetDesired().GetResources())), "resources")
			b.ReportMetric(float64(proto.Size(rsp)), "rsp-bytes")
			b.ReportMetric(float64(proto.Size(req)), "req-bytes")
		})
	}
}
