// Package v1beta1 is the input of function-aks: the defaults a platform sets
// once per Composition.
//
// +kubebuilder:object:generate=true
// +groupName=aks.fn.devsecops.io
// +versionName=v1beta1
package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Input of function-aks, given in the Composition step's input field.
//
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=crossplane
type Input struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// ProviderConfigName is the Azure ProviderConfig every composed managed
	// resource uses unless the XR names another.
	// +kubebuilder:default=default
	// +optional
	ProviderConfigName string `json:"providerConfigName,omitempty"`

	// DefaultKubernetesVersion is used when the XR sets no kubernetesVersion.
	// +kubebuilder:validation:Pattern=`^1\.[0-9]+$`
	// +optional
	DefaultKubernetesVersion string `json:"defaultKubernetesVersion,omitempty"`

	// ReservedCIDRs are networks the spoke's virtual network, pod and
	// service ranges must not overlap: the hub's pod and service ranges
	// reached over Tailscale (a KinD hub uses 10.244.0.0/16 and
	// 10.96.0.0/12) and other spokes' ranges.
	// +optional
	ReservedCIDRs []string `json:"reservedCidrs,omitempty"`

	// ArgoCDHubPrincipalID is the object id of the Entra ID identity the
	// hub's Argo CD runs as. For every spoke with argocd.enabled it is granted
	// Azure Kubernetes Service RBAC Cluster Admin on the cluster.
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	// +optional
	ArgoCDHubPrincipalID string `json:"argocdHubPrincipalId,omitempty"`

	// DefaultTags are put on every Azure resource; the XR's tags win on
	// conflict.
	// +optional
	DefaultTags map[string]string `json:"defaultTags,omitempty"`

	// ConnectionSecretNamespace is the namespace the cluster's kubeconfig
	// Secret is written to (<XR name>-kubeconfig).
	// +kubebuilder:default=crossplane-system
	// +optional
	ConnectionSecretNamespace string `json:"connectionSecretNamespace,omitempty"`
}
