// Package v1beta1 is the input of function-argocd.
//
// +kubebuilder:object:generate=true
// +groupName=argocd.fn.devsecops.io
// +versionName=v1beta1
package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Input of function-argocd, given in the Composition step's input field.
//
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=crossplane
type Input struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Namespace is where Argo CD reads cluster Secrets.
	// +kubebuilder:default=argocd
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Project restricts the cluster to one Argo CD project.
	// +optional
	Project string `json:"project,omitempty"`

	// Labels are added to every cluster Secret (e.g. environment), next to
	// argocd.argoproj.io/secret-type, role: spoke, cloud, region and one
	// enable_<addon> label per spoke add-on.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// Azure names the hub Argo CD's Entra ID workload identity that reaches
	// AKS spokes with argocd-k8s-auth (function-aks grants its principal
	// cluster admin). Leave it out when the Azure workload identity webhook
	// injects the identity into the Argo CD pods.
	// +optional
	Azure *AzureIdentity `json:"azure,omitempty"`
}

// AzureIdentity is an Entra ID workload identity of the hub's Argo CD.
type AzureIdentity struct {
	// ClientID of the identity.
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F-]{36}$`
	ClientID string `json:"clientId"`

	// TenantID of the identity.
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F-]{36}$`
	TenantID string `json:"tenantId"`
	// FederatedTokenFile is where the Argo CD pods find the projected
	// service account token (the Azure workload identity webhook's path by
	// default).
	// +kubebuilder:default=/var/run/secrets/azure/tokens/azure-identity-token
	// +optional
	FederatedTokenFile string `json:"federatedTokenFile,omitempty"`
}
