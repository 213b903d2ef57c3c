package main

import (
	"os"
	"path/filepath"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/proto"
)

// TestWriteBenchRequest writes BenchmarkRunFunction's request (binary
// protobuf) to $BENCH_REQUEST_DIR/function-argocd.binpb for the gRPC load
// generator (test/bench/loadgen). Skipped unless the variable is set.
func TestWriteBenchRequest(t *testing.T) {
	dir := os.Getenv("BENCH_REQUEST_DIR")
	if dir == "" {
		t.Skip("BENCH_REQUEST_DIR not set")
	}
	req := newRequest(t, ready(), map[string]*fnv1.Resource{nameSecret: {Resource: wantSecret()}})
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "function-argocd.binpb"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
