package main

import (
	"github.com/crossplane/function-sdk-go/resource/composed"
	authorizationv1beta1 "github.com/upbound/provider-azure/v2/apis/cluster/authorization/v1beta1"
	azurev1beta1 "github.com/upbound/provider-azure/v2/apis/cluster/azure/v1beta1"
	csv1beta2 "github.com/upbound/provider-azure/v2/apis/cluster/containerservice/v1beta2"
	managedidentityv1beta1 "github.com/upbound/provider-azure/v2/apis/cluster/managedidentity/v1beta1"
	networkv1beta2 "github.com/upbound/provider-azure/v2/apis/cluster/network/v1beta2"
	"k8s.io/apimachinery/pkg/runtime"
)

// The provider API groups function-aks composes; composed.From needs them in
// composed.Scheme. Only these are imported, which keeps the binary small.
func init() {
	for _, add := range []func(*runtime.Scheme) error{
		authorizationv1beta1.AddToScheme, azurev1beta1.AddToScheme,
		csv1beta2.AddToScheme, managedidentityv1beta1.AddToScheme,
		networkv1beta2.AddToScheme,
	} {
		if err := add(composed.Scheme); err != nil {
			panic(err)
		}
	}
}
