package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/devsecops/platform-functions/internal/fntest"
	spokectx "github.com/devsecops/platform-functions/internal/spoke"
)

// fullParams exercises every option (examples/aks/xr-full.yaml).
const fullParams = `{
  "location": "northeurope", "kubernetesVersion": "1.35", "clusterName": "prod-neu1",
  "resourceGroupName": "rg-platform-prod-neu1", "providerConfigName": "azure-prod",
  "network": {"vnetCidr": "10.30.0.0/16", "nodeSubnetCidr": "10.30.0.0/17", "serviceCidr": "172.22.0.0/16"},
  "apiServerAccess": {"privateCluster": false, "authorizedIpRanges": ["203.0.113.0/24", "198.51.100.10/32"]},
  "clusterAdmins": ["6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e"],
  "defaultNodePool": {"name": "system", "vmSize": "Standard_D4s_v5", "nodeCount": 3, "minCount": 3, "maxCount": 6, "maxPods": 50,
    "osDiskSizeGB": 256, "osSku": "AzureLinux", "zones": ["1","2","3"], "onlyCriticalAddons": true, "labels": {"node-role.devsecops/system": "true"}},
  "nodePools": [
    {"name": "apps", "vmSize": "Standard_D8s_v5", "nodeCount": 2, "minCount": 2, "maxCount": 10, "labels": {"workload": "apps"}},
    {"name": "spot", "vmSize": "Standard_D4as_v5", "priority": "Spot", "nodeCount": 0, "minCount": 0, "maxCount": 20, "maxPods": 30, "zones": ["1","2"],
     "taints": [{"key": "workload", "value": "batch", "effect": "NoSchedule"}]},
    {"name": "fixed", "nodeCount": 1, "zones": []}
  ],
  "cilium": {"enabled": true, "chainingMode": "azure-cni"},
  "tailscale": {"enabled": true, "authKeySecret": "tailscale-prod", "tags": ["tag:k8s-spoke"]},
  "addons": ["karpenter", "keda", "kyverno"], "karpenter": {"mode": "self-hosted"},
  "argocd": {"enabled": true, "hubPrincipalId": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"},
  "tags": {"environment": "prod", "managed-by": "platform-team"}
}`

func hasAll(v any, want map[string]any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for k, w := range want {
		if m[k] != w {
			return false
		}
	}
	return true
}

func last(rounds []*fnv1.RunFunctionResponse) *fnv1.RunFunctionResponse { return rounds[len(rounds)-1] }

func selector(component string) map[string]any {
	return map[string]any{"matchControllerRef": true, "matchLabels": map[string]any{"infrastructure.devsecops/component": component}}
}

// TestNetwork: the resource group, virtual network and node subnet, named
// and tagged, the subnet planned from the virtual network unless given.
func TestNetwork(t *testing.T) {
	rsp := run(t, newRequest("n", roadmapParams, nil))
	for name, want := range map[string]string{"resource-group": "rg-aks-spoke", "vnet": "vnet-aks-spoke", "subnet-nodes": "snet-nodes"} {
		if got := fntest.JSON(t, fntest.Field(t, rsp, name, "metadata.annotations")); got != `{"crossplane.io/external-name":"`+want+`"}` {
			t.Errorf("%s: external name %s, want %s", name, got, want)
		}
	}
	if got := fntest.Field(t, rsp, "resource-group", "spec.forProvider"); fntest.JSON(t, got) != `{"location":"westeurope","tags":{"devsecops-component":"resource-group","devsecops-spoke":"aks-spoke","managed-by":"crossplane"}}` {
		t.Errorf("resource group %s", fntest.JSON(t, got))
	}
	if diff := cmp.Diff(map[string]any{
		"addressSpace": []any{"10.1.0.0/16"}, "location": "westeurope", "resourceGroupNameSelector": selector("resource-group"),
		"tags": map[string]any{"devsecops-component": "vnet", "devsecops-spoke": "aks-spoke", "managed-by": "crossplane"},
	}, fntest.Field(t, rsp, "vnet", "spec.forProvider")); diff != "" {
		t.Errorf("vnet: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{
		"addressPrefixes": []any{"10.1.0.0/18"}, "defaultOutboundAccessEnabled": false,
		"resourceGroupNameSelector": selector("resource-group"), "virtualNetworkNameSelector": selector("vnet"),
	}, fntest.Field(t, rsp, "subnet-nodes", "spec.forProvider")); diff != "" {
		t.Errorf("subnet: -want +got:\n%s", diff)
	}
	// Upjet's non-omitempty initProvider lists are not sent empty.
	if got := fntest.Field(t, rsp, "subnet-nodes", "spec.initProvider"); got != nil {
		t.Errorf("subnet initProvider %v", got)
	}

	full := run(t, newRequest("full", fullParams, nil))
	if got := fntest.Field(t, full, "subnet-nodes", "spec.forProvider.addressPrefixes"); fntest.JSON(t, got) != `["10.30.0.0/17"]` {
		t.Errorf("explicit node subnet %v", got)
	}
	if got := fntest.JSON(t, fntest.Field(t, full, "resource-group", "metadata.annotations")); got != `{"crossplane.io/external-name":"rg-platform-prod-neu1"}` {
		t.Errorf("resource group name %s", got)
	}
	if got := fntest.Field(t, full, "vnet", "spec.providerConfigRef.name"); got != "azure-prod" {
		t.Errorf("XR providerConfigName must win over the input: %v", got)
	}
	if got := fntest.Field(t, full, "vnet", "spec.forProvider.tags"); !hasAll(got, map[string]any{"environment": "prod", "managed-by": "platform-team"}) {
		t.Errorf("XR tags must win over default tags: %v", got)
	}
}

