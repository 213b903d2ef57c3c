package compose

import (
	"fmt"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/devsecops/platform-functions/internal/xr"
)

// State is the composed state a function reads from its request and writes
// back to its response: the observed composed resources, and the desired
// ones that earlier pipeline steps produced (kept, never dropped).
type State struct {
	Observed Observed
	Desired  map[resource.Name]*resource.DesiredComposed
}

// ReadState reads the observed and desired composed resources of a request.
func ReadState(req *fnv1.RunFunctionRequest) (*State, error) {
	observed, err := request.GetObservedComposedResources(req)
	if err != nil {
		return nil, fmt.Errorf("cannot read the observed composed resources: %w", err)
	}
	desired, err := request.GetDesiredComposedResources(req)
	if err != nil {
		return nil, fmt.Errorf("cannot read the desired composed resources: %w", err)
	}
	return &State{Observed: Observed(observed), Desired: desired}, nil
}

// Write merges set into the desired composed resources and sets them on the
// response. With a non-nil status (a pointer to an XR status struct) it also
// writes the status into the desired XR; functions never set its spec or
// metadata.
func (s *State) Write(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, set *Set, status any) error {
	if err := set.Merge(s.Desired, s.Observed); err != nil {
		return err
	}
	if err := response.SetDesiredComposedResources(rsp, s.Desired); err != nil {
		return fmt.Errorf("cannot set the desired composed resources: %w", err)
	}
	if status == nil {
		return nil
	}
	dxr, err := request.GetDesiredCompositeResource(req)
	if err != nil {
		return fmt.Errorf("cannot read the desired composite resource: %w", err)
	}
	if err := xr.SetStatus(dxr.Resource.Object, status); err != nil {
		return err
	}
	if err := response.SetDesiredCompositeResource(rsp, dxr); err != nil {
		return fmt.Errorf("cannot set the desired composite resource: %w", err)
	}
	return nil
}
