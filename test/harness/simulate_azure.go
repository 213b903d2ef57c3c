package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Simulated Azure subscription and Entra ID tenant of every Azure resource id.
const (
	AzureSubscriptionID = "2f4a9b3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c"
	AzureTenantID       = "8e7d6c5b-4a3f-4e2d-9c1b-0a9f8e7d6c5b"
)

// azureGroupSuffixes are the API group suffixes of provider-azure's
// cluster-scoped and namespaced kinds.
var azureGroupSuffixes = []string{".azure.upbound.io", ".azure.m.upbound.io"}

func isAzure(o *Object) bool {
	g := Group(o)
	for _, s := range azureGroupSuffixes {
		if strings.HasSuffix(g, s) || g == strings.TrimPrefix(s, ".") {
			return true
		}
	}
	return false
}

// AzureKind describes how provider-azure reports one kind.
type AzureKind struct {
	// ID returns the Azure resource id, which is also the external name of
	// kinds whose identifier comes from the provider. Default: the name.
	ID func(o *Observation) string
	// Copy lists spec.forProvider fields the provider reports back in
	// status.atProvider.
	Copy []string
	// Extra adds kind-specific observations after the id is set.
	Extra Rule
}

// Rule returns the simulation rule for the kind.
func (k AzureKind) Rule() Rule {
	return func(o *Observation) {
		if k.ID != nil {
			o.ID = k.ID(o)
		} else {
			o.ID = o.Name()
		}
		o.CopyFromForProvider(k.Copy...)
		if k.Extra != nil {
			k.Extra(o)
		}
	}
}

// AzureDefaultRule covers provider-azure kinds without an entry in AzureRules.
var AzureDefaultRule = AzureKind{Copy: []string{"location", "resourceGroupName", "tags"}}.Rule()

// azureGroupID is the id of the resource group a resource lives in.
func azureGroupID(name string) string {
	return "/subscriptions/" + AzureSubscriptionID + "/resourceGroups/" + name
}

// azureResourceID is the id of a resource of a provider namespace and type in
// the observation's resource group.
func azureResourceID(o *Observation, providerType, name string) string {
	return azureGroupID(o.ForProviderString("resourceGroupName")) + "/providers/" + providerType + "/" + name
}

