package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/devsecops/platform-functions/functions/aks/input/v1beta1"
	"github.com/devsecops/platform-functions/internal/fntest"
)

// roadmapParams is the roadmap's Phase 8 spoke (examples/aks/claim.yaml).
const roadmapParams = `{
  "location": "westeurope",
  "kubernetesVersion": "1.35",
  "defaultNodePool": {"name": "system", "vmSize": "Standard_D2s_v3", "nodeCount": 2},
  "cilium": {"enabled": true},
  "tailscale": {"enabled": true, "authKeySecret": "tailscale-auth"},
  "addons": ["karpenter", "keda"]
}`

// testInput is the function input of the package's Composition.
var testInput = &v1beta1.Input{
	ProviderConfigName:        "azure-provider",
	DefaultKubernetesVersion:  "1.35",
	ReservedCIDRs:             []string{"10.244.0.0/16", "10.96.0.0/12", "10.0.0.0/16"},
	DefaultTags:               map[string]string{"managed-by": "crossplane"},
	ConnectionSecretNamespace: "crossplane-system",
	ArgoCDHubPrincipalID:      "11111111-2222-4333-8444-555555555555",
}

func xrJSON(params string) string {
	return `{"apiVersion":"infrastructure.devsecops/v1alpha1","kind":"XAKSCluster",
	  "metadata":{"name":"aks-spoke-x1y2z","labels":{"crossplane.io/claim-name":"aks-spoke","crossplane.io/claim-namespace":"crossplane-system"}},
	  "spec":{"parameters":` + params + `}}`
}

func newRequest(tag, params string, observed map[string]*fnv1.Resource) *fnv1.RunFunctionRequest {
	in := testInput.DeepCopy()
	in.SetGroupVersionKind(v1beta1.SchemeGroupVersion.WithKind("Input"))
	return &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: tag},
		Input:    resource.MustStructObject(in),
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(xrJSON(params))}, Resources: observed},
	}
}