// TestControlPlaneIdentity: the control plane's identity and its Network
// Contributor role on the node subnet, built from observed ids, named by a
// stable GUID.
func TestControlPlaneIdentity(t *testing.T) {
	rsp := run(t, newRequest("id", roadmapParams, nil))
	if got := fntest.Field(t, rsp, "identity-control-plane", "spec.forProvider.name"); got != "id-aks-spoke-control-plane" {
		t.Errorf("identity name %v", got)
	}
	if _, ok := rsp.GetDesired().GetResources()[nameControlPlaneNetwork]; ok {
		t.Fatalf("role assignment composed before its principal and scope are observed")
	}
	rsp = run(t, newRequest("id", roadmapParams, simulate(rsp)))
	subnet := testSub + "/resourceGroups/rg-aks-spoke/providers/Subnet/snet-nodes"
	want := map[string]any{
		"description":                  "AKS control plane of aks-spoke joins nodes and load balancers to the node subnet",
		"name":                         guid(subnet, "Network Contributor", "principal-identity-control-plane"),
		"principalId":                  "principal-identity-control-plane",
		"principalType":                "ServicePrincipal",
		"roleDefinitionName":           "Network Contributor",
		"scope":                        subnet,
		"skipServicePrincipalAadCheck": true,
	}
	if diff := cmp.Diff(want, fntest.Field(t, rsp, nameControlPlaneNetwork, "spec.forProvider")); diff != "" {
		t.Errorf("role assignment: -want +got:\n%s", diff)
	}
}

func TestGUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := guid("scope", "role", "principal"), guid("scope", "role", "principal")
	if a != b || !re.MatchString(a) {
		t.Errorf("guid %s %s: want equal version 8 GUIDs", a, b)
	}
	if guid("scoper", "ole") == guid("scope", "role") {
		t.Errorf("guid does not separate its parts")
	}
}

