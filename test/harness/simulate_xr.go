package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// GroupOwnXRs is the API group of the project's own composites. A
// Composition may compose them (XPlatform composes XEKSCluster and
// XAKSCluster); their own Compositions would compose the rest.
const GroupOwnXRs = "infrastructure.devsecops"

// simulateOwnXR gives a nested composite of our own kinds what its own
// Composition would report once Ready: the status fields other functions
// read (function-platform reads the EKS spoke's vpcId and privateSubnetIds)
// and Ready and ResourcesReady conditions. Ids derive from its name.
func simulateOwnXR(o *Object) {
	sum := sha256.Sum256([]byte(o.GetKind() + "/" + o.GetName()))
	h := hex.EncodeToString(sum[:])
	name, _, _ := unstructured.NestedString(o.Object, "spec", "parameters", "clusterName")
	if name == "" {
		name = o.GetName()
	}
	st := map[string]any{"clusterName": name}
	switch o.GetKind() {
	case "XEKSCluster":
		region, _, _ := unstructured.NestedString(o.Object, "spec", "parameters", "region")
		zones := int64(3)
		if n, ok, _ := unstructured.NestedInt64(o.Object, "spec", "parameters", "network", "azCount"); ok && n > 0 {
			zones = n
		}
		if azs, ok, _ := unstructured.NestedStringSlice(o.Object, "spec", "parameters", "network", "availabilityZones"); ok && len(azs) > 0 {
			zones = int64(len(azs))
		}
		var private, public []any
		for i := range zones {
			private = append(private, fmt.Sprintf("subnet-%s%d", h[:16], 2*i))
			public = append(public, fmt.Sprintf("subnet-%s%d", h[:16], 2*i+1))
		}
		st["vpcId"] = "vpc-" + h[:17]
		st["privateSubnetIds"] = private
		st["publicSubnetIds"] = public
		st["endpoint"] = fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", h[:32], region)
	case "XAKSCluster":
		location, _, _ := unstructured.NestedString(o.Object, "spec", "parameters", "location")
		st["fqdn"] = fmt.Sprintf("%s-%s.hcp.%s.azmk8s.io", name, h[:8], location)
	}
	st["conditions"] = []any{
		map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": SimulatedTransitionTime},
		map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": SimulatedTransitionTime},
		map[string]any{"type": "ResourcesReady", "status": "True", "reason": "Available", "lastTransitionTime": SimulatedTransitionTime},
	}
	o.Object["status"] = st
}
