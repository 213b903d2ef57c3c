package main

import (
	k8sobject "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource/composed"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The API groups function-tailscale composes: core Secrets on the hub and
// provider-kubernetes Objects for the spoke.
func init() {
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, k8sobject.SchemeBuilder.AddToScheme} {
		if err := add(composed.Scheme); err != nil {
			panic(err)
		}
	}
}