func run(t testing.TB, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionResponse {
	t.Helper()
	rsp, err := NewFunction(logging.NewNopLogger()).RunFunction(context.Background(), req)
	if err != nil {
		t.Fatalf("RunFunction returned an error; errors must be Fatal results: %v", err)
	}
	return rsp
}

func fatal(tag, msg string) *fnv1.RunFunctionResponse {
	return &fnv1.RunFunctionResponse{
		Meta: &fnv1.ResponseMeta{Tag: tag, Ttl: durationpb.New(response.DefaultTTL)},
		Results: []*fnv1.Result{{
			Severity: fnv1.Severity_SEVERITY_FATAL,
			Message:  msg,
			Target:   fnv1.Target_TARGET_COMPOSITE.Enum(),
		}},
	}
}

// TestBadInput: every bad input is one Fatal result naming the field and the
// fix, and nothing is composed (the whole response is compared).
func TestBadInput(t *testing.T) {
	cases := map[string]struct {
		params string
		want   string
	}{
		// Identity.
		"LocationDisplayName": {
			params: `{"location":"West Europe"}`,
			want:   `spec.parameters.location: "West Europe" is not an Azure location name; use the programmatic name, lowercase without spaces, such as westeurope`,
		},
		"LocationGarbage": {
			params: `{"location":"eu-west-1"}`,
			want:   `spec.parameters.location: "eu-west-1" is not an Azure location name; use the programmatic name, lowercase without spaces, such as westeurope`,
		},
		"ClusterNameTooLong": {
			params: `{"location":"westeurope","clusterName":"a-very-long-cluster-name-for-an-aks-spoke-cluster"}`,
			want:   `spec.parameters.clusterName: "a-very-long-cluster-name-for-an-aks-spoke-cluster" is 49 characters; the DNS prefix and resource group names derived from it allow at most 45, so set a shorter clusterName`,
		},
		"ClusterNameEndsWithHyphen": {
			params: `{"location":"westeurope","clusterName":"spoke-"}`,
			want:   `spec.parameters.clusterName: "spoke-" is not a valid AKS cluster name (letters, digits and hyphens, starting with a letter and ending with a letter or digit); set clusterName`,
		},
		"BadResourceGroup": {
			params: `{"location":"westeurope","resourceGroupName":"rg/spoke"}`,
			want:   `spec.parameters.resourceGroupName: "rg/spoke" is not a valid resource group name (at most 84 letters, digits, '-', '_', '.', '(' and ')', not ending with '.')`,
		},
		"BadTagName": {
			params: `{"location":"westeurope","tags":{"team/owner":"platform"}}`,
			want:   `spec.parameters.tags: tag name "team/owner" contains one of < > % & \ ? /, which Azure does not allow in tag names`,
		},
		// Version.
		"VersionPastSupport": {
			params: `{"location":"westeurope","kubernetesVersion":"1.29"}`,
			want:   `spec.parameters.kubernetesVersion: AKS community support of 1.29 ended 2025-03-31 (only Long Term Support on the Premium tier remains); use one of 1.35, 1.36, 1.37`,
		},
		"VersionTooOld": {
			params: `{"location":"westeurope","kubernetesVersion":"1.20"}`,
			want:   `spec.parameters.kubernetesVersion: "1.20" is older than every version AKS supports (calendar as of 2026-12-04); use one of 1.35, 1.36, 1.37`,
		},
		"PatchVersion": {
			params: `{"location":"westeurope","kubernetesVersion":"1.35.1"}`,
			want:   `spec.parameters.kubernetesVersion: "1.35.1" is not a minor version such as "1.37"`,
		},
		// Network.
		"VNetHostBits": {
			params: `{"location":"westeurope","network":{"vnetCidr":"10.1.0.1/16"}}`,
			want:   `spec.parameters.network.vnetCidr: "10.1.0.1/16" has host bits set; use 10.1.0.0/16`,
		},
		"VNetPublic": {
			params: `{"location":"westeurope","network":{"vnetCidr":"20.1.0.0/16"}}`,
			want:   `spec.parameters.network.vnetCidr: "20.1.0.0/16" is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10)`,
		},
		"VNetTooSmall": {
			params: `{"location":"westeurope","network":{"vnetCidr":"10.1.0.0/26"}}`,
			want:   `spec.parameters.network.vnetCidr: "10.1.0.0/26" is a /26; use a prefix between /12 and /24`,
		},
		"VNetOverlapsHub": {
			params: `{"location":"westeurope","network":{"vnetCidr":"10.96.0.0/16"}}`,
			want:   `spec.parameters.network.vnetCidr: 10.96.0.0/16 overlaps 10.96.0.0/12, which the platform reserves (the hub's networks reached over Tailscale); pick another range`,
		},
		"VNetOnTailnet": {
			params: `{"location":"westeurope","network":{"vnetCidr":"100.64.0.0/16"},"tailscale":{"enabled":true,"authKeySecret":"ts"}}`,
			want:   `spec.parameters.network.vnetCidr: 100.64.0.0/16 overlaps 100.64.0.0/10, the addresses Tailscale gives its devices, and the spoke joins the tailnet; pick another range`,
		},
		"SubnetOutsideVNet": {
			params: `{"location":"westeurope","network":{"nodeSubnetCidr":"10.2.0.0/20"}}`,
			want:   `spec.parameters.network.nodeSubnetCidr: 10.2.0.0/20 is not inside the virtual network 10.1.0.0/16; pick a subnet of it, e.g. 10.1.0.0/18`,
		},
		"SubnetLargerThanVNet": {
			params: `{"location":"westeurope","network":{"nodeSubnetCidr":"10.0.0.0/15"}}`,
			want:   `spec.parameters.network.nodeSubnetCidr: 10.0.0.0/15 is not inside the virtual network 10.1.0.0/16; pick a subnet of it, e.g. 10.1.0.0/18`,
		},
		"PodCIDROverlapsVNet": {
			params: `{"location":"westeurope","network":{"podCidr":"10.1.128.0/17"}}`,
			want:   `spec.parameters.network.podCidr: 10.1.128.0/17 overlaps vnetCidr 10.1.0.0/16; the virtual network, pod and service ranges must be disjoint`,
		},
		"ServiceOverlapsPods": {
			params: `{"location":"westeurope","network":{"serviceCidr":"192.168.0.0/20"}}`,
			want:   `spec.parameters.network.serviceCidr: 192.168.0.0/20 overlaps podCidr 192.168.0.0/16; the virtual network, pod and service ranges must be disjoint`,
		},
		"ServiceAKSReserved": {
			params: `{"location":"westeurope","network":{"serviceCidr":"172.30.0.0/16"}}`,
			want:   `spec.parameters.network.serviceCidr: 172.30.0.0/16 overlaps 172.30.0.0/16, which AKS reserves; pick another range`,
		},
		"ServiceTooLarge": {
			params: `{"location":"westeurope","network":{"serviceCidr":"172.0.0.0/8"}}`,
			want:   `spec.parameters.network.serviceCidr: "172.0.0.0/8" is a /8; use a prefix between /12 and /24`,
		},
		"PodCIDRWithChaining": {
			params: `{"location":"westeurope","network":{"podCidr":"192.168.0.0/16"},"cilium":{"enabled":true,"chainingMode":"azure-cni"}}`,
			want:   `spec.parameters.network.podCidr: is set but cilium.chainingMode azure-cni gives pods IPs from the node subnet (no overlay); remove podCidr, or use chainingMode: none for the overlay`,
		},
		"SubnetTooSmallForPods": {
			params: `{"location":"westeurope","network":{"vnetCidr":"10.1.0.0/24"},"cilium":{"enabled":true,"chainingMode":"azure-cni"}}`,
			want:   `spec.parameters.network.nodeSubnetCidr: 10.1.0.0/26 has 59 usable addresses but the node pools need 3 nodes at most (with upgrade surge) and their pods: 93 addresses with chainingMode azure-cni; use a larger nodeSubnetCidr (and vnetCidr) or smaller pools`,
		},
		"SubnetTooSmallForNodes": {
			params: `{"location":"westeurope","network":{"nodeSubnetCidr":"10.1.0.0/28"},"defaultNodePool":{"minCount":2,"maxCount":20}}`,
			want:   `spec.parameters.network.nodeSubnetCidr: 10.1.0.0/28 has 11 usable addresses but the node pools need 27 nodes at most (with upgrade surge); use a larger nodeSubnetCidr (and vnetCidr) or smaller pools`,
		},
		"PodCIDRTooSmall": {
			params: `{"location":"westeurope","network":{"podCidr":"192.168.0.0/24"}}`,
			want:   `spec.parameters.network.podCidr: 192.168.0.0/24 holds 1 node ranges (/24 each) but the node pools need 3; use a larger podCidr`,
		},
		// API server.
		"PrivateWithAuthorizedRanges": {
			params: `{"location":"westeurope","apiServerAccess":{"authorizedIpRanges":["203.0.113.0/24"]}}`,
			want:   `spec.parameters.apiServerAccess.authorizedIpRanges: a private cluster cannot have authorized IP ranges (AKS allows one or the other); set apiServerAccess.privateCluster: false to keep a public API server limited to these ranges, or remove them`,
		},
		"PublicWithoutRanges": {
			params: `{"location":"westeurope","apiServerAccess":{"privateCluster":false}}`,
			want:   `spec.parameters.apiServerAccess.authorizedIpRanges: is empty but apiServerAccess.privateCluster is false; list the ranges allowed to reach the public API server (0.0.0.0/0 must be written out explicitly), or keep the cluster private`,
		},
		"BadAuthorizedRange": {
			params: `{"location":"westeurope","apiServerAccess":{"privateCluster":false,"authorizedIpRanges":["203.0.113.1/24"]}}`,
			want:   `spec.parameters.apiServerAccess.authorizedIpRanges[0]: "203.0.113.1/24" is not a canonical IPv4 CIDR such as 203.0.113.0/24`,
		},
		"BadClusterAdmin": {
			params: `{"location":"westeurope","clusterAdmins":["platform-admins"]}`,
			want:   `spec.parameters.clusterAdmins[0]: "platform-admins" is not an Entra ID group object id such as 00000000-0000-0000-0000-000000000000`,
		},
		// Node pools.
		"DuplicatePoolName": {
			params: `{"location":"westeurope","nodePools":[{"name":"system"}]}`,
			want:   `spec.parameters.nodePools[0].name: "system" is also the name of defaultNodePool; node pool names must be unique`,
		},
		"RotationPoolName": {
			params: `{"location":"westeurope","nodePools":[{"name":"systemtmp"}]}`,
			want:   `spec.parameters.nodePools[0].name: "systemtmp" is the temporary pool AKS creates while it rotates the default pool "system"; pick another name`,
		},
		"BadPoolName": {
			params: `{"location":"westeurope","nodePools":[{"name":"apps-pool"}]}`,
			want:   `spec.parameters.nodePools[0].name: "apps-pool" is not a valid AKS node pool name (lowercase letters and digits, starting with a letter, at most 12 characters)`,
		},
		"MinAboveMax": {
			params: `{"location":"westeurope","nodePools":[{"name":"apps","nodeCount":4,"minCount":5,"maxCount":3}]}`,
			want:   `spec.parameters.nodePools[0].minCount: 5 is greater than maxCount 3; lower minCount or raise maxCount`,
		},
		"OnlyMinCount": {
			params: `{"location":"westeurope","defaultNodePool":{"minCount":2}}`,
			want:   `spec.parameters.defaultNodePool: set both minCount and maxCount to autoscale the pool, or neither`,
		},
		"NodeCountOutsideRange": {
			params: `{"location":"westeurope","defaultNodePool":{"nodeCount":2,"minCount":3,"maxCount":5}}`,
			want:   `spec.parameters.defaultNodePool.nodeCount: 2 is outside minCount..maxCount (3..5); set a nodeCount in that range`,
		},
		"EmptySystemPool": {
			params: `{"location":"westeurope","defaultNodePool":{"nodeCount":0}}`,
			want:   `spec.parameters.defaultNodePool.nodeCount: 0: a System pool needs at least one node; set nodeCount >= 1`,
		},
		"SpotSystemPool": {
			params: `{"location":"westeurope","nodePools":[{"name":"spot","priority":"Spot","mode":"System"}]}`,
			want:   `spec.parameters.nodePools[0].mode: a Spot pool cannot be a System pool (AKS evicts Spot nodes); set mode: User or priority: Regular`,
		},
		"BadVMSize": {
			params: `{"location":"westeurope","defaultNodePool":{"vmSize":"D2s_v3"}}`,
			want:   `spec.parameters.defaultNodePool.vmSize: "D2s_v3" is not an Azure VM size such as Standard_D2s_v3`,
		},
		"BadZone": {
			params: `{"location":"westeurope","nodePools":[{"name":"apps","zones":["westeurope-1"]}]}`,
			want:   `spec.parameters.nodePools[0].zones[0]: "westeurope-1" is not an availability zone (1, 2 or 3)`,
		},
		// Add-ons, Cilium, Karpenter, Tailscale, Argo CD.
		"UnknownAddon": {
			params: `{"location":"westeurope","addons":["karpenter","istio"]}`,
			want:   `spec.parameters.addons[1]: unknown addon "istio"; known addons are alloy, argo-rollouts, cloudflared, karpenter, keda, kyverno, tetragon, vault-secrets-operator`,
		},
		"ChainingWithoutCilium": {
			params: `{"location":"westeurope","cilium":{"enabled":false,"chainingMode":"azure-cni"}}`,
			want:   `spec.parameters.cilium.chainingMode: azure-cni chains Cilium behind Azure CNI, so Argo CD must install Cilium, but cilium.enabled is false; set cilium.enabled: true, or chainingMode: none for the Cilium data plane AKS runs itself`,
		},
		"BadChainingMode": {
			params: `{"location":"westeurope","cilium":{"chainingMode":"aws-cni"}}`,
			want:   `spec.parameters.cilium.chainingMode: "aws-cni" is not none or azure-cni`,
		},
		"NodeAutoProvisioning": {
			params: `{"location":"westeurope","addons":["karpenter"],"karpenter":{"mode":"nap"}}`,
			want: `spec.parameters.karpenter.mode: nap (AKS Node Auto-Provisioning) cannot be switched on: provider-azure v2.3.0's KubernetesCluster has no nodeProvisioningProfile, so no Crossplane resource can set it; ` +
				`use mode: self-hosted (the function composes Karpenter's workload identity and Azure role assignments, Argo CD installs Karpenter's Azure provider) or switch NAP on outside Crossplane with az aks update --node-provisioning-mode Auto`,
		},
		"NodeAutoProvisioningWithoutAddon": {
			params: `{"location":"westeurope","karpenter":{"mode":"nap"}}`,
			want: `spec.parameters.karpenter.mode: nap (AKS Node Auto-Provisioning) cannot be switched on: provider-azure v2.3.0's KubernetesCluster has no nodeProvisioningProfile, so no Crossplane resource can set it; ` +
				`use mode: self-hosted (the function composes Karpenter's workload identity and Azure role assignments, Argo CD installs Karpenter's Azure provider) or switch NAP on outside Crossplane with az aks update --node-provisioning-mode Auto`,
		},
		"KarpenterContradiction": {
			params: `{"location":"westeurope","addons":["karpenter"],"karpenter":{"enabled":false}}`,
			want:   `spec.parameters.karpenter.enabled: is false but addons lists karpenter; remove karpenter from addons or the enabled: false`,
		},
		"TailscaleWithoutSecret": {
			params: `{"location":"westeurope","tailscale":{"enabled":true}}`,
			want:   `spec.parameters.tailscale.authKeySecret: is empty but tailscale.enabled is true; name the Secret that holds the spoke's auth key`,
		},
		"BadHubPrincipal": {
			params: `{"location":"westeurope","argocd":{"hubPrincipalId":"argocd"}}`,
			want:   `spec.parameters.argocd.hubPrincipalId: "argocd" is not an Entra ID object id such as 00000000-0000-0000-0000-000000000000`,
		},
		// Decoding.
		"UnknownField": {
			params: `{"location":"westeurope","nodePool":[{"name":"apps"}]}`,
			want:   `spec.parameters: unknown field "nodePool"; check the field names against the API reference`,
		},
		"WrongType": {
			params: `{"location":"westeurope","defaultNodePool":{"nodeCount":"2"}}`,
			want:   `spec.parameters: field defaultNodePool.nodeCount must be int, not string; check the field names against the API reference`,
		},
		"SeveralProblemsAtOnce": {
			params: `{"location":"West Europe","addons":["istio"],"apiServerAccess":{"authorizedIpRanges":["203.0.113.0/24"]}}`,
			want: `3 problems: spec.parameters.location: "West Europe" is not an Azure location name; use the programmatic name, lowercase without spaces, such as westeurope; ` +
				`spec.parameters.apiServerAccess.authorizedIpRanges: a private cluster cannot have authorized IP ranges (AKS allows one or the other); set apiServerAccess.privateCluster: false to keep a public API server limited to these ranges, or remove them; ` +
				`spec.parameters.addons[0]: unknown addon "istio"; known addons are alloy, argo-rollouts, cloudflared, karpenter, keda, kyverno, tetragon, vault-secrets-operator`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// Observed resources exist: a bad edit must not drop them, so the
			// Fatal result leaves desired state as the request gave it.
			observed := map[string]*fnv1.Resource{"vnet": {Resource: resource.MustStructJSON(`{"apiVersion":"network.azure.upbound.io/v1beta2","kind":"VirtualNetwork"}`)}}
			got := run(t, newRequest(name, tc.params, observed))
			if diff := cmp.Diff(fatal(name, tc.want), got, protocmp.Transform()); diff != "" {
				t.Errorf("RunFunction(): -want +got:\n%s", diff)
			}
		})
	}
}

