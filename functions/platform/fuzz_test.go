package main

import (
	"context"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"

	"github.com/devsecops/platform-functions/internal/fntest"
)

// FuzzRunFunction runs RunFunction over arbitrary XR parameters and observed
// states (seeded with the examples, first and converged): it never panics,
// never returns an error and composes nothing on a Fatal result.
func FuzzRunFunction(f *testing.F) {
	for _, p := range []string{fullParams, eksOnlyParams, `{}`, `null`, `{"eks":{"enabled":false}}`} {
		f.Add([]byte(p), []byte(`{}`))
	}
	for _, p := range []string{fullParams, eksOnlyParams} {
		rsp := run(f, newRequest("seed", p, nil))
		f.Add([]byte(p), fntest.ObservedJSON(observe(f, rsp, allReady(rsp), conn)))
	}
	base := newRequest("fuzz", `{}`, nil)
	fn := NewFunction(logging.NewNopLogger())
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
