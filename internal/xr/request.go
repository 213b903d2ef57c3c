package xr

import (
	"fmt"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/apimachinery/pkg/runtime"
)

// ReadInput decodes the step's input into in when the Composition gives one;
// without one, in keeps what the caller put there. apiVersion names the
// input in the error, which is ready for a Fatal result.
func ReadInput(req *fnv1.RunFunctionRequest, in runtime.Object, apiVersion string) error {
	if req.GetInput() == nil {
		return nil
	}
	if err := request.GetInput(req, in); err != nil {
		return fmt.Errorf("cannot read the function input (%s Input): %w", apiVersion, err)
	}
	return nil
}

// ReadObserved returns the observed XR; what names it in the error, e.g.
// "XEKSCluster" or "composite resource".
func ReadObserved(req *fnv1.RunFunctionRequest, what string) (*resource.Composite, error) {
	oxr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		return nil, fmt.Errorf("cannot read the observed %s: %w", what, err)
	}
	return oxr, nil
}