// TestMissingParameters: an XR without spec.parameters is a Fatal result
// naming location, the one required field.
func TestMissingParameters(t *testing.T) {
	req := newRequest("p", `{}`, nil)
	req.Observed.Composite.Resource = resource.MustStructJSON(`{"apiVersion":"infrastructure.devsecops/v1alpha1","kind":"XAKSCluster","metadata":{"name":"x"},"spec":{}}`)
	got := run(t, req)
	if diff := cmp.Diff(fatal("p", "spec.parameters is missing: set at least spec.parameters.location"), got, protocmp.Transform()); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}

// Simulated Azure ids.
const (
	testSub     = "/subscriptions/00000000-1111-4222-8333-444444444444"
	testCAPEM   = "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n"
	testIssuer  = "https://westeurope.oic.prod-aks.azure.com/tenant/issuer/"
	testKubelet = "kubelet-client-id"
)

// simulate plays provider-azure: every desired resource becomes observed with
// Ready and Synced conditions and the status fields function-aks reads; the
// cluster also has its connection details.
func simulate(rsp *fnv1.RunFunctionResponse) map[string]*fnv1.Resource {
	out := map[string]*fnv1.Resource{}
	for name, r := range rsp.GetDesired().GetResources() {
		obj := r.GetResource().AsMap()
		kind, _ := obj["kind"].(string)
		ext := name
		if md, ok := obj["metadata"].(map[string]any); ok {
			if a, ok := md["annotations"].(map[string]any); ok && a["crossplane.io/external-name"] != nil {
				ext = a["crossplane.io/external-name"].(string)
			}
		}
		rg := testSub + "/resourceGroups/rg-aks-spoke"
		ap := map[string]any{"id": rg + "/providers/" + kind + "/" + ext}
		var conn map[string][]byte
		switch kind {
		case "ResourceGroup":
			ap["id"] = testSub + "/resourceGroups/" + ext
		case "UserAssignedIdentity":
			ap["principalId"] = "principal-" + name
			ap["clientId"] = "client-" + name
		case "KubernetesCluster":
			ap["fqdn"] = ext + "-abc.hcp.westeurope.azmk8s.io"
			ap["privateFqdn"] = ext + "-abc.privatelink.westeurope.azmk8s.io"
			ap["oidcIssuerUrl"] = testIssuer
			ap["nodeResourceGroup"] = "rg-aks-spoke-nodes"
			ap["nodeResourceGroupId"] = testSub + "/resourceGroups/rg-aks-spoke-nodes"
			ap["kubeletIdentity"] = map[string]any{"clientId": testKubelet, "objectId": "kubelet-object-id", "userAssignedIdentityId": "kubelet-id"}
			conn = map[string][]byte{connKubeconfig: []byte("apiVersion: v1\nkind: Config\n"), connCA: []byte(testCAPEM)}
		}
		obj["status"] = map[string]any{
			"atProvider": ap,
			"conditions": []any{
				map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": "2026-01-01T00:00:00Z"},
				map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2026-01-01T00:00:00Z"},
			},
		}
		s, err := structpb.NewStruct(obj)
		if err != nil {
			panic(err)
		}
		out[name] = &fnv1.Resource{Resource: s, ConnectionDetails: conn}
	}
	return out
}

