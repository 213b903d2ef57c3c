package main

import (
	"context"
	"fmt"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/devsecops/platform-functions/functions/argocd/input/v1beta1"
	"github.com/devsecops/platform-functions/internal/compose"
	"github.com/devsecops/platform-functions/internal/spoke"
	"github.com/devsecops/platform-functions/internal/xr"
)

// ConditionRegistered is the XR condition saying whether the spoke is
// registered in Argo CD.
const ConditionRegistered = "ArgoCDRegistered"

// nameSecret is the composition resource name of the cluster Secret.
const nameSecret = "argocd-cluster-secret"

const defaultNamespace = "argocd"

// Function registers spokes in Argo CD.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger
}

// NewFunction returns a Function that logs to log.
func NewFunction(log logging.Logger) *Function { return &Function{log: log} }

// RunFunction reads the spoke a cluster function published in the pipeline
// context and, once its endpoint and CA are real, composes the Argo CD
// cluster Secret. An existing Secret is kept as it is while the spoke's
// observations are missing.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)

	in := &v1beta1.Input{}
	if err := xr.ReadInput(req, in, "argocd.fn.devsecops.io/v1beta1"); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if in.Namespace == "" {
		in.Namespace = defaultNamespace
	}

	c, ok, err := spoke.FromContext(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if !ok {
		response.Fatal(rsp, fmt.Errorf("no spoke cluster in the pipeline context (%s): put function-argocd after function-eks or function-aks in the Composition", spoke.ContextKey))
		return rsp, nil
	}
	if !c.ArgoCD {
		// The spoke opted out: nothing is desired, so a Secret composed
		// before is removed, which unregisters the cluster.
		return rsp, nil
	}

	state, err := compose.ReadState(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	observed := state.Observed
	oxr, err := xr.ReadObserved(req, "composite resource")
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}

	set := compose.NewSet()
	switch {
	case c.Ready():
		s, err := clusterSecret(c, in, oxr.Resource.GetName())
		if err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		set.AddReadyWhenObserved(nameSecret, s)
	case observed.Exists(nameSecret):
		set.AddReadyWhenObserved(nameSecret, keep(observed[resource.Name(nameSecret)].Resource.Object))
	}
	if err := state.Write(req, rsp, set, nil); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}

	switch {
	case set.Len() == 0:
		response.ConditionFalse(rsp, ConditionRegistered, "WaitingForCluster").
			WithMessage(fmt.Sprintf("cluster %s is registered in Argo CD once its API endpoint and CA are observed", c.Name)).
			TargetCompositeAndClaim()
	case !observed.Exists(nameSecret):
		response.ConditionFalse(rsp, ConditionRegistered, "Creating").
			WithMessage(fmt.Sprintf("creating Argo CD cluster Secret %s/%s", in.Namespace, secretName(c))).
			TargetCompositeAndClaim()
	default:
		response.ConditionTrue(rsp, ConditionRegistered, "Registered").
			WithMessage(fmt.Sprintf("cluster %s is registered in Argo CD by Secret %s/%s", c.Name, in.Namespace, secretName(c))).
			TargetCompositeAndClaim()
	}
	return rsp, nil
}
