package main

import (
	"context"
	"testing"

	"github.com/devsecops/platform-functions/internal/fntest"
)

// FuzzRunFunction runs RunFunction over arbitrary XR parameters and observed
// states: it never panics, never returns an error (errors are Fatal results)
// and composes nothing when it returns a Fatal result. Seeds are the
// examples, bare and converged; go test runs them and testdata/fuzz.
func FuzzRunFunction(f *testing.F) {
	for _, params := range []string{roadmapParams, fullParams, `{}`, `null`, `{"region":""}`} {
		f.Add([]byte(params), []byte(`{}`))
	}
	// Converged observed states, cut to the resources whose observations
	// drive decisions: small seeds keep the fuzzer's mutations effective.
	for _, params := range []string{roadmapParams, fullParams} {
		rounds := converge(f, params, 8)
		for _, r := range rounds {
			f.Add([]byte(params), fntest.ObservedJSON(fntest.Only(simulate(r), observedSeeds...)))
		}
	}
	base := newRequest("fuzz", `{}`, nil)
	fn := NewFunction(nopLogger())
	f.Fuzz(func(t *testing.T, params, observed []byte) {
		req := fntest.FuzzRequest(base, params, observed)
		rsp, err := fn.RunFunction(context.Background(), req)
		if err != nil {
			t.Fatalf("RunFunction returned an error; errors must be Fatal results: %v", err)
		}
		if v := fntest.Violation(req, rsp); v != "" {
			t.Fatal(v)
		}
	})
}

// observedSeeds are the resources whose observations function-aks reads.
var observedSeeds = []string{nameCluster, nameResourceGroup, nameVNet, nameNodeSubnet, nameControlPlaneIdentity, nameControlPlaneNetwork, "identity-karpenter"}