// converge renders until ResourcesReady is True and returns each round's response.
func converge(t testing.TB, params string, maxRounds int) []*fnv1.RunFunctionResponse {
	t.Helper()
	var rounds []*fnv1.RunFunctionResponse
	var observed map[string]*fnv1.Resource
	for i := range maxRounds {
		rsp := run(t, newRequest(fmt.Sprint("round-", i), params, observed))
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
				t.Fatalf("round %d: fatal: %s", i, r.GetMessage())
			}
		}
		rounds = append(rounds, rsp)
		if c := condition(rsp, ConditionResourcesReady); c != nil && c.GetStatus() == fnv1.Status_STATUS_CONDITION_TRUE {
			return rounds
		}
		observed = simulate(rsp)
	}
	t.Fatalf("not ready after %d rounds", maxRounds)
	return nil
}

func condition(rsp *fnv1.RunFunctionResponse, typ string) *fnv1.Condition {
	for _, c := range rsp.GetConditions() {
		if c.GetType() == typ {
			return c
		}
	}
	return nil
}

func countKinds(rsp *fnv1.RunFunctionResponse) map[string]int {
	out := map[string]int{}
	for _, r := range rsp.GetDesired().GetResources() {
		out[r.GetResource().AsMap()["kind"].(string)]++
	}
	return out
}

