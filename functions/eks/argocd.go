package main

import (
	eksv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta1"

	"github.com/devsecops/platform-functions/internal/compose"
	"github.com/devsecops/platform-functions/internal/iampolicy"
)

// Composition resource names of the Argo CD access.
const (
	nameArgoCDRole        = "argocd-role"
	nameArgoCDAccessEntry = "argocd-access-entry"
	nameArgoCDAccessPol   = "argocd-access-policy"
)

// argoCDAccess composes the per-cluster role the hub's Argo CD assumes
// (awsAuthConfig.roleARN of the Argo CD cluster Secret), and grants it cluster
// admin with an access entry and an AmazonEKSClusterAdminPolicy association.
func (s *spoke) argoCDAccess(set *compose.Set) {
	if !s.argoCD || s.hubRoleARN == "" {
		return
	}
	trust := iampolicy.New(iampolicy.Statement{
		Effect:    "Allow",
		Principal: &iampolicy.Principal{AWS: iampolicy.Values{s.hubRoleARN}},
		Action:    iampolicy.Values{"sts:AssumeRole"},
	})
	s.role(set, nameArgoCDRole, s.name+"-argocd", "Argo CD on the hub managing EKS cluster "+s.name, trust)
	set.Add(nameArgoCDAccessEntry, &eksv1beta1.AccessEntry{
		ObjectMeta: s.meta(nil),
		Spec: eksv1beta1.AccessEntrySpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: eksv1beta1.AccessEntryParameters{
				Region:                       &s.region,
				ClusterNameSelector:          compose.Select(nameCluster),
				PrincipalArnFromRoleSelector: compose.Select(nameArgoCDRole),
				Type:                         compose.Ptr("STANDARD"),
				Tags:                         s.awsTags(nameArgoCDAccessEntry, nil),
			},
		},
	})
	set.Add(nameArgoCDAccessPol, &eksv1beta1.AccessPolicyAssociation{
		ObjectMeta: s.meta(nil),
		Spec: eksv1beta1.AccessPolicyAssociationSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: eksv1beta1.AccessPolicyAssociationParameters{
				Region:               &s.region,
				ClusterNameSelector:  compose.Select(nameCluster),
				PrincipalArnSelector: compose.Select(nameArgoCDAccessEntry),
				PolicyArn:            compose.Ptr("arn:" + s.partition + ":eks::aws:cluster-access-policy/" + clusterAdminPolicy),
				AccessScope:          &eksv1beta1.AccessScopeParameters{Type: compose.Ptr("cluster")},
			},
		},
	})
}
