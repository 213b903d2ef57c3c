package apis_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
)

const platformXRD = "xplatforms.infrastructure.devsecops.yaml"

// decodePlatform decodes a spec.parameters value strictly into the Go type.
func decodePlatform(t *testing.T, v any) v1alpha1.PlatformParameters {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var p v1alpha1.PlatformParameters
	if err := yaml.UnmarshalStrict(b, &p); err != nil {
		t.Fatalf("cannot decode parameters into the Go type: %v", err)
	}
	return p
}

func TestXPlatformXRD(t *testing.T) {
	xrd, _ := loadXRD(t, platformXRD)
	got := []string{xrd.Metadata.Name, xrd.Spec.Names.Kind, xrd.Spec.Scope, xrd.Spec.ClaimNames.Kind, xrd.Spec.ClaimNames.Plural, xrd.Spec.DefaultCompositionRef.Name}
	want := []string{platformXRD[:len(platformXRD)-len(".yaml")], v1alpha1.XPlatformKind, "LegacyCluster", v1alpha1.PlatformKind, "platforms", "xplatforms.infrastructure.devsecops"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("XRD -want +got:\n%s", diff)
	}
}

// TestXPlatformAcceptsExampleClaim admits the roadmap-shaped claim of
// examples/platform/claim.yaml (both spokes, the Phase 7 database).
func TestXPlatformAcceptsExampleClaim(t *testing.T) {
	_, s := loadXRD(t, platformXRD)
	b, err := os.ReadFile(filepath.Join("..", "examples", "platform", "claim.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	obj := parseObject(t, string(b))
	if errs := s.admit(obj); len(errs) > 0 {
		t.Fatalf("claim rejected: %v", errs.ToAggregate())
	}
	p := decodePlatform(t, parameters(t, obj))
	d := p.Backstage.Database
	got := []any{d.EngineVersion, d.InstanceClass, d.AllocatedStorage, d.DBName, *d.Enabled, p.AKS.Parameters.Location, p.EKS.Parameters.Region}
	want := []any{"15", "db.t3.micro", 20, "backstage", true, "westeurope", "eu-west-1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("admitted claim -want +got:\n%s", diff)
	}
}

func TestXPlatformRejectsInvalidSpecs(t *testing.T) {
	_, s := loadXRD(t, platformXRD)
	cases := []struct {
		name, parameters, wantField string
		wantType                    field.ErrorType
	}{
		{"Postgres13", "{backstage: {database: {engineVersion: '13'}}}", "spec.parameters.backstage.database.engineVersion", field.ErrorTypeNotSupported},
		{"SmallStorage", "{backstage: {database: {allocatedStorage: 10}}}", "spec.parameters.backstage.database.allocatedStorage", field.ErrorTypeInvalid},
		{"LongBackups", "{backstage: {database: {backupRetentionDays: 36}}}", "spec.parameters.backstage.database.backupRetentionDays", field.ErrorTypeInvalid},
		{"BadInstanceClass", "{backstage: {database: {instanceClass: t3.micro}}}", "spec.parameters.backstage.database.instanceClass", field.ErrorTypeInvalid},
		{"EKSWithoutRegion", "{eks: {parameters: {kubernetesVersion: '1.35'}}}", "spec.parameters.eks.parameters.region", field.ErrorTypeRequired},
		{"UnknownField", "{database: {}}", "spec.parameters.database", field.ErrorTypeNotSupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := s.admit(parseObject(t, "spec: {parameters: "+tc.parameters+"}"))
			for _, e := range errs {
				if e.Field == tc.wantField && e.Type == tc.wantType {
					return
				}
			}
			t.Errorf("admit(%s) errors = %v, want a %s error on %s", tc.parameters, errs, tc.wantType, tc.wantField)
		})
	}
}

// TestXPlatformDefaultsMatchSetDefaults: the XRD's defaults and
// PlatformParameters.SetDefaults agree, including the nested spokes'.
func TestXPlatformDefaultsMatchSetDefaults(t *testing.T) {
	_, s := loadXRD(t, platformXRD)
	b, err := os.ReadFile(filepath.Join("..", "examples", "platform", "claim.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"Empty":         "spec: {parameters: {}}",
		"EKSOnly":       "spec: {parameters: {eks: {parameters: {region: eu-west-1}}, aks: {enabled: false}}}",
		"EmptyDatabase": "spec: {parameters: {backstage: {database: {}}, tailscale: {}, argocd: {}}}",
		"DatabaseSet":   "spec: {parameters: {backstage: {database: {enabled: false, engineVersion: '16', deletionProtection: false, backupRetentionDays: 1}}}}",
		"ExampleClaim":  string(b),
	}
	for name, y := range cases {
		t.Run(name, func(t *testing.T) {
			admitted := parseObject(t, y)
			if errs := s.admit(admitted); len(errs) > 0 {
				t.Fatalf("rejected: %v", errs.ToAggregate())
			}
			fromSchema := decodePlatform(t, parameters(t, admitted))
			fromGo := decodePlatform(t, parameters(t, parseObject(t, y)))
			fromGo.SetDefaults()
			if diff := cmp.Diff(fromGo, fromSchema); diff != "" {
				t.Errorf("XRD defaults disagree with SetDefaults: -SetDefaults +XRD defaults:\n%s", diff)
			}
		})
	}
}
