// Package spoke is the contract between the cluster functions (function-eks,
// function-aks) and the steps after them (function-argocd, function-tailscale):
// a cluster function publishes what it knows of the spoke cluster in the
// pipeline context under ContextKey; later steps read it in the same run.
// Nothing here is secret: the CA is public and credentials never travel
// through the context.
package spoke

import (
	"encoding/json"
	"fmt"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/response"
	"google.golang.org/protobuf/types/known/structpb"
)

// ContextKey is the pipeline context key of the spoke cluster.
const ContextKey = "infrastructure.devsecops/spoke-cluster"

// Clouds.
const (
	CloudAWS   = "aws"
	CloudAzure = "azure"
)

// Cluster is a spoke cluster as its cluster function saw it in this run.
// Fields stay empty until observed.
type Cluster struct {
	// Cloud is aws or azure.
	Cloud string `json:"cloud"`
	// Name is the cluster's name in its cloud.
	Name string `json:"name"`
	// Region is the AWS region or Azure location.
	Region string `json:"region"`
	// KubernetesVersion is the cluster's minor version.
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// Endpoint is the API server URL.
	Endpoint string `json:"endpoint,omitempty"`
	// CAData is the base64 PEM of the cluster CA.
	CAData string `json:"caData,omitempty"`
	// Addons are the add-ons the spoke asked for.
	Addons []string `json:"addons,omitempty"`
	// ArgoCD is false when the spoke opted out of Argo CD registration.
	ArgoCD bool `json:"argocd"`
	// AWS holds what Argo CD and add-ons need of an EKS spoke.
	AWS *AWS `json:"aws,omitempty"`
	// Metadata are GitOps Bridge style facts (aws_vpc_id, ...) that add-ons
	// template on; they become Argo CD cluster Secret annotations.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// AWS facts of an EKS spoke.
type AWS struct {
	// AccountID owns the cluster.
	AccountID string `json:"accountId,omitempty"`
	// ArgoCDRoleARN is the per-cluster role the hub's Argo CD assumes.
	ArgoCDRoleARN string `json:"argocdRoleArn,omitempty"`
}

// Ready reports whether the cluster can be reached: its endpoint and CA are
// known.
func (c *Cluster) Ready() bool { return c != nil && c.Endpoint != "" && c.CAData != "" }

// Publish writes c into the response's context.
func Publish(rsp *fnv1.RunFunctionResponse, c *Cluster) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("cannot encode the spoke cluster: %w", err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("cannot encode the spoke cluster: %w", err)
	}
	v, err := structpb.NewValue(m)
	if err != nil {
		return fmt.Errorf("cannot encode the spoke cluster: %w", err)
	}
	response.SetContextKey(rsp, ContextKey, v)
	return nil
}

// FromContext reads the spoke cluster a previous step published; ok is false
// when none did.
func FromContext(req *fnv1.RunFunctionRequest) (*Cluster, bool, error) {
	v, ok := request.GetContextKey(req, ContextKey)
	if !ok {
		return nil, false, nil
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, false, fmt.Errorf("cannot read context key %s: %w", ContextKey, err)
	}
	c := &Cluster{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, false, fmt.Errorf("cannot read context key %s: %w", ContextKey, err)
	}
	return c, true, nil
}
