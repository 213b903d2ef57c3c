// Command fnvpc is a tiny composition function used only to test the
// harness. For an XNetwork it composes an ec2 VPC; once the VPC reports an
// ID it adds a Subnet in it and a Secret holding the IDs, and it reports the
// VPC ID in the XR's status. Each resource is Ready when its observed
// counterpart is (the Secret when it exists).
package main

import (
	"context"
	"flag"
	"os"

	"github.com/crossplane/function-sdk-go"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/response"
)

type fn struct {
	fnv1.UnimplementedFunctionRunnerServiceServer
	log logging.Logger
}

func (f *fn) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)
	oxr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	region, _ := oxr.Resource.GetString("spec.parameters.region")
	cidr, _ := oxr.Resource.GetString("spec.parameters.cidrBlock")
	observed, err := request.GetObservedComposedResources(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	desired, err := request.GetDesiredComposedResources(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	ready := func(name resource.Name, exists bool) resource.Ready {
		o, ok := observed[name]
		if !ok {
			return resource.ReadyFalse
		}
		if exists || o.Resource.GetCondition("Ready").Status == "True" {
			return resource.ReadyTrue
		}
		return resource.ReadyFalse
	}

	vpc := composed.New()
	vpc.SetAPIVersion("ec2.aws.upbound.io/v1beta1")
	vpc.SetKind("VPC")
	vpc.Object["spec"] = map[string]any{"forProvider": map[string]any{
		"region":    region,
		"cidrBlock": cidr,
		"tags":      map[string]any{"Name": oxr.Resource.GetName()},
	}}
	desired["vpc"] = &resource.DesiredComposed{Resource: vpc, Ready: ready("vpc", false)}

	vpcID := ""
	if o, ok := observed["vpc"]; ok {
		vpcID, _ = o.Resource.GetString("status.atProvider.id")
	}
	if vpcID != "" {
		subnet := composed.New()
		subnet.SetAPIVersion("ec2.aws.upbound.io/v1beta1")
		subnet.SetKind("Subnet")
		subnet.Object["spec"] = map[string]any{"forProvider": map[string]any{
			"region":           region,
			"vpcId":            vpcID,
			"cidrBlock":        cidr,
			"availabilityZone": region + "a",
		}}
		desired["subnet"] = &resource.DesiredComposed{Resource: subnet, Ready: ready("subnet", false)}

		secret := composed.New()
		secret.SetAPIVersion("v1")
		secret.SetKind("Secret")
		secret.SetName(oxr.Resource.GetName() + "-network")
		secret.SetNamespace("default")
		secret.Object["stringData"] = map[string]any{"vpcId": vpcID}
		desired["secret"] = &resource.DesiredComposed{Resource: secret, Ready: ready("secret", true)}

		dxr, err := request.GetDesiredCompositeResource(req)
		if err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		_ = dxr.Resource.SetValue("status.vpcId", vpcID)
		if err := response.SetDesiredCompositeResource(rsp, dxr); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
	}
	if err := response.SetDesiredComposedResources(rsp, desired); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	return rsp, nil
}

func main() {
	address := flag.String("address", ":9443", "gRPC listen address")
	insecure := flag.Bool("insecure", false, "serve plain gRPC")
	debug := flag.Bool("debug", false, "debug logging")
	_ = flag.String("metrics-address", "", "ignored: no metrics server")
	flag.Parse()
	log, err := function.NewLogger(*debug)
	if err != nil {
		os.Exit(1)
	}
	if err := function.Serve(&fn{log: log},
		function.Listen("tcp", *address),
		function.Insecure(*insecure),
		function.WithMetricsServer("")); err != nil {
		log.Info("serve failed", "error", err)
		os.Exit(1)
	}
}
