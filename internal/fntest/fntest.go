// Package fntest holds the checks every function's fuzz and reliability tests
// share: building requests from arbitrary bytes, and the invariants a
// response must keep whatever the input.
package fntest

import (
	"encoding/json"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/google/go-cmp/cmp"
)

// FuzzRequest returns a copy of base whose XR's spec.parameters is params
// (decoded as JSON when it is JSON, else the raw string) and whose observed
// composed resources are decoded from observed (a JSON object of name to
// object; anything else leaves them empty). It never fails: every byte
// string is some request a function must survive.
func FuzzRequest(base *fnv1.RunFunctionRequest, params, observed []byte) *fnv1.RunFunctionRequest {
	req := proto.Clone(base).(*fnv1.RunFunctionRequest) //nolint:forcetypeassert // Clone keeps the type.
	var p any = string(params)
	var decoded any
	if json.Unmarshal(params, &decoded) == nil {
		p = decoded
	}
	xr := req.GetObserved().GetComposite().GetResource().AsMap()
	spec, _ := xr["spec"].(map[string]any)
	if spec == nil {
		spec = map[string]any{}
	}
	spec["parameters"] = p
	xr["spec"] = spec
	if s, err := structpb.NewStruct(xr); err == nil {
		req.Observed.Composite.Resource = s
	}

	var objs map[string]any
	if json.Unmarshal(observed, &objs) == nil {
		if req.Observed.Resources == nil {
			req.Observed.Resources = map[string]*fnv1.Resource{}
		}
		for name, o := range objs {
			m, ok := o.(map[string]any)
			if !ok {
				continue
			}
			if s, err := structpb.NewStruct(m); err == nil {
				req.Observed.Resources[name] = &fnv1.Resource{Resource: s}
			}
		}
	}
	return req
}

// ObservedJSON encodes observed resources as FuzzRequest reads them, for seeds.
func ObservedJSON(observed map[string]*fnv1.Resource) []byte {
	m := map[string]any{}
	for name, r := range observed {
		m[name] = r.GetResource().AsMap()
	}
	b, _ := json.Marshal(m) //nolint:errchkjson // Maps from structpb always encode.
	return b
}

// Violation returns why a response breaks the invariants every function
// keeps, or "": a Fatal result leaves the desired composed resources exactly
// as the request gave them (nothing composed, nothing dropped).
func Violation(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse) string {
	if rsp == nil {
		return "nil response"
	}
	if rsp.GetMeta().GetTag() != req.GetMeta().GetTag() {
		return "response tag differs from the request's"
	}
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() != fnv1.Severity_SEVERITY_FATAL {
			continue
		}
		if diff := cmp.Diff(req.GetDesired().GetResources(), rsp.GetDesired().GetResources(), protocmp.Transform()); diff != "" {
			return "a Fatal result changed the desired composed resources: " + diff
		}
	}
	return ""
}

// Only keeps the named observed resources.
func Only(observed map[string]*fnv1.Resource, names ...string) map[string]*fnv1.Resource {
	out := map[string]*fnv1.Resource{}
	for _, n := range names {
		if r, ok := observed[n]; ok {
			out[n] = r
		}
	}
	return out
}
