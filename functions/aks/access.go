package main

import (
	"github.com/devsecops/platform-functions/internal/compose"
)

// Composition resource name of Argo CD's access.
const nameArgoCDAdmin = "role-argocd-cluster-admin"

// argoCDAccess grants the hub's Argo CD identity Azure Kubernetes Service
// RBAC Cluster Admin on the cluster (the cluster uses Azure RBAC for
// Kubernetes authorization), so Argo CD's workload identity login
// (argocd-k8s-auth azure) may manage the spoke. The assignment appears once
// the cluster's id is observed.
func (s *spoke) argoCDAccess(set *compose.Set, observed compose.Observed) {
	if !s.argoCD || s.hubPrincipalID == "" {
		return
	}
	s.assignRole(set, observed, nameArgoCDAdmin, roleAKSRBACClusterAdmin,
		"Argo CD on the hub manages AKS cluster "+s.name, known(s.hubPrincipalID), observedField(nameCluster, pathID, "id"))
}
