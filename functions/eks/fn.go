package main

import (
	"context"
	"fmt"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/functions/eks/input/v1beta1"
	"github.com/devsecops/platform-functions/internal/compose"
	spokectx "github.com/devsecops/platform-functions/internal/spoke"
	"github.com/devsecops/platform-functions/internal/xr"
)

// ConditionResourcesReady is the XR condition saying which composed resources
// are still not ready.
const ConditionResourcesReady = compose.ConditionResourcesReady

// Function composes an EKS spoke from an XEKSCluster.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger
}

// NewFunction returns a Function that logs to log.
func NewFunction(log logging.Logger) *Function {
	return &Function{log: log}
}

// RunFunction reads the XR and the observed resources, decides the desired
// spoke and writes it: composed resources with their readiness, XR status and
// a ResourcesReady condition. Bad input is a Fatal result naming the field,
// returned before anything is composed, so nothing already created is touched.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	log := f.log.WithValues("tag", req.GetMeta().GetTag())
	rsp := response.To(req, response.DefaultTTL)

	in := &v1beta1.Input{}
	if err := xr.ReadInput(req, in, "eks.fn.devsecops.io/v1beta1"); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}

	oxr, err := xr.ReadObserved(req, "XEKSCluster")
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	params := v1alpha1.EKSClusterParameters{}
	if err := xr.DecodeParameters(oxr.Resource.Object, &params); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	log = log.WithValues("xr", oxr.Resource.GetName())

	s, warnings, err := newSpoke(params, in, xr.ClaimOrName(oxr.Resource))
	if err != nil {
		log.Info("rejecting XEKSCluster", "error", err.Error())
		response.Fatal(rsp, err)
		return rsp, nil
	}
	for _, w := range warnings {
		response.Warning(rsp, fmt.Errorf("%s", w)).TargetCompositeAndClaim()
	}

	state, err := compose.ReadState(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	observed := state.Observed
	set := s.compose(observed)
	st := s.status(observed)
	if err := state.Write(req, rsp, set, &st); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if err := spokectx.Publish(rsp, s.spokeCluster(observed, st)); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}

	compose.SetSummary(rsp, set, observed, s.waits, fmt.Sprintf("all %d resources of EKS cluster %s are ready", set.Len(), s.name))
	log.Debug("composed EKS spoke", "resources", set.Len())
	return rsp, nil
}
