package apis_test

import (
	"context"
	"encoding/json"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	xpextv1 "github.com/crossplane/crossplane/v2/apis/apiextensions/v1"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/internal/xrdgen"
)

// roadmapClaim is the Phase 6 claim of the roadmap, as users apply it.
const roadmapClaim = `
apiVersion: infrastructure.devsecops/v1alpha1
kind: EKSCluster
metadata:
  name: spoke-eu-1
  namespace: platform
spec:
  parameters:
    region: eu-west-1
    kubernetesVersion: "1.29"
    nodeGroups:
      - name: system
        instanceTypes: ["t3.medium"]
        desiredSize: 2
        minSize: 1
        maxSize: 3
    cilium:
      enabled: true
      chainingMode: aws-cni
    tailscale:
      enabled: true
      authKeySecret: tailscale-auth
    addons:
      - karpenter
      - keda
`

// apiSchema runs what the API server runs on a custom resource of one
// schema: pruning, defaulting, OpenAPI, list type and CEL validation.
type apiSchema struct {
	structural *structuralschema.Structural
	validator  validation.SchemaValidator
	cel        *cel.Validator
}

// newAPISchema checks props the way the API server checks a CRD's schema
// (structural, valid defaults) and builds its validators.
func newAPISchema(t *testing.T, props *extv1.JSONSchemaProps) *apiSchema {
	t.Helper()
	internal := &apiextensions.JSONSchemaProps{}
	if err := extv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(props, internal, nil); err != nil {
		t.Fatal(err)
	}
	s, err := structuralschema.NewStructural(internal)
	if err != nil {
		t.Fatalf("schema is not structural: %v", err)
	}
	root := field.NewPath("openAPIV3Schema")
	if errs := structuralschema.ValidateStructural(root, s); len(errs) > 0 {
		t.Fatalf("schema is not structural: %v", errs.ToAggregate())
	}
	errs, err := defaulting.ValidateDefaults(context.Background(), root, s, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Fatalf("schema has invalid defaults: %v", errs.ToAggregate())
	}
	v, _, err := validation.NewSchemaValidator(internal)
	if err != nil {
		t.Fatal(err)
	}
	return &apiSchema{structural: s, validator: v, cel: cel.NewValidator(s, true, celconfig.PerCallLimit)}
}

// admit prunes, defaults and validates obj in place, like the API server on
// create with strict field validation, and returns the errors.
func (a *apiSchema) admit(obj map[string]any) field.ErrorList {
	var errs field.ErrorList
	unknown := pruning.PruneWithOptions(obj, a.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, p := range unknown {
		errs = append(errs, &field.Error{Type: field.ErrorTypeNotSupported, Field: p, Detail: "unknown field"})
	}
	defaulting.PruneNonNullableNullsWithoutDefaults(obj, a.structural)
	defaulting.Default(obj, a.structural)
	errs = append(errs, validation.ValidateCustomResource(nil, obj, a.validator)...)
	errs = append(errs, listtype.ValidateListSetsAndMaps(nil, a.structural, obj)...)
	if a.cel != nil {
		celErrs, _ := a.cel.Validate(context.Background(), nil, a.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		errs = append(errs, celErrs...)
	}
	return errs
}

// loadXRD reads a committed XRD and returns the schema of its one
// referenceable version.
func loadXRD(t *testing.T, name string) (*xrdgen.CompositeResourceDefinition, *apiSchema) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "package", "xrds", name))
	if err != nil {
		t.Fatal(err)
	}
	xrd, err := xrdgen.ParseXRD(b)
	if err != nil {
		t.Fatal(err)
	}
	xp := &xpextv1.CompositeResourceDefinition{}
	if err := yaml.UnmarshalStrict(b, xp); err != nil {
		t.Fatalf("Crossplane's XRD type rejects %s: %v", name, err)
	}
	if len(xrd.Spec.Versions) != 1 || !xrd.Spec.Versions[0].Referenceable {
		t.Fatalf("%s: want exactly one, referenceable, version", name)
	}
	return xrd, newAPISchema(t, &xrd.Spec.Versions[0].Schema.OpenAPIV3Schema)
}

