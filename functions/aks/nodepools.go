package main

import (
	"sort"

	csv1beta2 "github.com/upbound/provider-azure/v2/apis/cluster/containerservice/v1beta2"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/internal/compose"
)

func nameNodePool(pool string) string { return "nodepool-" + pool }

// nodePools composes the extra node pools in the node subnet, once the
// cluster is composed. Autoscaled pools keep their node count in
// initProvider, so the autoscaler owns it; Spot pools delete evicted nodes,
// pay at most the on-demand price, take no upgrade surge and carry AKS's
// Spot label and taint.
func (s *spoke) nodePools(set *compose.Set) {
	for _, np := range s.p.NodePools {
		if !set.Has(nameCluster) {
			s.wait(nameNodePool(np.Name), nameCluster)
			continue
		}
		set.Add(nameNodePool(np.Name), s.nodePool(np))
	}
}

func (s *spoke) nodePool(np v1alpha1.AKSNodePool) *csv1beta2.KubernetesClusterNodePool {
	fp := csv1beta2.KubernetesClusterNodePoolParameters{
		KubernetesClusterIDSelector: compose.Select(nameCluster),
		VnetSubnetIDSelector:        compose.Select(nameNodeSubnet),
		VMSize:                      compose.Ptr(np.VMSize),
		Mode:                        compose.Ptr(np.Mode),
		Priority:                    compose.Ptr(np.Priority),
		OrchestratorVersion:         &s.version,
		OsType:                      compose.Ptr("Linux"),
		OsSku:                       compose.Ptr(np.OSSku),
		OsDiskSizeGb:                compose.Ptr(float64(np.OSDiskSizeGB)),
		Zones:                       stringPtrs(np.Zones),
		NodeLabels:                  labelPtrs(poolLabels(np)),
		NodeTaints:                  taints(poolTaints(np)),
		Tags:                        s.azureTags(nameNodePool(np.Name)),
	}
	if np.MaxPods != nil {
		fp.MaxPods = compose.Ptr(float64(*np.MaxPods))
	}
	if np.Priority == v1alpha1.AKSPoolPrioritySpot {
		fp.EvictionPolicy = compose.Ptr("Delete")
		fp.SpotMaxPrice = compose.Ptr(-1.0)
	} else {
		fp.UpgradeSettings = &csv1beta2.KubernetesClusterNodePoolUpgradeSettingsParameters{MaxSurge: compose.Ptr(maxSurge)}
	}
	var initProvider csv1beta2.KubernetesClusterNodePoolInitParameters
	if np.Autoscaling() {
		fp.AutoScalingEnabled = compose.Ptr(true)
		fp.MinCount = compose.Ptr(float64(*np.MinCount))
		fp.MaxCount = compose.Ptr(float64(*np.MaxCount))
		initProvider.NodeCount = compose.Ptr(float64(*np.NodeCount))
	} else {
		fp.NodeCount = compose.Ptr(float64(*np.NodeCount))
	}
	return &csv1beta2.KubernetesClusterNodePool{
		ObjectMeta: s.metaNamed(np.Name),
		Spec: csv1beta2.KubernetesClusterNodePoolSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider:  fp,
			InitProvider: initProvider,
		},
	}
}

// The label and taint AKS puts on Spot nodes; a Spot pool must list them,
// or the provider keeps trying to remove them.
const (
	spotKey   = "kubernetes.azure.com/scalesetpriority"
	spotValue = "spot"
)

// poolLabels are the pool's node labels, with AKS's Spot label on Spot pools.
func poolLabels(np v1alpha1.AKSNodePool) map[string]string {
	if np.Priority != v1alpha1.AKSPoolPrioritySpot {
		return np.Labels
	}
	out := map[string]string{spotKey: spotValue}
	for k, v := range np.Labels {
		out[k] = v
	}
	return out
}

// poolTaints are the pool's taints, with AKS's Spot taint on Spot pools.
func poolTaints(np v1alpha1.AKSNodePool) []v1alpha1.AKSTaint {
	if np.Priority != v1alpha1.AKSPoolPrioritySpot {
		return np.Taints
	}
	spot := v1alpha1.AKSTaint{Key: spotKey, Value: spotValue, Effect: "NoSchedule"}
	out := []v1alpha1.AKSTaint{spot}
	for _, t := range np.Taints {
		if t != spot {
			out = append(out, t)
		}
	}
	return out
}

// taints renders taints the way AKS takes them: key=value:Effect, sorted.
func taints(in []v1alpha1.AKSTaint) []*string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, t := range in {
		out = append(out, t.Key+"="+t.Value+":"+t.Effect)
	}
	sort.Strings(out)
	return stringPtrs(out)
}