// TestCluster: the cluster's security and network settings for both Cilium
// modes and both API server modes.
func TestCluster(t *testing.T) {
	rsp := last(converge(t, roadmapParams, 8))
	want := map[string]any{
		"automaticUpgradeChannel":                    "patch",
		"azureActiveDirectoryRoleBasedAccessControl": map[string]any{"azureRbacEnabled": true},
		"azurePolicyEnabled":                         true,
		"defaultNodePool": map[string]any{
			"name": "system", "nodeCount": float64(2), "onlyCriticalAddonsEnabled": false, "orchestratorVersion": "1.35",
			"osDiskSizeGb": float64(128), "osSku": "Ubuntu", "temporaryNameForRotation": "systemtmp",
			"tags":            map[string]any{"devsecops-component": "cluster-system", "devsecops-spoke": "aks-spoke", "managed-by": "crossplane"},
			"upgradeSettings": map[string]any{"maxSurge": "33%"}, "vmSize": "Standard_D2s_v3",
			"vnetSubnetIdSelector": selector("subnet-nodes"), "zones": []any{"1", "2", "3"},
		},
		"dnsPrefix":                 "aks-spoke",
		"identity":                  map[string]any{"identityIdsSelector": selector("identity-control-plane"), "type": "UserAssigned"},
		"imageCleanerEnabled":       true,
		"imageCleanerIntervalHours": float64(48),
		"kubernetesVersion":         "1.35",
		"localAccountDisabled":      true,
		"location":                  "westeurope",
		"networkProfile": map[string]any{
			"dnsServiceIp": "172.21.0.10", "loadBalancerSku": "standard", "networkDataPlane": "cilium", "networkPlugin": "azure",
			"networkPluginMode": "overlay", "networkPolicy": "cilium", "outboundType": "loadBalancer", "podCidr": "192.168.0.0/16", "serviceCidr": "172.21.0.0/16",
		},
		"nodeOsUpgradeChannel":            "NodeImage",
		"nodeResourceGroup":               "rg-aks-spoke-nodes",
		"oidcIssuerEnabled":               true,
		"privateClusterEnabled":           true,
		"privateClusterPublicFqdnEnabled": false,
		"privateDnsZoneId":                "System",
		"resourceGroupNameSelector":       selector("resource-group"),
		"roleBasedAccessControlEnabled":   true,
		"skuTier":                         "Standard",
		"supportPlan":                     "KubernetesOfficial",
		"tags":                            map[string]any{"devsecops-component": "cluster", "devsecops-spoke": "aks-spoke", "managed-by": "crossplane"},
		"workloadIdentityEnabled":         true,
	}
	if diff := cmp.Diff(want, fntest.Field(t, rsp, "cluster", "spec.forProvider")); diff != "" {
		t.Errorf("cluster forProvider: -want +got:\n%s", diff)
	}
	if got := fntest.JSON(t, fntest.Field(t, rsp, "cluster", "spec.writeConnectionSecretToRef")); got != `{"name":"aks-spoke-x1y2z-kubeconfig","namespace":"crossplane-system"}` {
		t.Errorf("connection secret %s", got)
	}
	if got := fntest.Field(t, rsp, "cluster", "spec.initProvider"); got != nil {
		t.Errorf("initProvider without autoscaling: %v", got)
	}

	full := last(converge(t, fullParams, 8))
	if got := fntest.JSON(t, fntest.Field(t, full, "cluster", "spec.forProvider.networkProfile")); got != `{"dnsServiceIp":"172.22.0.10","loadBalancerSku":"standard","networkDataPlane":"azure","networkPlugin":"azure","outboundType":"loadBalancer","serviceCidr":"172.22.0.0/16"}` {
		t.Errorf("azure-cni chaining network: %s", got)
	}
	if got := fntest.JSON(t, fntest.Field(t, full, "cluster", "spec.forProvider.apiServerAccessProfile")); got != `{"authorizedIpRanges":["198.51.100.10/32","203.0.113.0/24"]}` {
		t.Errorf("authorized ranges: %s", got)
	}
	fp := fntest.Field(t, full, "cluster", "spec.forProvider").(map[string]any)
	for _, k := range []string{"privateDnsZoneId", "privateClusterPublicFqdnEnabled"} {
		if fp[k] != nil {
			t.Errorf("public cluster sets %s", k)
		}
	}
	if fp["privateClusterEnabled"] != false {
		t.Errorf("privateClusterEnabled %v", fp["privateClusterEnabled"])
	}
	if got := fntest.JSON(t, fp["azureActiveDirectoryRoleBasedAccessControl"]); got != `{"adminGroupObjectIds":["6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e"],"azureRbacEnabled":true}` {
		t.Errorf("admins %s", got)
	}
	dnp := fp["defaultNodePool"].(map[string]any)
	if dnp["nodeCount"] != nil || dnp["autoScalingEnabled"] != true || dnp["minCount"] != float64(3) || dnp["maxCount"] != float64(6) || dnp["maxPods"] != float64(50) || dnp["onlyCriticalAddonsEnabled"] != true {
		t.Errorf("autoscaled default pool %s", fntest.JSON(t, dnp))
	}
	if got := fntest.JSON(t, fntest.Field(t, full, "cluster", "spec.initProvider")); got != `{"defaultNodePool":{"nodeCount":3}}` {
		t.Errorf("the autoscaler must own the node count: initProvider %s", got)
	}

	// Without Cilium: the overlay with the Azure data plane and no policy
	// engine.
	off := last(converge(t, `{"location":"westeurope","cilium":{"enabled":false}}`, 8))
	if got := fntest.JSON(t, fntest.Field(t, off, "cluster", "spec.forProvider.networkProfile")); got != `{"dnsServiceIp":"172.21.0.10","loadBalancerSku":"standard","networkDataPlane":"azure","networkPlugin":"azure","networkPluginMode":"overlay","outboundType":"loadBalancer","podCidr":"192.168.0.0/16","serviceCidr":"172.21.0.0/16"}` {
		t.Errorf("overlay without Cilium: %s", got)
	}
}