func xrStatus(rsp *fnv1.RunFunctionResponse) map[string]any {
	st, _ := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)
	return st
}

// TestRoadmapSpokeConverges: the roadmap claim converges to a complete spoke
// in five renders, never drops a resource on the way and then stays stable.
func TestRoadmapSpokeConverges(t *testing.T) {
	rounds := converge(t, roadmapParams, 8)
	if got, want := len(rounds), 5; got != want {
		t.Errorf("rounds to ResourcesReady: got %d, want %d", got, want)
	}
	for i := 1; i < len(rounds); i++ {
		for _, n := range fntest.DesiredNames(rounds[i-1]) {
			if _, ok := rounds[i].GetDesired().GetResources()[n]; !ok {
				t.Errorf("round %d dropped %q", i, n)
			}
		}
	}
	last := rounds[len(rounds)-1]
	want := map[string]int{
		"ResourceGroup": 1, "VirtualNetwork": 1, "Subnet": 1,
		"UserAssignedIdentity": 2, "RoleAssignment": 6, "FederatedIdentityCredential": 1,
		"KubernetesCluster": 1,
	}
	if diff := cmp.Diff(want, countKinds(last)); diff != "" {
		t.Errorf("kinds of the converged spoke: -want +got:\n%s", diff)
	}
	for name, r := range last.GetDesired().GetResources() {
		if r.GetReady() != fnv1.Ready_READY_TRUE {
			t.Errorf("%s: ready %v, want READY_TRUE", name, r.GetReady())
		}
	}
	// Once ready, another round gives a byte-identical response.
	again := run(t, newRequest(fmt.Sprint("round-", len(rounds)-1), roadmapParams, simulate(last)))
	if diff := cmp.Diff(last, again, protocmp.Transform()); diff != "" {
		t.Errorf("not stable once ready: -first +second:\n%s", diff)
	}
	if c := condition(last, ConditionResourcesReady); c.GetMessage() != "all 13 resources of AKS cluster aks-spoke are ready" {
		t.Errorf("ResourcesReady message %q", c.GetMessage())
	}
}

