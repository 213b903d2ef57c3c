// Package v1beta1 is the input of function-platform.
//
// +kubebuilder:object:generate=true
// +groupName=platform.fn.devsecops.io
// +versionName=v1beta1
package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Input of function-platform, given in the Composition step's input field.
// Every field is optional.
//
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=crossplane
type Input struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// ProviderConfigName is the AWS ProviderConfig of the database resources
	// when eks.parameters.providerConfigName is not set.
	// +kubebuilder:default=aws-provider
	// +optional
	ProviderConfigName string `json:"providerConfigName,omitempty"`

	// ConnectionSecretNamespace is the hub namespace of the RDS instance's
	// generated password and connection Secrets.
	// +kubebuilder:default=crossplane-system
	// +optional
	ConnectionSecretNamespace string `json:"connectionSecretNamespace,omitempty"`
}
