package apis_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/internal/xrdgen"
)

const aksXRD = "xaksclusters.infrastructure.devsecops.yaml"

// decodeAKSParameters decodes v, a spec.parameters value, rejecting fields
// the Go type lacks.
func decodeAKSParameters(t *testing.T, v any) v1alpha1.AKSClusterParameters {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var p v1alpha1.AKSClusterParameters
	if err := yaml.UnmarshalStrict(b, &p); err != nil {
		t.Fatalf("cannot decode parameters into the Go type: %v", err)
	}
	return p
}

// readAKSExample reads an example under examples/aks.
func readAKSExample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", "aks", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestXAKSClusterXRD(t *testing.T) {
	xrd, _ := loadXRD(t, aksXRD)
	got := struct {
		Name, Group, Kind, Plural, Scope, ClaimKind, ClaimPlural, Composition, Version string
	}{
		xrd.Metadata.Name, xrd.Spec.Group, xrd.Spec.Names.Kind, xrd.Spec.Names.Plural, xrd.Spec.Scope,
		xrd.Spec.ClaimNames.Kind, xrd.Spec.ClaimNames.Plural, xrd.Spec.DefaultCompositionRef.Name, xrd.Spec.Versions[0].Name,
	}
	want := struct {
		Name, Group, Kind, Plural, Scope, ClaimKind, ClaimPlural, Composition, Version string
	}{
		"xaksclusters.infrastructure.devsecops", v1alpha1.Group, v1alpha1.XAKSClusterKind, v1alpha1.XAKSClusterPlural, "LegacyCluster",
		v1alpha1.AKSClusterKind, "aksclusters", "xaksclusters.infrastructure.devsecops", v1alpha1.Version,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("XRD -want +got:\n%s", diff)
	}
	props := slices.Sorted(maps.Keys(xrd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties))
	if diff := cmp.Diff([]string{"spec", "status"}, props); diff != "" {
		t.Errorf("XRD schema properties -want +got:\n%s", diff)
	}
}

// TestXAKSClusterAcceptsExamples checks the claim and the full XR are
// admitted as they are, with no unknown (pruned) field, and the claim's
// values reach the Go type unchanged.
func TestXAKSClusterAcceptsExamples(t *testing.T) {
	_, s := loadXRD(t, aksXRD)
	for _, name := range []string{"claim.yaml", "xr-full.yaml"} {
		obj := parseObject(t, readAKSExample(t, name))
		if errs := s.admit(obj); len(errs) > 0 {
			t.Fatalf("%s rejected: %v", name, errs.ToAggregate())
		}
		if name != "claim.yaml" {
			continue
		}
		want := v1alpha1.AKSClusterParameters{
			Location:          "westeurope",
			KubernetesVersion: "1.35",
			DefaultNodePool:   v1alpha1.AKSDefaultNodePool{Name: "system", VMSize: "Standard_D2s_v3", NodeCount: ptr.To(2)},
			Cilium:            v1alpha1.AKSCilium{Enabled: ptr.To(true)},
			Tailscale:         v1alpha1.Tailscale{Enabled: true, AuthKeySecret: "tailscale-auth"},
			Addons:            []v1alpha1.Addon{"karpenter", "keda"},
		}
		want.SetDefaults()
		if diff := cmp.Diff(want, decodeAKSParameters(t, parameters(t, obj))); diff != "" {
			t.Errorf("admitted claim -want +got:\n%s", diff)
		}
	}
}

