package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/devsecops/platform-functions/internal/fntest"
	"github.com/devsecops/platform-functions/internal/spoke"
)

// FuzzRunFunction runs RunFunction over arbitrary spoke contexts and observed
// states: it never panics, never returns an error, composes nothing on a
// Fatal result, and never composes a Secret without a server.
func FuzzRunFunction(f *testing.F) {
	seed, _ := json.Marshal(ready())
	f.Add(seed, []byte(`{}`))
	f.Add(seed, fntest.ObservedJSON(map[string]*fnv1.Resource{nameSecret: {Resource: wantSecret()}}))
	f.Add([]byte(`{"cloud":"azure","name":"a","argocd":true,"endpoint":"https://x","caData":"Q0E="}`), []byte(`{}`))
	f.Add([]byte(`{}`), []byte(`{}`))
	fn := NewFunction(logging.NewNopLogger())
	f.Fuzz(func(t *testing.T, cluster, observed []byte) {
		req := fntest.FuzzRequest(newRequest(t, nil, nil), []byte(`{}`), observed)
		var c map[string]any
		if json.Unmarshal(cluster, &c) == nil {
			if v, err := structpb.NewValue(c); err == nil {
				req.Context = &structpb.Struct{Fields: map[string]*structpb.Value{spoke.ContextKey: v}}
			}
		}
		rsp, err := fn.RunFunction(context.Background(), req)
		if err != nil {
			t.Fatalf("RunFunction returned an error: %v", err)
		}
		if v := fntest.Violation(req, rsp); v != "" {
			t.Fatal(v)
		}
		if s, ok := rsp.GetDesired().GetResources()[nameSecret]; ok {
			data := s.GetResource().AsMap()["data"].(map[string]any)
			if data["server"] == nil || data["server"] == "" {
				t.Fatalf("a cluster Secret without a server: %v", data)
			}
		}
	})
}
