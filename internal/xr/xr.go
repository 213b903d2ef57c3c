// Package xr reads composite resources into the project's typed APIs and
// writes their status, the same way for every function.
package xr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/crossplane/function-sdk-go/resource/composite"
	"k8s.io/apimachinery/pkg/runtime"
)

// Labels Crossplane puts on an XR created for a claim.
const (
	LabelClaimName      = "crossplane.io/claim-name"
	LabelClaimNamespace = "crossplane.io/claim-namespace"
)

// DecodeParameters decodes spec.parameters of an XR into out, strictly: an
// unknown field is an error naming it, so a typo in a claim is reported even
// where no API server validated it (crossplane render).
func DecodeParameters(obj map[string]any, out any) error {
	spec, _ := obj["spec"].(map[string]any)
	params, ok := spec["parameters"]
	if !ok {
		return fmt.Errorf("spec.parameters is missing: set at least spec.parameters.region")
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("cannot read spec.parameters: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("spec.parameters: %s; check the field names against the API reference", cleanJSONError(err))
	}
	return nil
}

// cleanJSONError turns encoding/json's wording into field paths users know.
func cleanJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if ok := asType(err, &te); ok {
		return fmt.Sprintf("field %s must be %s, not %s", te.Field, te.Type.String(), te.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func asType(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError) //nolint:errorlint // encoding/json returns it unwrapped.
	if ok {
		*te = t
	}
	return ok
}

// ClaimOrName returns the claim's name when the XR was created for a claim,
// else the XR's own name: the name users know the spoke by.
func ClaimOrName(x *composite.Unstructured) string {
	if n := x.GetLabels()[LabelClaimName]; n != "" {
		return n
	}
	return x.GetName()
}

// SetStatus writes the non-empty fields of status into the desired XR's
// status, leaving status fields other steps set (and conditions) alone.
func SetStatus(dxr map[string]any, status any) error {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(status)
	if err != nil {
		return fmt.Errorf("cannot convert XR status: %w", err)
	}
	st, _ := dxr["status"].(map[string]any)
	if st == nil {
		st = map[string]any{}
	}
	for k, v := range m {
		st[k] = v
	}
	if len(st) > 0 {
		dxr["status"] = st
	}
	return nil
}
