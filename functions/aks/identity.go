package main

import (
	"crypto/sha256"
	"fmt"

	authorizationv1beta1 "github.com/upbound/provider-azure/v2/apis/cluster/authorization/v1beta1"
	managedidentityv1beta1 "github.com/upbound/provider-azure/v2/apis/cluster/managedidentity/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devsecops/platform-functions/internal/compose"
)

// Composition resource names of the control plane's identity.
const (
	nameControlPlaneIdentity = "identity-control-plane"
	nameControlPlaneNetwork  = "role-control-plane-network"
)

// Azure built-in roles the spoke assigns, by name.
const (
	roleNetworkContributor        = "Network Contributor"
	roleVirtualMachineContributor = "Virtual Machine Contributor"
	roleManagedIdentityOperator   = "Managed Identity Operator"
	roleAKSRBACClusterAdmin       = "Azure Kubernetes Service RBAC Cluster Admin"
)

// Observed fields the builders read.
const (
	pathID          = "status.atProvider.id"
	pathPrincipalID = "status.atProvider.principalId"
	pathClientID    = "status.atProvider.clientId"
)

// controlPlaneIdentity composes the user-assigned identity the AKS control
// plane runs as, and gives it Network Contributor on the node subnet, which
// AKS needs to join nodes and internal load balancers to a subnet it does not
// own. The assignment appears once the identity's principal and the subnet's
// id are observed (RoleAssignment has no reference fields for them).
func (s *spoke) controlPlaneIdentity(set *compose.Set, observed compose.Observed) {
	s.identity(set, nameControlPlaneIdentity, "id-"+s.name+"-control-plane")
	s.assignRole(set, observed, nameControlPlaneNetwork, roleNetworkContributor,
		"AKS control plane of "+s.name+" joins nodes and load balancers to the node subnet",
		observedField(nameControlPlaneIdentity, pathPrincipalID, "principal id"), observedField(nameNodeSubnet, pathID, "id"))
}

// identity composes a user-assigned managed identity in the spoke's group.
func (s *spoke) identity(set *compose.Set, name, azureName string) {
	set.Add(name, &managedidentityv1beta1.UserAssignedIdentity{
		ObjectMeta: metav1.ObjectMeta{},
		Spec: managedidentityv1beta1.UserAssignedIdentitySpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: managedidentityv1beta1.UserAssignedIdentityParameters{
				Name:                      &azureName,
				Location:                  &s.location,
				ResourceGroupNameSelector: compose.Select(nameResourceGroup),
				Tags:                      s.azureTags(name),
			},
		},
	})
}

// source is a value a resource is built from: known (value) or read from an
// observed resource's field.
type source struct{ value, resource, path, what string }

// observedField is a source read from an observed resource.
func observedField(resource, path, what string) source {
	return source{resource: resource, path: path, what: what}
}

// known is a source known without observing anything.
func known(value string) source { return source{value: value} }

// get returns the source's value, or "" while it is not observed.
func (src source) get(observed compose.Observed) string {
	if src.value != "" {
		return src.value
	}
	return observed.String(src.resource, src.path)
}

// assignRole composes a role assignment of a built-in role to the principal
// read from principal, at the scope read from scope. Both come from observed
// resources, so the assignment appears once they are known and is kept from
// its own observed spec if they briefly vanish. Its name (a GUID) is derived
// from scope, role and principal, so a retried create finds the same
// assignment instead of adding a second one.
func (s *spoke) assignRole(set *compose.Set, observed compose.Observed, name, role, description string, principal, scope source) {
	pid := compose.FirstOf(principal.get(observed), observed.String(name, "spec.forProvider.principalId"))
	sc := compose.FirstOf(scope.get(observed), observed.String(name, "spec.forProvider.scope"))
	if pid == "" || sc == "" {
		var needs []string
		if pid == "" {
			needs = append(needs, "the "+principal.what+" of "+principal.resource)
		}
		if sc == "" {
			needs = append(needs, "the "+scope.what+" of "+scope.resource)
		}
		s.wait(name, joinAnd(needs))
		return
	}
	s.roleAssignment(set, name, role, description, pid, sc)
}

// roleAssignment composes a role assignment with known principal and scope.
func (s *spoke) roleAssignment(set *compose.Set, name, role, description, principalID, scope string) {
	set.Add(name, &authorizationv1beta1.RoleAssignment{
		ObjectMeta: metav1.ObjectMeta{},
		Spec: authorizationv1beta1.RoleAssignmentSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: authorizationv1beta1.RoleAssignmentParameters{
				Name:               compose.Ptr(guid(scope, role, principalID)),
				RoleDefinitionName: &role,
				PrincipalID:        &principalID,
				Scope:              &scope,
				Description:        &description,
				// A new identity takes a while to replicate through Entra ID;
				// naming its type skips the lookup that would fail meanwhile.
				PrincipalType:                compose.Ptr("ServicePrincipal"),
				SkipServicePrincipalAADCheck: compose.Ptr(true),
			},
		},
	})
}

// guid derives a GUID (RFC 9562 version 8, name based) from parts.
func guid(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x80 // version 8
	b[8] = b[8]&0x3f | 0x80 // variant 10
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// joinAnd joins a, b and c as "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	out := items[0]
	for _, it := range items[1 : len(items)-1] {
		out += ", " + it
	}
	return out + " and " + items[len(items)-1]
}
