package main

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/internal/compose"
)

// spokes composes the nested XEKSCluster and XAKSCluster. Each gets the
// platform's Tailscale settings (with its own auth key Secret) and Argo CD
// switch, and a cluster name derived from the platform's when it sets none:
// a nested XR has no claim, so its own default would be its generated name.
func (p *platform) spokes(set *compose.Set) {
	if p.eksOn {
		e := p.p.EKS.Parameters.DeepCopy()
		if e.ClusterName == "" {
			e.ClusterName = p.name + "-eks"
		}
		e.Tailscale = p.spokeTailscale("eks")
		e.ArgoCD.Enabled = compose.Ptr(*p.p.ArgoCD.Enabled)
		set.Add(nameEKS, nestedXR(v1alpha1.XEKSClusterKind, e))
	}
	if p.aksOn {
		a := p.p.AKS.Parameters.DeepCopy()
		if a.ClusterName == "" {
			a.ClusterName = p.name + "-aks"
		}
		a.Tailscale = p.spokeTailscale("aks")
		a.ArgoCD.Enabled = compose.Ptr(*p.p.ArgoCD.Enabled)
		set.Add(nameAKS, nestedXR(v1alpha1.XAKSClusterKind, a))
	}
}

// spokeTailscale is the platform's Tailscale settings for one spoke; each
// spoke keeps its own key in <authKeySecret>-<spoke>.
func (p *platform) spokeTailscale(spoke string) v1alpha1.Tailscale {
	t := *p.p.Tailscale.DeepCopy()
	if t.AuthKeySecret != "" {
		t.AuthKeySecret += "-" + spoke
	}
	return t
}

// nestedXR is a cluster-scoped composite of our own API with params as
// spec.parameters. Its own Composition composes the rest.
func nestedXR(kind string, params any) runtime.Object {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(params)
	if err != nil {
		// Parameters are plain Go values; conversion cannot fail.
		panic(err)
	}
	u := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"parameters": m}}}
	u.SetAPIVersion(v1alpha1.GroupVersion.String())
	u.SetKind(kind)
	return u
}
