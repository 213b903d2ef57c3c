package compose

import (
	"testing"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// TestReadyMatchesGetCondition: Observed.Ready, which reads the conditions
// from the map, agrees with composed.Unstructured.GetCondition (a JSON round
// trip of the status) on every shape of status.
func TestReadyMatchesGetCondition(t *testing.T) {
	cond := func(typ, status string) map[string]any {
		return map[string]any{"type": typ, "status": status, "reason": "R", "lastTransitionTime": "2026-01-01T00:00:00Z"}
	}
	cases := map[string]map[string]any{
		"NoStatus":      {},
		"NoConditions":  {"status": map[string]any{"atProvider": map[string]any{"id": "x"}}},
		"ReadyTrue":     {"status": map[string]any{"conditions": []any{cond("Synced", "True"), cond("Ready", "True")}}},
		"ReadyFalse":    {"status": map[string]any{"conditions": []any{cond("Ready", "False")}}},
		"ReadyUnknown":  {"status": map[string]any{"conditions": []any{cond("Ready", "Unknown")}}},
		"SyncedOnly":    {"status": map[string]any{"conditions": []any{cond("Synced", "True")}}},
		"FirstReadyWin": {"status": map[string]any{"conditions": []any{cond("Ready", "False"), cond("Ready", "True")}}},
		"EmptyList":     {"status": map[string]any{"conditions": []any{}}},
	}
	for name, obj := range cases {
		t.Run(name, func(t *testing.T) {
			cd := composed.New()
			cd.SetUnstructuredContent(obj)
			want := cd.GetCondition(xpv1.TypeReady).Status == "True"
			o := Observed{"r": {Resource: cd}}
			if got := o.Ready("r"); got != want {
				t.Errorf("Ready = %v, GetCondition says %v", got, want)
			}
			if (Observed{}).Ready("r") || (Observed{"r": resource.ObservedComposed{}}).Ready("r") {
				t.Error("a missing resource is ready")
			}
		})
	}
}
