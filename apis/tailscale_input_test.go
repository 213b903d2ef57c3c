package apis_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devsecops/platform-functions/internal/xrdgen"
)

// TestTailscaleInputCRD checks the shipped function-tailscale input CRD is
// one the API server accepts, defaults what the function defaults and
// rejects bad values.
func TestTailscaleInputCRD(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "functions", "tailscale", "package", "input", "tailscale.fn.devsecops.io_inputs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	crd, err := xrdgen.ParseCRD(b)
	if err != nil {
		t.Fatal(err)
	}
	if crd.Spec.Group != "tailscale.fn.devsecops.io" || crd.Spec.Names.Kind != "Input" || len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != "v1beta1" {
		t.Fatalf("unexpected input CRD %s: group %s kind %s", crd.Name, crd.Spec.Group, crd.Spec.Names.Kind)
	}
	s := newAPISchema(t, crd.Spec.Versions[0].Schema.OpenAPIV3Schema)

	obj := parseObject(t, "{apiVersion: tailscale.fn.devsecops.io/v1beta1, kind: Input, delivery: {providerConfigName: '{clusterName}'}}")
	if errs := s.admit(obj); len(errs) > 0 {
		t.Fatalf("input rejected: %v", errs.ToAggregate())
	}
	want := map[string]any{
		"apiVersion":      "tailscale.fn.devsecops.io/v1beta1",
		"kind":            "Input",
		"credentialsName": "tailscale-oauth",
		"baseURL":         "https://api.tailscale.com",
		"timeout":         "10s",
		"namespace":       "crossplane-system",
		"delivery":        map[string]any{"providerConfigName": "{clusterName}", "namespace": "tailscale"},
	}
	if d := cmp.Diff(want, obj); d != "" {
		t.Errorf("defaulted input -want +got:\n%s", d)
	}

	for in, field := range map[string]string{
		"{baseURL: api.tailscale.com}":         "baseURL",
		"{defaultTags: [k8s-spoke]}":           "defaultTags[0]",
		"{delivery: {namespace: x}}":           "delivery.providerConfigName",
		"{delivery: {providerConfigName: ''}}": "delivery.providerConfigName",
	} {
		errs := s.admit(parseObject(t, in))
		if len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), field) {
			t.Errorf("admit(%s) = %v, want an error on %s", in, errs, field)
		}
	}
}
