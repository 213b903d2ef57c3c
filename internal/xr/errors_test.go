package xr

import "testing"

func TestFieldErrors(t *testing.T) {
	e := NewFieldErrors("spec.parameters.")
	if e.Err() != nil {
		t.Fatalf("empty: %v", e.Err())
	}
	e.Add("region", "%q is not a region", "x")
	if got, want := e.Err().Error(), `spec.parameters.region: "x" is not a region`; got != want {
		t.Errorf("one: %q, want %q", got, want)
	}
	e.Add("nodeGroups[1].name", "is used twice")
	if got, want := e.Err().Error(), `2 problems: spec.parameters.region: "x" is not a region; spec.parameters.nodeGroups[1].name: is used twice`; got != want {
		t.Errorf("two: %q, want %q", got, want)
	}
}
