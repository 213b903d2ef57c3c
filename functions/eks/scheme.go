package main

import (
	"github.com/crossplane/function-sdk-go/resource/composed"
	cwev1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatchevents/v1beta1"
	cwev1beta2 "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatchevents/v1beta2"
	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	ec2v1beta2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta2"
	eksv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta1"
	eksv1beta2 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta2"
	iamv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
	sqsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/sqs/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The provider API groups function-eks composes; composed.From needs them in
// composed.Scheme. Only these are imported, which keeps the binary small.
func init() {
	for _, add := range []func(*runtime.Scheme) error{
		cwev1beta1.AddToScheme, cwev1beta2.AddToScheme,
		ec2v1beta1.AddToScheme, ec2v1beta2.AddToScheme,
		eksv1beta1.AddToScheme, eksv1beta2.AddToScheme,
		iamv1beta1.AddToScheme, kmsv1beta1.AddToScheme, sqsv1beta1.AddToScheme,
	} {
		if err := add(composed.Scheme); err != nil {
			panic(err)
		}
	}
}
