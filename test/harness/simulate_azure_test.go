package harness

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestSimulateAzureKinds: provider-azure kinds get Azure resource ids built
// from the names and ids they select (resolved as the provider would, even
// when a resource comes before the ones it selects), and what the function
// reads: identities' principals, the cluster's FQDNs, OIDC issuer, node
// resource group and kubelet identity.
func TestSimulateAzureKinds(t *testing.T) {
	desired, err := ParseYAML([]byte(`
apiVersion: containerservice.azure.upbound.io/v1beta2
kind: KubernetesClusterNodePool
metadata:
  generateName: spoke-
  annotations: {crossplane.io/composition-resource-name: pool, crossplane.io/external-name: apps}
  labels: {crossplane.io/composite: spoke, infrastructure.devsecops/component: pool}
spec:
  forProvider:
    vmSize: Standard_D2s_v3
    kubernetesClusterIdSelector: {matchControllerRef: true, matchLabels: {infrastructure.devsecops/component: cluster}}
    vnetSubnetIdSelector: {matchControllerRef: true, matchLabels: {infrastructure.devsecops/component: subnet}}
---
apiVersion: containerservice.azure.upbound.io/v1beta2
kind: KubernetesCluster
metadata:
  generateName: spoke-
  annotations: {crossplane.io/composition-resource-name: cluster, crossplane.io/external-name: spoke}
  labels: {crossplane.io/composite: spoke, infrastructure.devsecops/component: cluster}
spec:
  forProvider:
    location: westeurope
    dnsPrefix: spoke
    kubernetesVersion: "1.35"
    nodeResourceGroup: rg-spoke-nodes
    privateClusterEnabled: true
    resourceGroupNameSelector: {matchControllerRef: true, matchLabels: {infrastructure.devsecops/component: rg}}
    identity:
      type: UserAssigned
      identityIdsSelector: {matchControllerRef: true, matchLabels: {infrastructure.devsecops/component: identity}}
    defaultNodePool:
      name: system
      vmSize: Standard_D2s_v3
      vnetSubnetIdSelector: {matchControllerRef: true, matchLabels: {infrastructure.devsecops/component: subnet}}
---
apiVersion: network.azure.upbound.io/v1beta2
kind: Subnet
metadata:
  generateName: spoke-
  annotations: {crossplane.io/composition-resource-name: subnet, crossplane.io/external-name: snet-nodes}
  labels: {crossplane.io/composite: spoke, infrastructure.devsecops/component: subnet}
spec:
  forProvider:
    addressPrefixes: [10.1.0.0/18]
    resourceGroupNameSelector: {matchControllerRef: true, matchLabels: {infrastructure.devsecops/component: rg}}
    virtualNetworkNameSelector: {matchControllerRef: true, matchLabels: {infrastructure.devsecops/component: vnet}}
---
apiVersion: network.azure.upbound.io/v1beta2
kind: VirtualNetwork
metadata:
  generateName: spoke-
  annotations: {crossplane.io/composition-resource-name: vnet, crossplane.io/external-name: vnet-spoke}
  labels: {crossplane.io/composite: spoke, infrastructure.devsecops/component: vnet}
spec:
  forProvider:
    location: westeurope
    addressSpace: [10.1.0.0/16]
    resourceGroupNameSelector: {matchControllerRef: true, matchLabels: {infrastructure.devsecops/component: rg}}
---
apiVersion: azure.upbound.io/v1beta1
kind: ResourceGroup
metadata:
  generateName: spoke-
  annotations: {crossplane.io/composition-resource-name: rg, crossplane.io/external-name: rg-spoke}
  labels: {crossplane.io/composite: spoke, infrastructure.devsecops/component: rg}
spec:
  forProvider: {location: westeurope}
---
apiVersion: managedidentity.azure.upbound.io/v1beta1
kind: UserAssignedIdentity
metadata:
  generateName: spoke-
  annotations: {crossplane.io/composition-resource-name: identity}
  labels: {crossplane.io/composite: spoke, infrastructure.devsecops/component: identity}
spec:
  forProvider:
    name: id-spoke
    location: westeurope
    resourceGroupNameSelector: {matchControllerRef: true, matchLabels: {infrastructure.devsecops/component: rg}}
---
apiVersion: authorization.azure.upbound.io/v1beta1
kind: RoleAssignment
metadata:
  generateName: spoke-
  annotations: {crossplane.io/composition-resource-name: role}
  labels: {crossplane.io/composite: spoke, infrastructure.devsecops/component: role}
spec:
  forProvider:
    name: 2b1a0f3e-8c7d-4e6f-9a5b-1c2d3e4f5a6b
    principalId: 11111111-2222-4333-8444-555555555555
    principalType: ServicePrincipal
    roleDefinitionName: Network Contributor
    scope: /subscriptions/s/resourceGroups/rg-spoke
`))
	if err != nil {
		t.Fatal(err)
	}
	obs, err := h.Simulate(desired)
	if err != nil {
		t.Fatal(err)
	}
	str := func(i int, path ...string) string {
		s, _, _ := unstructured.NestedString(obs[i].Object, path...)
		return s
	}
	id := func(i int) string { return str(i, "status", "atProvider", "id") }
	rg := "/subscriptions/" + AzureSubscriptionID + "/resourceGroups/rg-spoke"
	cluster := rg + "/providers/Microsoft.ContainerService/managedClusters/spoke"
	subnet := rg + "/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/snet-nodes"
	identity := rg + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-spoke"
	for i, want := range map[int]string{
		0: cluster + "/agentPools/apps",
		1: cluster,
		2: subnet,
		3: rg + "/providers/Microsoft.Network/virtualNetworks/vnet-spoke",
		4: rg,
		5: identity,
		6: "/subscriptions/s/resourceGroups/rg-spoke/providers/Microsoft.Authorization/roleAssignments/2b1a0f3e-8c7d-4e6f-9a5b-1c2d3e4f5a6b",
	} {
		if id(i) != want {
			t.Errorf("%s id %q, want %q", obs[i].GetKind(), id(i), want)
		}
	}
	// Selected names and ids are filled in, as reference resolution does.
	if got := str(0, "spec", "forProvider", "kubernetesClusterId"); got != cluster {
		t.Errorf("node pool kubernetesClusterId %q", got)
	}
	if got := str(1, "spec", "forProvider", "defaultNodePool", "vnetSubnetId"); got != subnet {
		t.Errorf("default pool vnetSubnetId %q", got)
	}
	if ids, _, _ := unstructured.NestedStringSlice(obs[1].Object, "spec", "forProvider", "identity", "identityIds"); len(ids) != 1 || ids[0] != identity {
		t.Errorf("cluster identityIds %v", ids)
	}
	if got := str(2, "spec", "forProvider", "virtualNetworkName"); got != "vnet-spoke" {
		t.Errorf("subnet virtualNetworkName %q", got)
	}
	// The user-assigned identity's id is its external name (the provider's
	// identifier).
	if obs[5].GetAnnotations()[AnnotationExternalName] != identity {
		t.Errorf("identity external name %q", obs[5].GetAnnotations()[AnnotationExternalName])
	}
	if p := str(5, "status", "atProvider", "principalId"); len(p) != 36 || p == str(5, "status", "atProvider", "clientId") {
		t.Errorf("identity principalId %q clientId %q", p, str(5, "status", "atProvider", "clientId"))
	}
	at := func(f ...string) string { return str(1, append([]string{"status", "atProvider"}, f...)...) }
	if !strings.HasSuffix(at("fqdn"), ".hcp.westeurope.azmk8s.io") || !strings.Contains(at("privateFqdn"), ".privatelink.westeurope.azmk8s.io") {
		t.Errorf("cluster fqdn %q privateFqdn %q", at("fqdn"), at("privateFqdn"))
	}
	if !strings.HasPrefix(at("oidcIssuerUrl"), "https://westeurope.oic.prod-aks.azure.com/"+AzureTenantID+"/") {
		t.Errorf("oidcIssuerUrl %q", at("oidcIssuerUrl"))
	}
	if at("nodeResourceGroup") != "rg-spoke-nodes" || at("nodeResourceGroupId") != "/subscriptions/"+AzureSubscriptionID+"/resourceGroups/rg-spoke-nodes" {
		t.Errorf("node resource group %q %q", at("nodeResourceGroup"), at("nodeResourceGroupId"))
	}
	if len(at("kubeletIdentity", "clientId")) != 36 || at("identity", "type") != "UserAssigned" {
		t.Errorf("v1beta2 kubeletIdentity/identity objects: %v", obs[1].Object["status"])
	}
	if !strings.Contains(str(6, "status", "atProvider", "roleDefinitionId"), "/providers/Microsoft.Authorization/roleDefinitions/") {
		t.Errorf("roleDefinitionId %q", str(6, "status", "atProvider", "roleDefinitionId"))
	}
	v, err := h.Validate(obs)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() {
		t.Errorf("simulated resources do not validate: %+v\n%s", v, v.Output)
	}
}
