package main

import (
	"context"
	"fmt"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/functions/platform/input/v1beta1"
	"github.com/devsecops/platform-functions/internal/compose"
	"github.com/devsecops/platform-functions/internal/xr"
)

// Function composes the platform from an XPlatform.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger
}

// NewFunction returns a Function that logs to log.
func NewFunction(log logging.Logger) *Function {
	return &Function{log: log}
}

// RunFunction reads the XPlatform and the observed nested XRs and database
// resources, and writes the desired ones, the aggregated status, the
// ResourcesReady condition and one condition per part (EKSReady, AKSReady,
// DatabaseReady). Bad input is one Fatal result before anything is composed.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	log := f.log.WithValues("tag", req.GetMeta().GetTag())
	rsp := response.To(req, response.DefaultTTL)

	in := &v1beta1.Input{}
	if err := xr.ReadInput(req, in, "platform.fn.devsecops.io/v1beta1"); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}

	oxr, err := xr.ReadObserved(req, "XPlatform")
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	params := v1alpha1.PlatformParameters{}
	if err := xr.DecodeParameters(oxr.Resource.Object, &params); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	p, err := newPlatform(params, in, xr.ClaimOrName(oxr.Resource), oxr.Resource.GetName())
	if err != nil {
		log.Info("rejecting XPlatform", "error", err.Error())
		response.Fatal(rsp, err)
		return rsp, nil
	}

	state, err := compose.ReadState(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	observed := state.Observed
	set := p.compose(observed)
	st := p.status(observed)
	if err := state.Write(req, rsp, set, &st); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	p.conditions(rsp, observed, st)
	compose.SetSummary(rsp, set, observed, p.waits, fmt.Sprintf("all %d resources of platform %s are ready", set.Len(), p.name))
	log.Debug("composed platform", "resources", set.Len())
	return rsp, nil
}
