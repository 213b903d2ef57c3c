// Package v1beta1 is the input of function-tailscale: where the Tailscale
// API is, which credential to use, the platform's default tags and how the
// auth key reaches the spoke.
//
// +kubebuilder:object:generate=true
// +groupName=tailscale.fn.devsecops.io
// +versionName=v1beta1
package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Input of function-tailscale, given in the Composition step's input field.
//
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=crossplane
type Input struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// CredentialsName is the name of the step's credentials entry holding
	// the Tailscale OAuth client: client_id, client_secret and, optionally,
	// tailnet (default: the client's own tailnet) and base_url (overrides
	// baseURL; the examples point it at an unreachable address).
	// +kubebuilder:default=tailscale-oauth
	// +optional
	CredentialsName string `json:"credentialsName,omitempty"`

	// BaseURL is the Tailscale API server.
	// +kubebuilder:validation:Pattern=`^https?://[^/?#]+(/[^?#]*)?$`
	// +kubebuilder:default="https://api.tailscale.com"
	// +optional
	BaseURL string `json:"baseURL,omitempty"`

	// Timeout bounds all Tailscale API calls of one function run, e.g. 10s.
	// A run that times out keeps the existing key and retries on the next
	// reconcile.
	// +kubebuilder:default="10s"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// DefaultTags are the ACL tags of spokes whose XR sets no
	// tailscale.tags. The OAuth client must own them.
	// +kubebuilder:validation:items:Pattern=`^tag:[a-zA-Z0-9][a-zA-Z0-9-]*$`
	// +optional
	DefaultTags []string `json:"defaultTags,omitempty"`

	// Namespace of the hub Secret of an XR without a claim. A claimed XR's
	// Secret goes to the claim's namespace.
	// +kubebuilder:default=crossplane-system
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Delivery copies the auth key into the spoke cluster. Without it the key
	// stays on the hub.
	// +optional
	Delivery *Delivery `json:"delivery,omitempty"`
}

// Delivery puts the auth key into the spoke through provider-kubernetes.
type Delivery struct {
	// ProviderConfigName names the provider-kubernetes ProviderConfig
	// (kubernetes.crossplane.io/v1alpha1, cluster scoped) that reaches the
	// spoke; {clusterName} is replaced by the spoke's cluster name. The key
	// is delivered once the spoke's API endpoint is known and this
	// ProviderConfig exists.
	// +kubebuilder:validation:MinLength=1
	ProviderConfigName string `json:"providerConfigName"`

	// Namespace in the spoke that receives the Secret. It is created if it
	// does not exist and never deleted.
	// +kubebuilder:default=tailscale
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// SecretName is the spoke Secret's name; default: the XR's
	// tailscale.authKeySecret.
	// +optional
	SecretName string `json:"secretName,omitempty"`
}