// TestRoundByRound pins what each render composes and why the rest waits:
// the network and identities first, then the control plane's subnet role,
// the cluster once that role is ready, and what needs the cluster's issuer
// and node resource group last.
func TestRoundByRound(t *testing.T) {
	rounds := converge(t, roadmapParams, 8)
	want := []struct {
		added   []string
		message string
	}{
		{
			added: []string{"identity-control-plane", "identity-karpenter", "resource-group", "subnet-nodes", "vnet"},
			message: "0 of 5 composed resources are ready; not ready: identity-control-plane, identity-karpenter, resource-group, subnet-nodes, vnet; " +
				"not composed yet: role-control-plane-network (needs the principal id of identity-control-plane and the id of subnet-nodes), " +
				"cluster (needs role-control-plane-network to be ready), role-argocd-cluster-admin (needs the id of cluster), " +
				"federated-credential-karpenter (needs the OIDC issuer of cluster) and 4 more",
		},
		{
			// Karpenter's role on the virtual network only needs ids that
			// exist now.
			added: []string{"role-control-plane-network", "role-karpenter-vnet"},
			message: "5 of 7 composed resources are ready; not ready: role-control-plane-network, role-karpenter-vnet; not composed yet: cluster (needs role-control-plane-network to be ready), " +
				"role-argocd-cluster-admin (needs the id of cluster), federated-credential-karpenter (needs the OIDC issuer of cluster), " +
				"role-karpenter-vm-contributor (needs the node resource group id of cluster) and 2 more",
		},
		{
			added: []string{"cluster"},
			message: "7 of 8 composed resources are ready; not ready: cluster; not composed yet: role-argocd-cluster-admin (needs the id of cluster), " +
				"federated-credential-karpenter (needs the OIDC issuer of cluster), role-karpenter-vm-contributor (needs the node resource group id of cluster), " +
				"role-karpenter-network-contributor (needs the node resource group id of cluster) and 1 more",
		},
		{
			added:   []string{"federated-credential-karpenter", "role-argocd-cluster-admin", "role-karpenter-identity-operator", "role-karpenter-network-contributor", "role-karpenter-vm-contributor"},
			message: "8 of 13 composed resources are ready; not ready: federated-credential-karpenter, role-argocd-cluster-admin, role-karpenter-identity-operator, role-karpenter-network-contributor, role-karpenter-vm-contributor",
		},
		{message: "all 13 resources of AKS cluster aks-spoke are ready"},
	}
	if len(rounds) != len(want) {
		t.Fatalf("%d rounds, want %d", len(rounds), len(want))
	}
	var before []string
	for i, r := range rounds {
		names := fntest.DesiredNames(r)
		var added []string
		for _, n := range names {
			if !contains(before, n) {
				added = append(added, n)
			}
		}
		if diff := cmp.Diff(want[i].added, added); diff != "" {
			t.Errorf("round %d added: -want +got:\n%s", i+1, diff)
		}
		if got := condition(r, ConditionResourcesReady).GetMessage(); got != want[i].message {
			t.Errorf("round %d ResourcesReady:\n got %s\nwant %s", i+1, got, want[i].message)
		}
		before = names
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// TestFirstRender: nothing is ready before it is observed, no results, and
// the condition targets the claim too.
func TestFirstRender(t *testing.T) {
	rsp := run(t, newRequest("first", roadmapParams, nil))
	if len(rsp.GetResults()) != 0 {
		t.Errorf("results: %v", rsp.GetResults())
	}
	for name, r := range rsp.GetDesired().GetResources() {
		if r.GetReady() != fnv1.Ready_READY_FALSE {
			t.Errorf("%s: ready %v before being observed, want READY_FALSE", name, r.GetReady())
		}
	}
	c := condition(rsp, ConditionResourcesReady)
	if c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || c.GetReason() != "Creating" || c.GetTarget() != fnv1.Target_TARGET_COMPOSITE_AND_CLAIM {
		t.Errorf("ResourcesReady %v", c)
	}
	if !proto.Equal(c, condition(run(t, newRequest("first", roadmapParams, nil)), ConditionResourcesReady)) {
		t.Errorf("condition not deterministic")
	}
}

func nopLogger() logging.Logger { return logging.NewNopLogger() }
