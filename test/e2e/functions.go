package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/devsecops/platform-functions/test/harness"
)

// Crossplane package kinds.
var (
	FunctionGVK              = schema.GroupVersionKind{Group: "pkg.crossplane.io", Version: "v1", Kind: "Function"}
	FunctionRevisionGVK      = schema.GroupVersionKind{Group: "pkg.crossplane.io", Version: "v1", Kind: "FunctionRevision"}
	ConfigurationGVK         = schema.GroupVersionKind{Group: "pkg.crossplane.io", Version: "v1", Kind: "Configuration"}
	ConfigurationRevisionGVK = schema.GroupVersionKind{Group: "pkg.crossplane.io", Version: "v1", Kind: "ConfigurationRevision"}
	deploymentGVK            = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
)

// PackageTimeout bounds the installation of one package.
const PackageTimeout = 3 * time.Minute

// InstallFunction installs the Function name from the package pkgRef and
// stands in for the kubelet: once Crossplane has unpacked the package and
// created the revision's Deployment and TLS server Secret, it runs binary
// (the function binary of the package) on the function's loopback address
// with that TLS material, and reports the Deployment Available, as the
// Deployment controller would. It returns when the Function is Installed
// and Healthy.
func (h *Hub) InstallFunction(ctx context.Context, name, pkgRef, binary string) error {
	ctx, cancel := context.WithTimeout(ctx, PackageTimeout)
	defer cancel()
	fn := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": FunctionGVK.GroupVersion().String(),
		"kind":       FunctionGVK.Kind,
		"metadata":   map[string]any{"name": name},
		"spec":       map[string]any{"package": pkgRef},
	}}
	if _, err := h.Apply(ctx, fn); err != nil {
		return fmt.Errorf("apply Function %s: %w", name, err)
	}

	// The active revision, its TLS server Secret and its Deployment.
	var rev, dep *unstructured.Unstructured
	if err := poll(ctx, "the revision and Deployment of Function "+name, time.Second/2, func() (bool, error) {
		var err error
		if rev, err = h.activeRevision(ctx, FunctionRevisionGVK, name); err != nil || rev == nil {
			return false, err
		}
		secret, _, _ := unstructured.NestedString(rev.Object, "spec", "tlsServerSecretName")
		if secret == "" {
			return false, nil
		}
		dep, err = h.Get(ctx, deploymentGVK, CrossplaneNamespace, rev.GetName())
		return dep != nil, err
	}); err != nil {
		return fmt.Errorf("%w (Function: %s)", err, h.describe(ctx, FunctionGVK, "", name))
	}
	secret, _, _ := unstructured.NestedString(rev.Object, "spec", "tlsServerSecretName")
	certs := filepath.Join(h.Dir, "functions", name)
	if err := h.SecretToDir(ctx, CrossplaneNamespace, secret, certs); err != nil {
		return err
	}

	addr := hostPort(h.fnAddr[name], FunctionPort)
	p, err := h.start(name, nil, binary, "--address="+addr, "--tls-certs-dir="+certs, "--metrics-address=", "--debug")
	if err != nil {
		return err
	}
	if err := waitTCP(ctx, p, addr); err != nil {
		return err
	}
	if err := h.markAvailable(ctx, dep); err != nil {
		return err
	}
	return h.waitPackage(ctx, FunctionGVK, name)
}

// activeRevision returns the package's active revision, or nil.
func (h *Hub) activeRevision(ctx context.Context, gvk schema.GroupVersionKind, pkg string) (*unstructured.Unstructured, error) {
	r, err := h.Resource(gvk, "")
	if err != nil {
		return nil, err
	}
	list, err := r.List(ctx, metav1.ListOptions{LabelSelector: "pkg.crossplane.io/package=" + pkg})
	if err != nil {
		return nil, err
	}
	for i := range list.Items {
		if s, _, _ := unstructured.NestedString(list.Items[i].Object, "spec", "desiredState"); s == "Active" {
			return &list.Items[i], nil
		}
	}
	return nil, nil
}

// markAvailable writes the status the Deployment controller would write
// once the function's pod is ready.
func (h *Hub) markAvailable(ctx context.Context, dep *unstructured.Unstructured) error {
	now := time.Now().UTC().Format(time.RFC3339)
	patch, err := json.Marshal(map[string]any{"status": map[string]any{
		"observedGeneration": dep.GetGeneration(),
		"replicas":           1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1,
		"conditions": []any{map[string]any{
			"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
			"message": "the function runs as a local process of the e2e hub", "lastUpdateTime": now, "lastTransitionTime": now,
		}},
	}})
	if err != nil {
		return err
	}
	return h.PatchStatus(ctx, deploymentGVK, dep.GetNamespace(), dep.GetName(), patch)
}

// InstallConfiguration installs a Configuration package. Dependency
// resolution is skipped: the Functions come from InstallFunction and the
// providers' CRDs from InstallCRDs, since provider packages cannot be pulled
// offline and no provider controller runs here.
func (h *Hub) InstallConfiguration(ctx context.Context, name, pkgRef string) error {
	ctx, cancel := context.WithTimeout(ctx, PackageTimeout)
	defer cancel()
	c := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": ConfigurationGVK.GroupVersion().String(),
		"kind":       ConfigurationGVK.Kind,
		"metadata":   map[string]any{"name": name},
		"spec":       map[string]any{"package": pkgRef, "skipDependencyResolution": true},
	}}
	if _, err := h.Apply(ctx, c); err != nil {
		return fmt.Errorf("apply Configuration %s: %w", name, err)
	}
	return h.waitPackage(ctx, ConfigurationGVK, name)
}

// waitPackage waits for a package to be Installed and Healthy.
func (h *Hub) waitPackage(ctx context.Context, gvk schema.GroupVersionKind, name string) error {
	err := poll(ctx, gvk.Kind+" "+name+" to be Installed and Healthy", time.Second/2, func() (bool, error) {
		o, err := h.Get(ctx, gvk, "", name)
		if err != nil || o == nil {
			return false, err
		}
		return harness.ConditionStatus(o, "Installed") == "True" && harness.ConditionStatus(o, "Healthy") == "True", nil
	})
	if err != nil {
		return fmt.Errorf("%w (%s)", err, h.describe(ctx, gvk, "", name))
	}
	return nil
}

// describe renders an object's conditions for an error message.
func (h *Hub) describe(ctx context.Context, gvk schema.GroupVersionKind, ns, name string) string {
	o, err := h.Get(ctx, gvk, ns, name)
	if err != nil {
		return err.Error()
	}
	if o == nil {
		return gvk.Kind + " " + name + " does not exist"
	}
	conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	b, _ := json.Marshal(conds)
	return gvk.Kind + " " + name + " conditions " + string(b)
}
