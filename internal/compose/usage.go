package compose

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// APIVersionUsage is the API of Crossplane's Usages.
const APIVersionUsage = "protection.crossplane.io/v1beta1"

// UsageRef selects, for a Usage's of or by, the resource of this XR (the
// controller reference) composed under the composition resource name
// component: every composed resource carries LabelComponent, so the
// selector works before Crossplane has generated the resource's name.
func UsageRef(apiVersion, kind, component string) map[string]any {
	return map[string]any{
		"apiVersion": apiVersion,
		"kind":       kind,
		"resourceSelector": map[string]any{
			"matchControllerRef": true,
			"matchLabels":        map[string]any{LabelComponent: component},
		},
	}
}

// ClusterUsage is a Crossplane ClusterUsage: of cannot be deleted while by
// exists, and a deletion of of that was refused is replayed once by is gone
// (replayDeletion), so the garbage collector does not back off for long.
func ClusterUsage(of, by map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": APIVersionUsage,
		"kind":       "ClusterUsage",
		"spec":       map[string]any{"of": of, "by": by, "replayDeletion": true},
	}}
}
