// Package v1beta1 is the input of function-eks: the defaults a platform sets
// once per Composition.
//
// +kubebuilder:object:generate=true
// +groupName=eks.fn.devsecops.io
// +versionName=v1beta1
package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Input of function-eks, given in the Composition step's input field.
//
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=crossplane
type Input struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// ProviderConfigName is the AWS ProviderConfig every composed managed
	// resource uses unless the XR names another. The roadmap's hub calls it
	// aws-provider.
	// +kubebuilder:default=default
	// +optional
	ProviderConfigName string `json:"providerConfigName,omitempty"`

	// DefaultKubernetesVersion is used when the XR sets no kubernetesVersion.
	// +kubebuilder:validation:Pattern=`^1\.[0-9]+$`
	// +optional
	DefaultKubernetesVersion string `json:"defaultKubernetesVersion,omitempty"`

	// ReservedCIDRs are networks the spoke's VPC must not overlap: the hub's
	// pod and service ranges reached over Tailscale (a KinD hub uses
	// 10.244.0.0/16 and 10.96.0.0/12) and other spokes' ranges.
	// +optional
	ReservedCIDRs []string `json:"reservedCidrs,omitempty"`

	// ArgoCDHubRoleARN is the IAM role the hub's Argo CD runs as. For every
	// spoke with argocd.enabled, function-eks composes a per-cluster role this
	// role may assume, granted cluster admin through an EKS access entry;
	// function-argocd puts that role in the Argo CD cluster Secret.
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`
	// +optional
	ArgoCDHubRoleARN string `json:"argocdHubRoleArn,omitempty"`

	// DefaultTags are put on every AWS resource; the XR's tags win on conflict.
	// +optional
	DefaultTags map[string]string `json:"defaultTags,omitempty"`
}