// TestNodePools: extra pools in the node subnet; autoscaled pools leave the
// node count to the autoscaler, Spot pools carry AKS's label and taint.
func TestNodePools(t *testing.T) {
	rsp := last(converge(t, fullParams, 8))
	apps := fntest.Field(t, rsp, "nodepool-apps", "spec").(map[string]any)
	wantApps := map[string]any{
		"autoScalingEnabled": true, "kubernetesClusterIdSelector": selector("cluster"), "maxCount": float64(10), "minCount": float64(2),
		"mode": "User", "nodeLabels": map[string]any{"workload": "apps"}, "orchestratorVersion": "1.35", "osDiskSizeGb": float64(128),
		"osSku": "Ubuntu", "osType": "Linux", "priority": "Regular",
		"tags":            map[string]any{"devsecops-component": "nodepool-apps", "devsecops-spoke": "prod-neu1", "environment": "prod", "managed-by": "platform-team"},
		"upgradeSettings": map[string]any{"maxSurge": "33%"}, "vmSize": "Standard_D8s_v5", "vnetSubnetIdSelector": selector("subnet-nodes"),
		"zones": []any{"1", "2", "3"},
	}
	if diff := cmp.Diff(wantApps, apps["forProvider"]); diff != "" {
		t.Errorf("apps pool: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"nodeCount": float64(2)}, apps["initProvider"]); diff != "" {
		t.Errorf("apps initProvider: %s", diff)
	}
	spot := fntest.Field(t, rsp, "nodepool-spot", "spec.forProvider").(map[string]any)
	if spot["evictionPolicy"] != "Delete" || spot["spotMaxPrice"] != float64(-1) || spot["upgradeSettings"] != nil || spot["priority"] != "Spot" {
		t.Errorf("spot pool %s", fntest.JSON(t, spot))
	}
	if got := fntest.JSON(t, spot["nodeTaints"]); got != `["kubernetes.azure.com/scalesetpriority=spot:NoSchedule","workload=batch:NoSchedule"]` {
		t.Errorf("spot taints %s", got)
	}
	if got := fntest.JSON(t, spot["nodeLabels"]); got != `{"kubernetes.azure.com/scalesetpriority":"spot"}` {
		t.Errorf("spot labels %s", got)
	}
	fixed := fntest.Field(t, rsp, "nodepool-fixed", "spec").(map[string]any)
	if fp := fixed["forProvider"].(map[string]any); fp["nodeCount"] != float64(1) || fp["autoScalingEnabled"] != nil || fp["zones"] != nil {
		t.Errorf("fixed pool %s", fntest.JSON(t, fp))
	}
	if fixed["initProvider"] != nil {
		t.Errorf("fixed pool initProvider %v", fixed["initProvider"])
	}
	if got := fntest.JSON(t, fntest.Field(t, rsp, "nodepool-fixed", "metadata.annotations")); got != `{"crossplane.io/external-name":"fixed"}` {
		t.Errorf("pool name %s", got)
	}
}

// TestKarpenter: self-hosted Karpenter's identity, its federation with
// kube-system/karpenter through the observed issuer, and its roles on the
// node resource group and the virtual network; nothing without karpenter.
func TestKarpenter(t *testing.T) {
	off := last(converge(t, `{"location":"westeurope","addons":["keda"]}`, 8))
	for _, n := range fntest.DesiredNames(off) {
		if strings.Contains(n, "karpenter") {
			t.Errorf("%s composed without karpenter", n)
		}
	}
	if st := xrStatus(off); st["karpenter"] != nil {
		t.Errorf("status.karpenter without karpenter: %v", st["karpenter"])
	}
	toggled := run(t, newRequest("toggle", `{"location":"westeurope","karpenter":{"enabled":true}}`, nil))
	if _, ok := toggled.GetDesired().GetResources()[nameKarpenterIdentity]; !ok {
		t.Errorf("karpenter.enabled: true must compose the prerequisites")
	}

	rsp := last(converge(t, roadmapParams, 8))
	if got := fntest.Field(t, rsp, nameKarpenterIdentity, "spec.forProvider.name"); got != "id-aks-spoke-karpenter" {
		t.Errorf("identity name %v", got)
	}
	if diff := cmp.Diff(map[string]any{
		"audience": []any{"api://AzureADTokenExchange"}, "issuer": testIssuer,
		"parentIdSelector": selector("identity-karpenter"), "resourceGroupNameSelector": selector("resource-group"),
		"subject": "system:serviceaccount:kube-system:karpenter",
	}, fntest.Field(t, rsp, nameKarpenterFederation, "spec.forProvider")); diff != "" {
		t.Errorf("federated credential: -want +got:\n%s", diff)
	}
	nodeGroup := testSub + "/resourceGroups/rg-aks-spoke-nodes"
	for name, want := range map[string][2]string{
		nameKarpenterVMs:        {"Virtual Machine Contributor", nodeGroup},
		nameKarpenterNetwork:    {"Network Contributor", nodeGroup},
		nameKarpenterIdentities: {"Managed Identity Operator", nodeGroup},
		nameKarpenterVNet:       {"Network Contributor", testSub + "/resourceGroups/rg-aks-spoke/providers/VirtualNetwork/vnet-aks-spoke"},
	} {
		fp := fntest.Field(t, rsp, name, "spec.forProvider").(map[string]any)
		if fp["roleDefinitionName"] != want[0] || fp["scope"] != want[1] || fp["principalId"] != "principal-identity-karpenter" {
			t.Errorf("%s: %s, want %s on %s", name, fntest.JSON(t, fp), want[0], want[1])
		}
	}
	if diff := cmp.Diff(map[string]any{"identityClientId": "client-identity-karpenter", "serviceAccount": "kube-system/karpenter"}, xrStatus(rsp)["karpenter"]); diff != "" {
		t.Errorf("status.karpenter: -want +got:\n%s", diff)
	}
}

// TestArgoCDAccess: the hub's Argo CD identity gets AKS RBAC Cluster Admin on
// the cluster, from the XR or the input; not when Argo CD is off.
func TestArgoCDAccess(t *testing.T) {
	rsp := last(converge(t, roadmapParams, 8))
	cluster := testSub + "/resourceGroups/rg-aks-spoke/providers/KubernetesCluster/aks-spoke"
	fp := fntest.Field(t, rsp, nameArgoCDAdmin, "spec.forProvider").(map[string]any)
	if fp["roleDefinitionName"] != "Azure Kubernetes Service RBAC Cluster Admin" || fp["scope"] != cluster || fp["principalId"] != testInput.ArgoCDHubPrincipalID {
		t.Errorf("argocd role %s", fntest.JSON(t, fp))
	}
	full := last(converge(t, fullParams, 8))
	if got := fntest.Field(t, full, nameArgoCDAdmin, "spec.forProvider.principalId"); got != "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" {
		t.Errorf("the XR's hubPrincipalId must win: %v", got)
	}
	off := last(converge(t, `{"location":"westeurope","argocd":{"enabled":false}}`, 8))
	if _, ok := off.GetDesired().GetResources()[nameArgoCDAdmin]; ok {
		t.Errorf("Argo CD access composed with argocd.enabled false")
	}
}

// TestStatusAndContext: the XR status and the spoke published in the
// pipeline context for function-argocd, with the CA from the cluster's
// connection details.
func TestStatusAndContext(t *testing.T) {
	rsp := last(converge(t, roadmapParams, 8))
	rg := testSub + "/resourceGroups/rg-aks-spoke"
	want := map[string]any{
		"clusterName":       "aks-spoke",
		"resourceGroupId":   rg,
		"nodeResourceGroup": "rg-aks-spoke-nodes",
		"vnetId":            rg + "/providers/VirtualNetwork/vnet-aks-spoke",
		"nodeSubnetId":      rg + "/providers/Subnet/snet-nodes",
		"clusterId":         rg + "/providers/KubernetesCluster/aks-spoke",
		"fqdn":              "aks-spoke-abc.privatelink.westeurope.azmk8s.io",
		"oidcIssuerUrl":     testIssuer,
		"networkDataPlane":  "cilium",
		"kubeletIdentity":   map[string]any{"clientId": testKubelet, "objectId": "kubelet-object-id", "resourceId": "kubelet-id"},
		"kubeconfigSecret":  map[string]any{"name": "aks-spoke-x1y2z-kubeconfig", "namespace": "crossplane-system"},
		"karpenter":         map[string]any{"identityClientId": "client-identity-karpenter", "serviceAccount": "kube-system/karpenter"},
	}
	if diff := cmp.Diff(want, xrStatus(rsp)); diff != "" {
		t.Errorf("status: -want +got:\n%s", diff)
	}

	req := newRequest("ctx", roadmapParams, simulate(rsp))
	req.Context = rsp.GetContext()
	c, ok, err := spokectx.FromContext(&fnv1.RunFunctionRequest{Context: run(t, req).GetContext()})
	if err != nil || !ok {
		t.Fatalf("no spoke in the context: %v", err)
	}
	wantCluster := &spokectx.Cluster{
		Cloud: "azure", Name: "aks-spoke", Region: "westeurope", KubernetesVersion: "1.35",
		Endpoint: "https://aks-spoke-abc.privatelink.westeurope.azmk8s.io:443",
		CAData:   base64.StdEncoding.EncodeToString([]byte(testCAPEM)),
		Addons:   []string{"karpenter", "keda"}, ArgoCD: true,
		Metadata: map[string]string{
			"aks_cluster_name": "aks-spoke", "azure_location": "westeurope", "azure_subscription_id": "00000000-1111-4222-8333-444444444444",
			"azure_resource_group": "rg-aks-spoke", "azure_node_resource_group": "rg-aks-spoke-nodes",
			"azure_vnet_id": rg + "/providers/VirtualNetwork/vnet-aks-spoke", "azure_node_subnet_id": rg + "/providers/Subnet/snet-nodes",
			"aks_oidc_issuer_url": testIssuer, "aks_network_data_plane": "cilium", "aks_kubelet_identity_client_id": testKubelet,
			"karpenter_identity_client_id": "client-identity-karpenter", "karpenter_service_account": "kube-system/karpenter",
		},
	}
	if diff := cmp.Diff(wantCluster, c); diff != "" {
		t.Errorf("spoke context: -want +got:\n%s", diff)
	}

	// Before anything is observed the context names the spoke, without an
	// endpoint or CA, so function-argocd waits.
	first := run(t, newRequest("first", roadmapParams, nil))
	c, _, _ = spokectx.FromContext(&fnv1.RunFunctionRequest{Context: first.GetContext()})
	if c.Ready() || c.Name != "aks-spoke" {
		t.Errorf("first render context %+v", c)
	}
	// A public cluster's endpoint is its public FQDN.
	full := last(converge(t, fullParams, 8))
	if got := xrStatus(full)["fqdn"]; got != "prod-neu1-abc.hcp.westeurope.azmk8s.io" {
		t.Errorf("public fqdn %v", got)
	}
	if got := xrStatus(full)["networkDataPlane"]; got != "azure" {
		t.Errorf("azure-cni chaining data plane %v", got)
	}
}

// TestKeepsResourcesWhenObservationsVanish: resources built from observed
// data stay, unchanged, when that data is briefly missing.
func TestKeepsResourcesWhenObservationsVanish(t *testing.T) {
	rounds := converge(t, roadmapParams, 8)
	final := last(rounds)
	observed := simulate(final)
	for _, n := range []string{"cluster", "identity-control-plane", "identity-karpenter", "subnet-nodes", "vnet"} {
		delete(observed[n].GetResource().GetFields(), "status")
	}
	delete(observed, "identity-karpenter")
	got := run(t, newRequest("vanish", roadmapParams, observed))
	for _, n := range []string{"cluster", nameControlPlaneNetwork, nameKarpenterFederation, nameKarpenterVMs, nameKarpenterNetwork, nameKarpenterIdentities, nameKarpenterVNet, nameArgoCDAdmin} {
		w, g := final.GetDesired().GetResources()[n], got.GetDesired().GetResources()[n]
		if g == nil {
			t.Errorf("%s was dropped when its observation vanished", n)
			continue
		}
		if diff := cmp.Diff(w.GetResource(), g.GetResource(), protocmp.Transform()); diff != "" {
			t.Errorf("%s changed: -before +after:\n%s", n, diff)
		}
	}
	if c := condition(got, ConditionResourcesReady); c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE {
		t.Errorf("ResourcesReady %v while identity-karpenter is unobserved", c.GetStatus())
	}
	// The cluster stays composed even if its role assignment is not ready.
	observed = simulate(final)
	delete(observed, nameControlPlaneNetwork)
	if _, ok := run(t, newRequest("vanish", roadmapParams, observed)).GetDesired().GetResources()["cluster"]; !ok {
		t.Errorf("the existing cluster was dropped while its role assignment is unobserved")
	}
}

// TestPassesThroughDesiredState: resources earlier pipeline steps desired are
// kept.
func TestPassesThroughDesiredState(t *testing.T) {
	req := newRequest("pass", roadmapParams, nil)
	req.Desired = &fnv1.State{Resources: map[string]*fnv1.Resource{
		"tailscale-auth": {Resource: resource.MustStructJSON(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"tailscale-auth"}}`), Ready: fnv1.Ready_READY_TRUE},
	}}
	rsp := run(t, req)
	if diff := cmp.Diff(req.GetDesired().GetResources()["tailscale-auth"], rsp.GetDesired().GetResources()["tailscale-auth"], protocmp.Transform()); diff != "" {
		t.Errorf("earlier step's resource changed: %s", diff)
	}
}

// TestWarnings: accepted but discouraged input gets a Warning that names the
// field, and the spoke is still composed.
func TestWarnings(t *testing.T) {
	cases := map[string]struct {
		params string
		want   []string
	}{
		"NewerThanCalendar": {
			params: `{"location":"westeurope","kubernetesVersion":"1.38"}`,
			want:   []string{"spec.parameters.kubernetesVersion: 1.38 is newer than this function's AKS calendar (as of 2026-12-04); AKS rejects the cluster if it does not offer it yet, 1.37 is known to work"},
		},
		"SingleSystemNode": {
			params: `{"location":"westeurope","defaultNodePool":{"nodeCount":1}}`,
			want:   []string{"spec.parameters.defaultNodePool.nodeCount: a single system node leaves the cluster without CoreDNS and Cilium operator redundancy; use 2 or more"},
		},
		"None": {params: roadmapParams},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, newRequest(name, tc.params, nil))
			var got []string
			for _, r := range rsp.GetResults() {
				if r.GetSeverity() != fnv1.Severity_SEVERITY_WARNING || r.GetTarget() != fnv1.Target_TARGET_COMPOSITE_AND_CLAIM {
					t.Errorf("unexpected result %v", r)
				}
				got = append(got, r.GetMessage())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("warnings: -want +got:\n%s", diff)
			}
			if len(rsp.GetDesired().GetResources()) == 0 {
				t.Errorf("nothing composed")
			}
		})
	}
}

// TestDeterministic: the same request gives a byte-identical response; Go
// shuffles map iteration on every run, so 200 runs cover many orders.
func TestDeterministic(t *testing.T) {
	rounds := converge(t, fullParams, 8)
	req := newRequest("det", fullParams, simulate(rounds[len(rounds)-2]))
	first, err := proto.MarshalOptions{Deterministic: true}.Marshal(run(t, req))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(run(t, req))
		if !bytes.Equal(first, b) {
			t.Fatalf("run %d differs from the first", i)
		}
	}
}

// TestClusterName: the claim name names the cluster; clusterName overrides it;
// an XR without a claim uses its own name.
func TestClusterName(t *testing.T) {
	for name, tc := range map[string]struct{ xr, want string }{
		"Claim":    {xr: xrJSON(`{"location":"westeurope"}`), want: "aks-spoke"},
		"Override": {xr: xrJSON(`{"location":"westeurope","clusterName":"blue"}`), want: "blue"},
		"NoClaim":  {xr: `{"apiVersion":"infrastructure.devsecops/v1alpha1","kind":"XAKSCluster","metadata":{"name":"direct-xr"},"spec":{"parameters":{"location":"westeurope"}}}`, want: "direct-xr"},
	} {
		t.Run(name, func(t *testing.T) {
			req := newRequest(name, `{}`, nil)
			req.Observed.Composite.Resource = resource.MustStructJSON(tc.xr)
			rsp := run(t, req)
			if st := xrStatus(rsp); st["clusterName"] != tc.want {
				t.Errorf("clusterName %v, want %s", st["clusterName"], tc.want)
			}
			if got := fntest.JSON(t, fntest.Field(t, rsp, "resource-group", "metadata.annotations")); got != fmt.Sprintf(`{"crossplane.io/external-name":"rg-%s"}`, tc.want) {
				t.Errorf("resource group %s", got)
			}
		})
	}
}
