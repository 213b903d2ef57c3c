package main

import (
	"crypto/sha256"
	"encoding/hex"

	eksv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta1"

	"github.com/devsecops/platform-functions/internal/compose"
)

// clusterAdminPolicy is the EKS access policy that grants cluster admin.
const clusterAdminPolicy = "AmazonEKSClusterAdminPolicy"

// principalKey names a principal's resources by a short hash of its ARN, so
// reordering clusterAdmins moves nothing.
func principalKey(arn string) string {
	h := sha256.Sum256([]byte(arn))
	return hex.EncodeToString(h[:4])
}

func nameAdminAccessEntry(arn string) string  { return "access-entry-admin-" + principalKey(arn) }
func nameAdminAccessPolicy(arn string) string { return "access-policy-admin-" + principalKey(arn) }

// clusterAccess composes an access entry and a cluster-scoped
// AmazonEKSClusterAdminPolicy association for every clusterAdmins principal.
// The association selects its entry, so it is created after it.
func (s *spoke) clusterAccess(set *compose.Set) {
	for _, arn := range s.p.ClusterAdmins {
		set.Add(nameAdminAccessEntry(arn), &eksv1beta1.AccessEntry{
			ObjectMeta: s.meta(nil),
			Spec: eksv1beta1.AccessEntrySpec{
				ResourceSpec: s.resourceSpec(),
				ForProvider: eksv1beta1.AccessEntryParameters{
					Region:              &s.region,
					ClusterNameSelector: compose.Select(nameCluster),
					PrincipalArn:        compose.Ptr(arn),
					Type:                compose.Ptr("STANDARD"),
					Tags:                s.awsTags(nameAdminAccessEntry(arn), nil),
				},
			},
		})
		set.Add(nameAdminAccessPolicy(arn), &eksv1beta1.AccessPolicyAssociation{
			ObjectMeta: s.meta(nil),
			Spec: eksv1beta1.AccessPolicyAssociationSpec{
				ResourceSpec: s.resourceSpec(),
				ForProvider: eksv1beta1.AccessPolicyAssociationParameters{
					Region:               &s.region,
					ClusterNameSelector:  compose.Select(nameCluster),
					PrincipalArnSelector: compose.Select(nameAdminAccessEntry(arn)),
					PolicyArn:            compose.Ptr("arn:" + s.partition + ":eks::aws:cluster-access-policy/" + clusterAdminPolicy),
					AccessScope:          &eksv1beta1.AccessScopeParameters{Type: compose.Ptr("cluster")},
				},
			},
		})
	}
}
