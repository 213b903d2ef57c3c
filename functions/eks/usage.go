package main

import (
	"strings"

	eksv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta1"
	eksv1beta2 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta2"
	iamv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"

	"github.com/devsecops/platform-functions/internal/compose"
)

// nameUsage is the composition resource name of the ClusterUsage that keeps
// of until by is gone. Names stay within a label value's 63 characters:
// node group names have at most 32.
func nameUsage(of, by string) string { return "usage-" + of + "-by-" + by }

// usages order the deletion of the spoke the way AWS needs it, as
// terraform-aws-modules/eks does with depends_on. Deleting an XR deletes
// everything it composes at once; with these Crossplane holds back:
//   - the cluster until its node groups and managed add-ons are gone (EKS
//     refuses to delete a cluster that still has node groups, and an add-on
//     deleted after its cluster fails instead of being cleaned up);
//   - the cluster role's policy attachments until the cluster is gone (a
//     cluster whose role lost AmazonEKSClusterPolicy cannot remove the
//     network interfaces and security groups it created, which then block
//     the VPC's deletion).
//
// A Usage is composed once both its resources exist, so it never waits on
// something not yet created; each is ready once it exists.
func (s *spoke) usages(set *compose.Set, observed compose.Observed) {
	cluster := compose.UsageRef(eksv1beta2.CRDGroupVersion.String(), eksv1beta2.Cluster_Kind, nameCluster)
	add := func(of, by string, ofRef, byRef map[string]any) {
		if !set.Has(of) || !set.Has(by) || !observed.Exists(of) || !observed.Exists(by) {
			return
		}
		set.AddReadyWhenObserved(nameUsage(of, by), compose.ClusterUsage(ofRef, byRef))
	}
	clusterAttachment := nameAttachment(nameClusterRole, "")
	for _, n := range set.Names() {
		name := string(n)
		switch {
		case strings.HasPrefix(name, nameNodeGroup("")):
			add(nameCluster, name, cluster, compose.UsageRef(eksv1beta2.CRDGroupVersion.String(), eksv1beta2.NodeGroup_Kind, name))
		case strings.HasPrefix(name, nameAddon("")):
			add(nameCluster, name, cluster, compose.UsageRef(eksv1beta1.CRDGroupVersion.String(), eksv1beta1.Addon_Kind, name))
		case strings.HasPrefix(name, clusterAttachment):
			add(name, nameCluster, compose.UsageRef(iamv1beta1.CRDGroupVersion.String(), iamv1beta1.RolePolicyAttachment_Kind, name), cluster)
		}
	}
}
