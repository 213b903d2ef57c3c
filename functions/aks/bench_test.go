package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/proto"
	"sigs.k8s.io/yaml"
)

// exampleParamsJSON returns spec.parameters of an example XR as JSON.
func exampleParamsJSON(tb testing.TB, file string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "aks", file))
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
	j, err := json.Marshal(x.Spec.Parameters)
	if err != nil {
		tb.Fatal(err)
	}
	return string(j)
}

// benchRequest is the request of the steady state a hub reconciles every
// minute: the largest example (examples/aks/xr-full.yaml) with every composed
// resource observed Ready.
func benchRequest(tb testing.TB) *fnv1.RunFunctionRequest {
	tb.Helper()
	params := exampleParamsJSON(tb, "xr-full.yaml")
	return newRequest("bench", params, simulate(last(converge(tb, params, 8))))
}

// BenchmarkRunFunction measures RunFunction on the largest example with every
// resource observed.
func BenchmarkRunFunction(b *testing.B) {
	req := benchRequest(b)
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
// protobuf) to $BENCH_REQUEST_DIR/function-aks.binpb for the gRPC load
// generator (test/bench/loadgen). Skipped unless the variable is set.
func TestWriteBenchRequest(t *testing.T) {
	dir := os.Getenv("BENCH_REQUEST_DIR")
	if dir == "" {
		t.Skip("BENCH_REQUEST_DIR not set")
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(benchRequest(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "function-aks.binpb"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