// uuidOf formats 32 hex characters as a UUID.
func uuidOf(h string) string {
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// AzureRules returns the provider-azure rule table, keyed by "<group>/<Kind>".
// Add a kind here when a composition starts using it.
func AzureRules() map[string]Rule {
	common := []string{"location", "resourceGroupName", "tags"}
	kinds := map[string]AzureKind{
		"azure.upbound.io/ResourceGroup": {
			ID:   func(o *Observation) string { return azureGroupID(o.Name()) },
			Copy: []string{"location", "tags"},
		},
		"network.azure.upbound.io/VirtualNetwork": {
			ID: func(o *Observation) string {
				return azureResourceID(o, "Microsoft.Network/virtualNetworks", o.Name())
			},
			Copy:  append([]string{"addressSpace"}, common...),
			Extra: func(o *Observation) { o.Set(o.UUID(), "guid") },
		},
		"network.azure.upbound.io/Subnet": {
			ID: func(o *Observation) string {
				return azureResourceID(o, "Microsoft.Network/virtualNetworks", o.ForProviderString("virtualNetworkName")+"/subnets/"+o.Name())
			},
			Copy: []string{"addressPrefixes", "resourceGroupName", "virtualNetworkName", "defaultOutboundAccessEnabled"},
		},
		"managedidentity.azure.upbound.io/UserAssignedIdentity": {
			ID: func(o *Observation) string {
				return azureResourceID(o, "Microsoft.ManagedIdentity/userAssignedIdentities", o.ForProviderString("name"))
			},
			Copy: append([]string{"name"}, common...),
			Extra: func(o *Observation) {
				o.Set(uuidOf(o.Hex(64)[0:32]), "clientId")
				o.Set(uuidOf(o.Hex(64)[32:64]), "principalId")
				o.Set(AzureTenantID, "tenantId")
			},
		},
		"managedidentity.azure.upbound.io/FederatedIdentityCredential": {
			ID: func(o *Observation) string {
				return o.ForProviderString("parentId") + "/federatedIdentityCredentials/" + o.Name()
			},
			Copy: []string{"audience", "issuer", "subject", "parentId", "resourceGroupName"},
		},
		"authorization.azure.upbound.io/RoleAssignment": {
			ID: func(o *Observation) string {
				name := o.ForProviderString("name")
				if name == "" {
					name = o.UUID()
				}
				return o.ForProviderString("scope") + "/providers/Microsoft.Authorization/roleAssignments/" + name
			},
			Copy: []string{"name", "principalId", "principalType", "scope", "roleDefinitionName", "description", "skipServicePrincipalAadCheck"},
			Extra: func(o *Observation) {
				role := sha256.Sum256([]byte(o.ForProviderString("roleDefinitionName")))
				o.Set("/subscriptions/"+AzureSubscriptionID+"/providers/Microsoft.Authorization/roleDefinitions/"+uuidOf(hex.EncodeToString(role[:16])), "roleDefinitionId")
			},
		},
		"containerservice.azure.upbound.io/KubernetesCluster": {
			ID: func(o *Observation) string {
				return azureResourceID(o, "Microsoft.ContainerService/managedClusters", o.Name())
			},
			Copy:  append([]string{"kubernetesVersion", "dnsPrefix", "skuTier", "privateClusterEnabled", "oidcIssuerEnabled", "workloadIdentityEnabled", "localAccountDisabled"}, common...),
			Extra: aksCluster,
		},
		"containerservice.azure.upbound.io/KubernetesClusterNodePool": {
			ID: func(o *Observation) string {
				return o.ForProviderString("kubernetesClusterId") + "/agentPools/" + o.Name()
			},
			Copy: []string{"kubernetesClusterId", "vmSize", "mode", "priority", "orchestratorVersion", "vnetSubnetId", "tags"},
		},
	}
	rules := make(map[string]Rule, len(kinds))
	for k, v := range kinds {
		rules[k] = v.Rule()
	}
	return rules
}

// aksCluster adds what AKS reports for a cluster: API server FQDNs, the OIDC
// issuer, the node resource group and the kubelet identity AKS creates in it.
// v1beta1 uses one-item lists where v1beta2 uses objects (kubeletIdentity,
// identity).
func aksCluster(o *Observation) {
	location := o.Region()
	prefix := o.ForProviderString("dnsPrefix")
	h := o.Hex(64)
	o.Set(fmt.Sprintf("%s-%s.hcp.%s.azmk8s.io", prefix, h[:8], location), "fqdn")
	o.Set(fmt.Sprintf("%s-%s.portal.hcp.%s.azmk8s.io", prefix, h[:8], location), "portalFqdn")
	if p, _ := o.ForProvider("privateClusterEnabled"); p == true {
		o.Set(fmt.Sprintf("%s-%s.%s.privatelink.%s.azmk8s.io", prefix, h[8:16], uuidOf(h[16:48]), location), "privateFqdn")
	}
	o.Set(fmt.Sprintf("https://%s.oic.prod-aks.azure.com/%s/%s/", location, AzureTenantID, uuidOf(h[32:64])), "oidcIssuerUrl")
	nodeGroup := o.ForProviderString("nodeResourceGroup")
	if nodeGroup == "" {
		nodeGroup = "MC_" + o.ForProviderString("resourceGroupName") + "_" + o.Name() + "_" + location
	}
	o.Set(nodeGroup, "nodeResourceGroup")
	o.Set(azureGroupID(nodeGroup), "nodeResourceGroupId")
	o.Set(o.ForProviderString("kubernetesVersion")+".3", "currentKubernetesVersion")
	kubelet := map[string]any{
		"clientId":               uuidOf(h[1:33]),
		"objectId":               uuidOf(h[31:63]),
		"userAssignedIdentityId": azureGroupID(nodeGroup) + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + o.Name() + "-agentpool",
	}
	identity := map[string]any{"type": "SystemAssigned", "tenantId": AzureTenantID, "principalId": uuidOf(h[2:34])}
	if v, ok := o.ForProvider("identity"); ok {
		if m, ok := v.(map[string]any); ok {
			identity = map[string]any{"tenantId": AzureTenantID}
			for k, fv := range m {
				identity[k] = fv
			}
		}
	}
	if o.GVK.Version == "v1beta1" {
		o.Set([]any{kubelet}, "kubeletIdentity")
		o.Set([]any{identity}, "identity")
	} else {
		o.Set(kubelet, "kubeletIdentity")
		o.Set(identity, "identity")
	}
	for _, f := range []string{"networkProfile", "defaultNodePool", "azureActiveDirectoryRoleBasedAccessControl", "apiServerAccessProfile"} {
		o.CopyFromForProvider(f)
	}
}

// selectorTargets returns the objects a selector field of o matches among
// objs: every object carrying all its matchLabels (matchControllerRef holds
// within one XR's resources), sorted by composition resource name.
func selectorTargets(sel map[string]any, objs []*Object) []*Object {
	labels, _ := sel["matchLabels"].(map[string]any)
	var out []*Object
	for _, t := range objs {
		ok := len(labels) > 0
		for k, v := range labels {
			if s, _ := v.(string); t.GetLabels()[k] != s {
				ok = false
			}
		}
		if ok {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return ResourceName(out[i]) < ResourceName(out[j]) })
	return out
}

// azureReferenceFields lists o's spec.forProvider fields set by selectors,
// with the selector, sorted by field name.
func azureReferenceFields(o *Object) ([]string, map[string]map[string]any) {
	fp, _, _ := unstructured.NestedMap(o.Object, "spec", "forProvider")
	sels := map[string]map[string]any{}
	var fields []string
	for k, v := range fp {
		field, ok := strings.CutSuffix(k, "Selector")
		m, isMap := v.(map[string]any)
		if !ok || !isMap {
			continue
		}
		if _, set := fp[field]; set {
			continue
		}
		sels[field] = m
		fields = append(fields, field)
	}
	sort.Strings(fields)
	return fields, sels
}

// resolveAzureNames fills the name fields (resourceGroupName,
// virtualNetworkName, ...) that Azure resources select, with the selected
// resource's external name, as provider-azure's reference resolution does
// before it creates a resource.
func resolveAzureNames(objs []*Object) {
	for _, o := range objs {
		if !isAzure(o) {
			continue
		}
		fields, sels := azureReferenceFields(o)
		for _, f := range fields {
			if !strings.HasSuffix(f, "Name") {
				continue
			}
			if ts := selectorTargets(sels[f], objs); len(ts) > 0 {
				if n := ts[0].GetAnnotations()[AnnotationExternalName]; n != "" {
					_ = unstructured.SetNestedField(o.Object, n, "spec", "forProvider", f)
				}
			}
		}
	}
}

// resolveAzureIDs fills the id fields (vnetSubnetId, parentId,
// kubernetesClusterId, identityIds, ...) an Azure resource selects with the
// selected resources' status.atProvider.id, once they are observed.
func resolveAzureIDs(o *Object, objs []*Object, observed map[*Object]bool) {
	fields, sels := azureReferenceFields(o)
	for _, f := range fields {
		if !strings.HasSuffix(f, "Id") && !strings.HasSuffix(f, "Ids") {
			continue
		}
		var ids []any
		for _, t := range selectorTargets(sels[f], objs) {
			if !observed[t] {
				continue
			}
			if id, _, _ := unstructured.NestedString(t.Object, "status", "atProvider", "id"); id != "" {
				ids = append(ids, id)
			}
		}
		switch {
		case len(ids) == 0:
		case strings.HasSuffix(f, "Ids"):
			_ = unstructured.SetNestedSlice(o.Object, ids, "spec", "forProvider", f)
		default:
			_ = unstructured.SetNestedField(o.Object, ids[0], "spec", "forProvider", f)
		}
	}
	// Nested objects select too (defaultNodePool.vnetSubnetIdSelector,
	// identity.identityIdsSelector): resolve one level down.
	fp, _, _ := unstructured.NestedMap(o.Object, "spec", "forProvider")
	keys := make([]string, 0, len(fp))
	for k := range fp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m, ok := fp[k].(map[string]any)
		if !ok || strings.HasSuffix(k, "Selector") {
			continue
		}
		for sk, sv := range m {
			field, ok := strings.CutSuffix(sk, "Selector")
			sel, isMap := sv.(map[string]any)
			if !ok || !isMap || m[field] != nil || (!strings.HasSuffix(field, "Id") && !strings.HasSuffix(field, "Ids")) {
				continue
			}
			var ids []any
			for _, t := range selectorTargets(sel, objs) {
				if id, _, _ := unstructured.NestedString(t.Object, "status", "atProvider", "id"); observed[t] && id != "" {
					ids = append(ids, id)
				}
			}
			switch {
			case len(ids) == 0:
			case strings.HasSuffix(field, "Ids"):
				_ = unstructured.SetNestedSlice(o.Object, ids, "spec", "forProvider", k, field)
			default:
				_ = unstructured.SetNestedField(o.Object, ids[0], "spec", "forProvider", k, field)
			}
		}
	}
}

