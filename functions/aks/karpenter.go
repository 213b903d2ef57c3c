package main

import (
	managedidentityv1beta1 "github.com/upbound/provider-azure/v2/apis/cluster/managedidentity/v1beta1"

	"github.com/devsecops/platform-functions/internal/compose"
)

// Karpenter's ServiceAccount, which its workload identity is federated with.
// Karpenter's Azure Helm chart must run with serviceAccount.name karpenter in
// kube-system (its docs' default is karpenter-sa).
const (
	karpenterNamespace       = "kube-system"
	karpenterServiceAccount  = "karpenter"
	workloadIdentityAudience = "api://AzureADTokenExchange"
)

// Composition resource names of Karpenter's prerequisites.
const (
	nameKarpenterIdentity   = "identity-karpenter"
	nameKarpenterFederation = "federated-credential-karpenter"
	nameKarpenterVMs        = "role-karpenter-vm-contributor"
	nameKarpenterNetwork    = "role-karpenter-network-contributor"
	nameKarpenterIdentities = "role-karpenter-identity-operator"
	nameKarpenterVNet       = "role-karpenter-vnet"
)

// karpenterPrereqs composes self-hosted Karpenter's Azure prerequisites (as
// in Karpenter's Azure provider docs): a user-assigned identity federated
// with kube-system/karpenter through the cluster's OIDC issuer, and role
// assignments that let it create VMs and NICs in the node resource group
// (Virtual Machine Contributor, Network Contributor), give them the kubelet
// identity (Managed Identity Operator) and join them to the node subnet
// (Network Contributor on the virtual network). Parts built from observed
// issuer, principal and ids appear once those are known.
func (s *spoke) karpenterPrereqs(set *compose.Set, observed compose.Observed) {
	if !s.karpenterOn {
		return
	}
	s.identity(set, nameKarpenterIdentity, "id-"+s.name+"-karpenter")

	issuer := compose.FirstOf(observed.String(nameCluster, pathOIDCIssuer), observed.String(nameKarpenterFederation, "spec.forProvider.issuer"))
	if issuer == "" {
		s.wait(nameKarpenterFederation, "the OIDC issuer of "+nameCluster)
	} else {
		set.Add(nameKarpenterFederation, &managedidentityv1beta1.FederatedIdentityCredential{
			ObjectMeta: s.metaNamed(karpenterNamespace + "-" + karpenterServiceAccount),
			Spec: managedidentityv1beta1.FederatedIdentityCredentialSpec{
				ResourceSpec: s.resourceSpec(),
				ForProvider: managedidentityv1beta1.FederatedIdentityCredentialParameters{
					ResourceGroupNameSelector: compose.Select(nameResourceGroup),
					ParentIDSelector:          compose.Select(nameKarpenterIdentity),
					Audience:                  []*string{compose.Ptr(workloadIdentityAudience)},
					Issuer:                    &issuer,
					Subject:                   compose.Ptr(karpenterSubject()),
				},
			},
		})
	}

	principal := observedField(nameKarpenterIdentity, pathPrincipalID, "principal id")
	nodeGroup := observedField(nameCluster, pathNodeGroupID, "node resource group id")
	s.assignRole(set, observed, nameKarpenterVMs, roleVirtualMachineContributor,
		"Karpenter of AKS cluster "+s.name+" creates and deletes node VMs", principal, nodeGroup)
	s.assignRole(set, observed, nameKarpenterNetwork, roleNetworkContributor,
		"Karpenter of AKS cluster "+s.name+" creates and deletes node network interfaces", principal, nodeGroup)
	s.assignRole(set, observed, nameKarpenterIdentities, roleManagedIdentityOperator,
		"Karpenter of AKS cluster "+s.name+" assigns the kubelet identity to node VMs", principal, nodeGroup)
	s.assignRole(set, observed, nameKarpenterVNet, roleNetworkContributor,
		"Karpenter of AKS cluster "+s.name+" joins node VMs to the node subnet", principal, observedField(nameVNet, pathID, "id"))
}

// karpenterSubject is the token subject of Karpenter's ServiceAccount.
func karpenterSubject() string {
	return "system:serviceaccount:" + karpenterNamespace + ":" + karpenterServiceAccount
}
