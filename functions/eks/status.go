package main

import (
	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/internal/compose"
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
	s.nodeGroups(set, observed)
	s.karpenterPrereqs(set, observed)
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