// azureDependencies returns, for Azure resources, the indices of the objects
// their id selectors point at.
func azureDependencies(o *Object, objs []*Object, index map[*Object]int) []int {
	if !isAzure(o) {
		return nil
	}
	var deps []int
	add := func(sel map[string]any) {
		for _, t := range selectorTargets(sel, objs) {
			if t != o {
				deps = append(deps, index[t])
			}
		}
	}
	fp, _, _ := unstructured.NestedMap(o.Object, "spec", "forProvider")
	for k, v := range fp {
		if m, ok := v.(map[string]any); ok {
			if f, isSel := strings.CutSuffix(k, "Selector"); isSel {
				if strings.HasSuffix(f, "Id") || strings.HasSuffix(f, "Ids") {
					add(m)
				}
				continue
			}
			for sk, sv := range m {
				if f, isSel := strings.CutSuffix(sk, "Selector"); isSel && (strings.HasSuffix(f, "Id") || strings.HasSuffix(f, "Ids")) {
					if sm, ok := sv.(map[string]any); ok {
						add(sm)
					}
				}
			}
		}
	}
	sort.Ints(deps)
	return deps
}

// observeOrder orders objs so that an Azure resource comes after the
// resources whose ids it selects (their ids must exist to resolve it); the
// order is otherwise the input order. Cycles keep the input order.
func observeOrder(objs []*Object) []int {
	index := make(map[*Object]int, len(objs))
	for i, o := range objs {
		index[o] = i
	}
	done := make([]bool, len(objs))
	var order []int
	for len(order) < len(objs) {
		progress := false
		for i, o := range objs {
			if done[i] {
				continue
			}
			ready := true
			for _, d := range azureDependencies(o, objs, index) {
				if !done[d] {
					ready = false
					break
				}
			}
			if ready {
				done[i] = true
				order = append(order, i)
				progress = true
			}
		}
		if !progress {
			for i := range objs {
				if !done[i] {
					done[i] = true
					order = append(order, i)
				}
			}
		}
	}
	return order
}
