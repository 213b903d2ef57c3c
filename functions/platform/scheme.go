package main

import (
	"github.com/crossplane/function-sdk-go/resource/composed"
	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	rdsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta1"
	rdsv1beta3 "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The typed API groups function-platform composes. The nested XRs and the
// Usages are composed as unstructured objects and need no registration.
func init() {
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, ec2v1beta1.AddToScheme, rdsv1beta1.AddToScheme, rdsv1beta3.AddToScheme,
	} {
		if err := add(composed.Scheme); err != nil {
			panic(err)
		}
	}
}