// TestXAKSClusterRejectsInvalidSpecs checks the schema rejects bad specs at
// admission, before any function runs.
func TestXAKSClusterRejectsInvalidSpecs(t *testing.T) {
	_, s := loadXRD(t, aksXRD)
	cases := []struct {
		name       string
		parameters string
		wantField  string
		wantType   field.ErrorType
	}{
		{"MissingLocation", "{kubernetesVersion: '1.35'}", "spec.parameters.location", field.ErrorTypeRequired},
		{"LocationDisplayName", "{location: West Europe}", "spec.parameters.location", field.ErrorTypeInvalid},
		{"PatchVersion", "{location: westeurope, kubernetesVersion: '1.35.1'}", "spec.parameters.kubernetesVersion", field.ErrorTypeInvalid},
		{"BadClusterName", "{location: westeurope, clusterName: spoke-}", "spec.parameters.clusterName", field.ErrorTypeInvalid},
		{"UnknownAddon", "{location: westeurope, addons: [istio]}", "spec.parameters.addons[0]", field.ErrorTypeNotSupported},
		{"AWSChainingMode", "{location: westeurope, cilium: {chainingMode: aws-cni}}", "spec.parameters.cilium.chainingMode", field.ErrorTypeNotSupported},
		{"BadKarpenterMode", "{location: westeurope, karpenter: {mode: managed}}", "spec.parameters.karpenter.mode", field.ErrorTypeNotSupported},
		{"PrivateWithRanges", "{location: westeurope, apiServerAccess: {authorizedIpRanges: [203.0.113.0/24]}}", "spec.parameters.apiServerAccess", field.ErrorTypeInvalid},
		{"PublicWithoutRanges", "{location: westeurope, apiServerAccess: {privateCluster: false}}", "spec.parameters.apiServerAccess", field.ErrorTypeInvalid},
		{"BadAdminGroup", "{location: westeurope, clusterAdmins: [admins]}", "spec.parameters.clusterAdmins[0]", field.ErrorTypeInvalid},
		{"BadPoolName", "{location: westeurope, defaultNodePool: {name: System}}", "spec.parameters.defaultNodePool.name", field.ErrorTypeInvalid},
		{"LongPoolName", "{location: westeurope, nodePools: [{name: applicationpool}]}", "spec.parameters.nodePools[0].name", field.ErrorTypeInvalid},
		{"DuplicatePool", "{location: westeurope, nodePools: [{name: a}, {name: a}]}", "spec.parameters.nodePools[1]", field.ErrorTypeDuplicate},
		{"EmptySystemPool", "{location: westeurope, defaultNodePool: {nodeCount: 0}}", "spec.parameters.defaultNodePool.nodeCount", field.ErrorTypeInvalid},
		{"OnlyMinCount", "{location: westeurope, defaultNodePool: {minCount: 2}}", "spec.parameters.defaultNodePool", field.ErrorTypeInvalid},
		{"MinAboveMax", "{location: westeurope, nodePools: [{name: a, nodeCount: 4, minCount: 5, maxCount: 3}]}", "spec.parameters.nodePools[0]", field.ErrorTypeInvalid},
		{"NodeCountBelowMin", "{location: westeurope, nodePools: [{name: a, minCount: 2, maxCount: 5}]}", "spec.parameters.nodePools[0]", field.ErrorTypeInvalid},
		{"SpotSystem", "{location: westeurope, nodePools: [{name: a, mode: System, priority: Spot}]}", "spec.parameters.nodePools[0]", field.ErrorTypeInvalid},
		{"BadZone", "{location: westeurope, nodePools: [{name: a, zones: ['4']}]}", "spec.parameters.nodePools[0].zones[0]", field.ErrorTypeNotSupported},
		{"BadVMSize", "{location: westeurope, defaultNodePool: {vmSize: D2s_v3}}", "spec.parameters.defaultNodePool.vmSize", field.ErrorTypeInvalid},
		{"EKSTaintEffect", "{location: westeurope, nodePools: [{name: a, taints: [{key: k, effect: NO_SCHEDULE}]}]}", "spec.parameters.nodePools[0].taints[0].effect", field.ErrorTypeNotSupported},
		{"SmallDisk", "{location: westeurope, defaultNodePool: {osDiskSizeGB: 10}}", "spec.parameters.defaultNodePool.osDiskSizeGB", field.ErrorTypeInvalid},
		{"AWSHubRole", "{location: westeurope, argocd: {hubRoleArn: 'arn:aws:iam::123456789012:role/argocd'}}", "spec.parameters.argocd.hubRoleArn", field.ErrorTypeNotSupported},
		{"BadHubPrincipal", "{location: westeurope, argocd: {hubPrincipalId: argocd}}", "spec.parameters.argocd.hubPrincipalId", field.ErrorTypeInvalid},
		{"UnknownNestedField", "{location: westeurope, network: {vpcCidr: 10.0.0.0/16}}", "spec.parameters.network.vpcCidr", field.ErrorTypeNotSupported},
		{"StringCount", "{location: westeurope, defaultNodePool: {nodeCount: '2'}}", "spec.parameters.defaultNodePool.nodeCount", field.ErrorTypeTypeInvalid},
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
}

// TestXAKSClusterDefaultsMatchSetDefaults checks the XRD's defaults and
// AKSClusterParameters.SetDefaults agree.
func TestXAKSClusterDefaultsMatchSetDefaults(t *testing.T) {
	_, s := loadXRD(t, aksXRD)
	cases := []struct {
		name       string
		parameters string
	}{
		{"OnlyLocation", "{location: westeurope}"},
		{"EmptyObjects", "{location: westeurope, network: {}, apiServerAccess: {}, defaultNodePool: {}, cilium: {}, tailscale: {}, karpenter: {}, argocd: {}}"},
		{"PoolWithOnlyName", "{location: westeurope, nodePools: [{name: apps}]}"},
		{"ExplicitZeroValues", "{location: westeurope, cilium: {enabled: false}, argocd: {enabled: false}, karpenter: {enabled: false}, apiServerAccess: {privateCluster: false, authorizedIpRanges: [0.0.0.0/0]}, defaultNodePool: {zones: [], onlyCriticalAddons: false}, nodePools: [{name: a, nodeCount: 0, zones: []}]}"},
		{"Nulls", "{location: westeurope, network: null, cilium: {enabled: null}, defaultNodePool: {nodeCount: null}}"},
		{"EverythingSet", `{location: northeurope, kubernetesVersion: "1.35", clusterName: spoke, resourceGroupName: rg-spoke, providerConfigName: azure,
			network: {vnetCidr: 10.30.0.0/16, nodeSubnetCidr: 10.30.0.0/17, podCidr: 192.168.0.0/16, serviceCidr: 172.22.0.0/16},
			apiServerAccess: {privateCluster: false, authorizedIpRanges: [203.0.113.0/24]}, clusterAdmins: [6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e],
			defaultNodePool: {name: sys, vmSize: Standard_D4s_v5, nodeCount: 3, minCount: 3, maxCount: 6, maxPods: 50, osDiskSizeGB: 256, osSku: AzureLinux, zones: ["1"], onlyCriticalAddons: true, labels: {a: b}},
			nodePools: [{name: spot, vmSize: Standard_D4as_v5, nodeCount: 0, minCount: 0, maxCount: 5, maxPods: 30, osDiskSizeGB: 64, osSku: Ubuntu, mode: User, priority: Spot, zones: ["1", "2"], labels: {c: d}, taints: [{key: k, value: v, effect: NoSchedule}]}],
			cilium: {enabled: true, chainingMode: azure-cni}, tailscale: {enabled: true, authKeySecret: ts, tags: ["tag:spoke"]},
			addons: [karpenter, keda], karpenter: {enabled: true, mode: self-hosted}, argocd: {enabled: true, hubPrincipalId: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}, tags: {team: platform}}`},
		{"Claim", ""},
		{"FullXR", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			y := "spec: {parameters: " + tc.parameters + "}"
			switch tc.name {
			case "Claim":
				y = readAKSExample(t, "claim.yaml")
			case "FullXR":
				y = readAKSExample(t, "xr-full.yaml")
			}
			admitted := parseObject(t, y)
			if errs := s.admit(admitted); len(errs) > 0 {
				t.Fatalf("rejected: %v", errs.ToAggregate())
			}
			fromSchema := decodeAKSParameters(t, parameters(t, admitted))
			fromGo := decodeAKSParameters(t, parameters(t, parseObject(t, y)))
			fromGo.SetDefaults()
			if diff := cmp.Diff(fromGo, fromSchema); diff != "" {
				t.Errorf("XRD defaults disagree with SetDefaults: -SetDefaults +XRD defaults:\n%s", diff)
			}
		})
	}
}