// parseObject decodes YAML the way the API server decodes a request body:
// whole numbers become int64, as CEL rules on integer fields expect.
func parseObject(t *testing.T, y string) map[string]any {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	obj := map[string]any{}
	if err := utiljson.Unmarshal(j, &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

// decodeParameters decodes v, a spec.parameters value, rejecting fields the
// Go type lacks.
func decodeParameters(t *testing.T, v any) v1alpha1.EKSClusterParameters {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var p v1alpha1.EKSClusterParameters
	if err := yaml.UnmarshalStrict(b, &p); err != nil {
		t.Fatalf("cannot decode parameters into the Go type: %v", err)
	}
	return p
}

func parameters(t *testing.T, obj map[string]any) any {
	t.Helper()
	spec, ok := obj["spec"].(map[string]any)
	if !ok {
		t.Fatalf("object has no spec: %v", obj)
	}
	return spec["parameters"]
}

func TestXEKSClusterXRD(t *testing.T) {
	xrd, _ := loadXRD(t, "xeksclusters.infrastructure.devsecops.yaml")
	got := struct {
		Name, Group, Kind, Plural, Scope, ClaimKind, ClaimPlural, Composition, Version string
	}{
		xrd.Metadata.Name, xrd.Spec.Group, xrd.Spec.Names.Kind, xrd.Spec.Names.Plural, xrd.Spec.Scope,
		xrd.Spec.ClaimNames.Kind, xrd.Spec.ClaimNames.Plural, xrd.Spec.DefaultCompositionRef.Name, xrd.Spec.Versions[0].Name,
	}
	want := struct {
		Name, Group, Kind, Plural, Scope, ClaimKind, ClaimPlural, Composition, Version string
	}{
		"xeksclusters.infrastructure.devsecops", v1alpha1.Group, v1alpha1.XEKSClusterKind, v1alpha1.XEKSClusterPlural, "LegacyCluster",
		v1alpha1.EKSClusterKind, "eksclusters", "xeksclusters.infrastructure.devsecops", v1alpha1.Version,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("XRD -want +got:\n%s", diff)
	}
	props := slices.Sorted(maps.Keys(xrd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties))
	if diff := cmp.Diff([]string{"spec", "status"}, props); diff != "" {
		t.Errorf("XRD schema properties -want +got (Crossplane adds apiVersion, kind and metadata):\n%s", diff)
	}
}

// TestXEKSClusterAcceptsRoadmapClaim checks the roadmap's claim is admitted
// as is: no error, no unknown (pruned) field, and every value reaches the Go
// type unchanged.
func TestXEKSClusterAcceptsRoadmapClaim(t *testing.T) {
	_, s := loadXRD(t, "xeksclusters.infrastructure.devsecops.yaml")
	obj := parseObject(t, roadmapClaim)
	if errs := s.admit(obj); len(errs) > 0 {
		t.Fatalf("roadmap claim rejected: %v", errs.ToAggregate())
	}
	// The claim's values, field for field; everything else is defaulted
	// (TestXEKSClusterDefaultsMatchSetDefaults checks the defaults).
	want := v1alpha1.EKSClusterParameters{
		Region:            "eu-west-1",
		KubernetesVersion: "1.29",
		NodeGroups: []v1alpha1.NodeGroup{{
			Name:          "system",
			InstanceTypes: []string{"t3.medium"},
			DesiredSize:   ptr.To(2),
			MinSize:       ptr.To(1),
			MaxSize:       ptr.To(3),
		}},
		Cilium:    v1alpha1.Cilium{Enabled: true, ChainingMode: "aws-cni"},
		Tailscale: v1alpha1.Tailscale{Enabled: true, AuthKeySecret: "tailscale-auth"},
		Addons:    []v1alpha1.Addon{"karpenter", "keda"},
	}
	want.SetDefaults()
	if diff := cmp.Diff(want, decodeParameters(t, parameters(t, obj))); diff != "" {
		t.Errorf("admitted roadmap claim -want +got:\n%s", diff)
	}
}

// TestXEKSClusterRejectsInvalidSpecs checks the schema rejects bad specs at
// admission, before any function runs.
func TestXEKSClusterRejectsInvalidSpecs(t *testing.T) {
	_, s := loadXRD(t, "xeksclusters.infrastructure.devsecops.yaml")
	cases := []struct {
		name       string
		parameters string
		wantField  string
		wantType   field.ErrorType
	}{
		{"UnknownAddon", "{region: eu-west-1, addons: [karpenter, istio]}", "spec.parameters.addons[1]", field.ErrorTypeNotSupported},
		{"DuplicateAddon", "{region: eu-west-1, addons: [keda, keda]}", "spec.parameters.addons[1]", field.ErrorTypeDuplicate},
		{"BadCapacityType", "{region: eu-west-1, nodeGroups: [{name: system, capacityType: RESERVED}]}", "spec.parameters.nodeGroups[0].capacityType", field.ErrorTypeNotSupported},
		{"AZCountOne", "{region: eu-west-1, network: {azCount: 1}}", "spec.parameters.network.azCount", field.ErrorTypeInvalid},
		{"AZCountSeven", "{region: eu-west-1, network: {azCount: 7}}", "spec.parameters.network.azCount", field.ErrorTypeInvalid},
		{"MissingRegion", "{kubernetesVersion: '1.29'}", "spec.parameters.region", field.ErrorTypeRequired},
		{"MisspelledRegion", "{regoin: eu-west-1}", "spec.parameters.regoin", field.ErrorTypeNotSupported},
		{"BadRegion", "{region: Europe}", "spec.parameters.region", field.ErrorTypeInvalid},
		{"PatchVersion", "{region: eu-west-1, kubernetesVersion: '1.29.3'}", "spec.parameters.kubernetesVersion", field.ErrorTypeInvalid},
		{"NoNodeGroups", "{region: eu-west-1, nodeGroups: []}", "spec.parameters.nodeGroups", field.ErrorTypeInvalid},
		{"DuplicateNodeGroup", "{region: eu-west-1, nodeGroups: [{name: a}, {name: a}]}", "spec.parameters.nodeGroups[1]", field.ErrorTypeDuplicate},
		{"NodeGroupWithoutName", "{region: eu-west-1, nodeGroups: [{desiredSize: 1}]}", "spec.parameters.nodeGroups[0].name", field.ErrorTypeRequired},
		{"NoInstanceTypes", "{region: eu-west-1, nodeGroups: [{name: a, instanceTypes: []}]}", "spec.parameters.nodeGroups[0].instanceTypes", field.ErrorTypeInvalid},
		{"SmallDisk", "{region: eu-west-1, nodeGroups: [{name: a, diskSizeGiB: 10}]}", "spec.parameters.nodeGroups[0].diskSizeGiB", field.ErrorTypeInvalid},
		{"NegativeMinSize", "{region: eu-west-1, nodeGroups: [{name: a, minSize: -1}]}", "spec.parameters.nodeGroups[0].minSize", field.ErrorTypeInvalid},
		{"BadTaintEffect", "{region: eu-west-1, nodeGroups: [{name: a, taints: [{key: k, effect: NoSchedule}]}]}", "spec.parameters.nodeGroups[0].taints[0].effect", field.ErrorTypeNotSupported},
		{"BadNATGateways", "{region: eu-west-1, network: {natGateways: Two}}", "spec.parameters.network.natGateways", field.ErrorTypeNotSupported},
		{"BadChainingMode", "{region: eu-west-1, cilium: {chainingMode: none}}", "spec.parameters.cilium.chainingMode", field.ErrorTypeNotSupported},
		{"BadLogType", "{region: eu-west-1, controlPlaneLogTypes: [api, kubelet]}", "spec.parameters.controlPlaneLogTypes[1]", field.ErrorTypeNotSupported},
		{"BadClusterName", "{region: eu-west-1, clusterName: 1-spoke}", "spec.parameters.clusterName", field.ErrorTypeInvalid},
		{"StringSize", "{region: eu-west-1, nodeGroups: [{name: a, maxSize: '3'}]}", "spec.parameters.nodeGroups[0].maxSize", field.ErrorTypeTypeInvalid},
		{"MinAboveMax", "{region: eu-west-1, nodeGroups: [{name: a, minSize: 4, maxSize: 3, desiredSize: 3}]}", "spec.parameters.nodeGroups[0]", field.ErrorTypeInvalid},
		{"DesiredAboveMax", "{region: eu-west-1, nodeGroups: [{name: a, minSize: 1, maxSize: 3, desiredSize: 5}]}", "spec.parameters.nodeGroups[0]", field.ErrorTypeInvalid},
		{"DesiredBelowDefaultMin", "{region: eu-west-1, nodeGroups: [{name: a, desiredSize: 0}]}", "spec.parameters.nodeGroups[0]", field.ErrorTypeInvalid},
		{"PublicWithoutCIDRs", "{region: eu-west-1, endpointAccess: {public: true}}", "spec.parameters.endpointAccess", field.ErrorTypeInvalid},
		{"UnknownNestedField", "{region: eu-west-1, tailscale: {authKey: secret}}", "spec.parameters.tailscale.authKey", field.ErrorTypeNotSupported},
		{"TailscaleRotateNotBeforeExpiry", "{region: eu-west-1, tailscale: {keyExpiryDays: 30, rotateBeforeDays: 30}}", "spec.parameters.tailscale", field.ErrorTypeInvalid},
		{"TailscaleRotateAfterDefaultExpiry", "{region: eu-west-1, tailscale: {rotateBeforeDays: 89, keyExpiryDays: 60}}", "spec.parameters.tailscale", field.ErrorTypeInvalid},
		{"TailscaleExpiryTooLong", "{region: eu-west-1, tailscale: {keyExpiryDays: 91}}", "spec.parameters.tailscale.keyExpiryDays", field.ErrorTypeInvalid},
		{"TailscaleTagWithoutPrefix", "{region: eu-west-1, tailscale: {tags: [k8s-spoke]}}", "spec.parameters.tailscale.tags[0]", field.ErrorTypeInvalid},
		{"TailscaleBadSecretName", "{region: eu-west-1, tailscale: {authKeySecret: Tailscale_Auth}}", "spec.parameters.tailscale.authKeySecret", field.ErrorTypeInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := parseObject(t, "spec: {parameters: "+tc.parameters+"}")
			errs := s.admit(obj)
			for _, e := range errs {
				if e.Field == tc.wantField && e.Type == tc.wantType {
					return
				}
			}
			t.Errorf("admit(%s) errors = %v, want a %s error on %s", tc.parameters, errs, tc.wantType, tc.wantField)
		})
	}

	t.Run("MissingParameters", func(t *testing.T) {
		errs := s.admit(parseObject(t, "spec: {}"))
		if len(errs) != 1 || errs[0].Field != "spec.parameters" || errs[0].Type != field.ErrorTypeRequired {
			t.Errorf("admit(spec: {}) errors = %v, want spec.parameters required", errs)
		}
	})
}

// TestXEKSClusterDefaultsMatchSetDefaults checks the XRD's defaults and
// EKSClusterParameters.SetDefaults agree: a function sees the same
// parameters whether or not the API server defaulted the XR.
func TestXEKSClusterDefaultsMatchSetDefaults(t *testing.T) {
	_, s := loadXRD(t, "xeksclusters.infrastructure.devsecops.yaml")
	cases := []struct {
		name       string
		parameters string
	}{
		{"OnlyRegion", "{region: eu-west-1}"},
		{"NodeGroupWithOnlyName", "{region: eu-west-1, nodeGroups: [{name: workers}]}"},
		{"TwoNodeGroups", "{region: eu-west-1, nodeGroups: [{name: system}, {name: spot, capacityType: SPOT, instanceTypes: [m7i.large, m6i.large], labels: {pool: spot}}]}"},
		{"EmptyObjects", "{region: eu-west-1, network: {}, endpointAccess: {}, cilium: {}, tailscale: {}, karpenter: {}, argocd: {}}"},
		{"ExplicitZeroValues", "{region: eu-west-1, argocd: {enabled: false}, karpenter: {enabled: false, interruptionHandling: false}, cilium: {enabled: false}, endpointAccess: {public: false}, nodeGroups: [{name: a, desiredSize: 0, minSize: 0}]}"},
		{"Nulls", "{region: eu-west-1, network: null, karpenter: {interruptionHandling: null}, nodeGroups: [{name: a, desiredSize: null}]}"},
		{"PartialNetwork", "{region: eu-west-1, network: {natGateways: Single, availabilityZones: [eu-west-1a, eu-west-1b]}}"},
		{"TailscaleSettings", "{region: eu-west-1, tailscale: {enabled: true, authKeySecret: ts, tags: [tag:a, tag:b], reusable: false, ephemeral: true, keyExpiryDays: 30, rotateBeforeDays: 7}}"},
		{"TailscaleOnlyExpiry", "{region: eu-west-1, tailscale: {enabled: true, authKeySecret: ts, keyExpiryDays: 60}}"},
		{"EverythingSet", `{region: us-east-1, kubernetesVersion: "1.33", clusterName: spoke, providerConfigName: aws,
			network: {vpcCidr: 10.20.0.0/20, azCount: 2, natGateways: Single, availabilityZones: [us-east-1a, us-east-1b]},
			endpointAccess: {public: true, publicAccessCidrs: [203.0.113.0/24]}, controlPlaneLogTypes: [api, scheduler],
			nodeGroups: [{name: ng, instanceTypes: [m7g.large], desiredSize: 4, minSize: 2, maxSize: 8, capacityType: SPOT,
				amiType: BOTTLEROCKET_ARM_64, diskSizeGiB: 100, labels: {a: b}, taints: [{key: k, value: v, effect: NO_SCHEDULE}]}],
			cilium: {enabled: true, chainingMode: aws-cni}, tailscale: {enabled: true, authKeySecret: ts, tags: ["tag:spoke"]},
			addons: [karpenter, keda, cloudflared, tetragon, kyverno, alloy, vault-secrets-operator, argo-rollouts],
			karpenter: {enabled: true, interruptionHandling: false}, argocd: {enabled: false}, tags: {team: platform}}`},
		{"RoadmapClaim", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			y := roadmapClaim
			if tc.parameters != "" {
				y = "spec: {parameters: " + tc.parameters + "}"
			}

			// What a function sees when the API server defaulted the XR.
			admitted := parseObject(t, y)
			if errs := s.admit(admitted); len(errs) > 0 {
				t.Fatalf("rejected: %v", errs.ToAggregate())
			}
			fromSchema := decodeParameters(t, parameters(t, admitted))

			// What a function sees when nothing defaulted the XR
			// (crossplane render) and it calls SetDefaults.
			fromGo := decodeParameters(t, parameters(t, parseObject(t, y)))
			fromGo.SetDefaults()

			if diff := cmp.Diff(fromGo, fromSchema); diff != "" {
				t.Errorf("XRD defaults disagree with SetDefaults: -SetDefaults +XRD defaults:\n%s", diff)
			}
		})
	}
}

