package main

import (
	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/internal/compose"
	spokectx "github.com/devsecops/platform-functions/internal/spoke"
)

// compose builds the spoke's desired resources in a fixed order. Builders that
// need observed data skip what cannot be built yet and keep what was built
// before from its own observed spec.
func (s *spoke) compose(observed compose.Observed) *compose.Set {
	set := compose.NewSet()
	s.network(set)
	s.iam(set, observed)
	s.cluster(set, observed)
	s.oidcProvider(set, observed)
	s.clusterAccess(set)
	s.argoCDAccess(set)
	s.nodeGroups(set, observed)
	s.karpenterPrereqs(set, observed)
	s.usages(set, observed)
	return set
}

// status copies what users and later pipeline steps need from the observed
// resources. Fields stay empty until observed.
func (s *spoke) status(observed compose.Observed) v1alpha1.XEKSClusterStatus {
	st := v1alpha1.XEKSClusterStatus{
		VPCID:                  observed.String(nameVPC, "status.atProvider.id"),
		ClusterName:            s.name,
		ClusterARN:             observed.String(nameCluster, pathClusterARN),
		Endpoint:               observed.String(nameCluster, pathEndpoint),
		OIDCIssuer:             observed.String(nameCluster, pathOIDCIssuer),
		OIDCProviderARN:        observed.String(nameOIDCProvider, "status.atProvider.arn"),
		ClusterSecurityGroupID: observed.String(nameCluster, pathClusterSG),
		NodeRoleARN:            observed.String(nameNodeRole, "status.atProvider.arn"),
	}
	st.PublicSubnetIDs = s.subnetIDs(observed, tierPublic)
	st.PrivateSubnetIDs = s.subnetIDs(observed, tierPrivate)
	if s.karpenterOn {
		k := &v1alpha1.KarpenterStatus{
			ControllerRoleARN: observed.String(nameKarpenterControllerRole, "status.atProvider.arn"),
			NodeRoleName:      s.name + "-karpenter-node",
		}
		if s.interruption {
			k.InterruptionQueue = s.queueName()
		}
		st.Karpenter = k
	}
	return st
}

// cluster describes the spoke for the steps after function-eks (pipeline
// context, see internal/spoke).
func (s *spoke) spokeCluster(observed compose.Observed, st v1alpha1.XEKSClusterStatus) *spokectx.Cluster {
	c := &spokectx.Cluster{
		Cloud:             spokectx.CloudAWS,
		Name:              s.name,
		Region:            s.region,
		KubernetesVersion: s.version,
		Endpoint:          st.Endpoint,
		CAData:            observed.String(nameCluster, pathCAData),
		ArgoCD:            s.argoCD,
		AWS: &spokectx.AWS{
			AccountID:     accountOrEmpty(st.ClusterARN),
			ArgoCDRoleARN: observed.String(nameArgoCDRole, "status.atProvider.arn"),
		},
	}
	for _, a := range s.p.Addons {
		c.Addons = append(c.Addons, string(a))
	}
	md := map[string]string{
		"aws_cluster_name":      s.name,
		"aws_region":            s.region,
		"aws_account_id":        c.AWS.AccountID,
		"aws_vpc_id":            st.VPCID,
		"aws_node_role_arn":     st.NodeRoleARN,
		"aws_oidc_provider_arn": st.OIDCProviderARN,
	}
	if st.Karpenter != nil {
		md["karpenter_controller_role_arn"] = st.Karpenter.ControllerRoleARN
		md["karpenter_node_role_name"] = st.Karpenter.NodeRoleName
		md["karpenter_interruption_queue"] = st.Karpenter.InterruptionQueue
	}
	c.Metadata = map[string]string{}
	for k, v := range md {
		if v != "" {
			c.Metadata[k] = v
		}
	}
	return c
}

// accountOrEmpty is the account of an ARN, or "" while the ARN is unknown.
func accountOrEmpty(arn string) string {
	if arn == "" {
		return ""
	}
	return accountOf(arn)
}

// subnetIDs lists the tier's subnet ids in zone order, once all are observed
// (a partial list would mislead consumers).
func (s *spoke) subnetIDs(observed compose.Observed, tier string) []string {
	ids := make([]string, 0, len(s.zones))
	for _, z := range s.zones {
		id := observed.String(nameSubnet(tier, z), "status.atProvider.id")
		if id == "" {
			return nil
		}
		ids = append(ids, id)
	}
	return ids
}