// TestAKSFunctionInputCRD checks the shipped function input CRD is one the
// API server accepts and that it defaults providerConfigName and the
// connection Secret namespace.
func TestAKSFunctionInputCRD(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "functions", "aks", "package", "input", "aks.fn.devsecops.io_inputs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	crd, err := xrdgen.ParseCRD(b)
	if err != nil {
		t.Fatal(err)
	}
	if crd.Spec.Group != "aks.fn.devsecops.io" || crd.Spec.Names.Kind != "Input" || len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != "v1beta1" {
		t.Fatalf("unexpected input CRD %s: group %s kind %s", crd.Name, crd.Spec.Group, crd.Spec.Names.Kind)
	}
	s := newAPISchema(t, crd.Spec.Versions[0].Schema.OpenAPIV3Schema)
	obj := parseObject(t, "{apiVersion: aks.fn.devsecops.io/v1beta1, kind: Input, defaultKubernetesVersion: '1.35'}")
	if errs := s.admit(obj); len(errs) > 0 {
		t.Fatalf("input rejected: %v", errs.ToAggregate())
	}
	if obj["providerConfigName"] != "default" || obj["connectionSecretNamespace"] != "crossplane-system" {
		t.Errorf("defaults: providerConfigName %v, connectionSecretNamespace %v", obj["providerConfigName"], obj["connectionSecretNamespace"])
	}
	if errs := s.admit(parseObject(t, "{argocdHubPrincipalId: argocd}")); len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), "argocdHubPrincipalId") {
		t.Errorf("bad argocdHubPrincipalId admitted: %v", errs)
	}
}