// TestFunctionInputCRD checks the shipped function input CRD is one the API
// server accepts and that it defaults providerConfigName.
func TestFunctionInputCRD(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "functions", "eks", "package", "input", "eks.fn.devsecops.io_inputs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	crd, err := xrdgen.ParseCRD(b)
	if err != nil {
		t.Fatal(err)
	}
	if crd.Spec.Group != "eks.fn.devsecops.io" || crd.Spec.Names.Kind != "Input" || len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != "v1beta1" {
		t.Fatalf("unexpected input CRD %s: group %s kind %s", crd.Name, crd.Spec.Group, crd.Spec.Names.Kind)
	}
	s := newAPISchema(t, crd.Spec.Versions[0].Schema.OpenAPIV3Schema)
	obj := parseObject(t, "{apiVersion: eks.fn.devsecops.io/v1beta1, kind: Input, defaultKubernetesVersion: '1.33'}")
	if errs := s.admit(obj); len(errs) > 0 {
		t.Fatalf("input rejected: %v", errs.ToAggregate())
	}
	if got := obj["providerConfigName"]; got != "default" {
		t.Errorf("providerConfigName = %v, want default", got)
	}
	if errs := s.admit(parseObject(t, "{defaultKubernetesVersion: 'v1.33'}")); len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), "defaultKubernetesVersion") {
		t.Errorf("bad defaultKubernetesVersion admitted: %v", errs)
	}
}
