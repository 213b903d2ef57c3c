package main

import (
	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	azurev1beta1 "github.com/upbound/provider-azure/v2/apis/cluster/azure/v1beta1"
	networkv1beta2 "github.com/upbound/provider-azure/v2/apis/cluster/network/v1beta2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devsecops/platform-functions/internal/compose"
)

// Composition resource names of the network.
const (
	nameResourceGroup = "resource-group"
	nameVNet          = "vnet"
	nameNodeSubnet    = "subnet-nodes"
)

// Azure names of the network.
func (s *spoke) vnetName() string { return "vnet-" + s.name }

const nodeSubnetName = "snet-nodes"

// network composes the spoke's resource group, its virtual network and the
// node subnet. The subnet has no default outbound access: nodes leave
// through the cluster's load balancer.
func (s *spoke) network(set *compose.Set) {
	set.Add(nameResourceGroup, &azurev1beta1.ResourceGroup{
		ObjectMeta: s.metaNamed(s.resourceGroup),
		Spec: azurev1beta1.ResourceGroupSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: azurev1beta1.ResourceGroupParameters{
				Location: &s.location,
				Tags:     s.azureTags(nameResourceGroup),
			},
		},
	})
	set.Add(nameVNet, &networkv1beta2.VirtualNetwork{
		ObjectMeta: s.metaNamed(s.vnetName()),
		Spec: networkv1beta2.VirtualNetworkSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: networkv1beta2.VirtualNetworkParameters{
				Location:                  &s.location,
				ResourceGroupNameSelector: compose.Select(nameResourceGroup),
				AddressSpace:              []*string{compose.Ptr(s.vnet.String())},
				Tags:                      s.azureTags(nameVNet),
			},
		},
	})
	set.Add(nameNodeSubnet, &networkv1beta2.Subnet{
		ObjectMeta: s.metaNamed(nodeSubnetName),
		Spec: networkv1beta2.SubnetSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: networkv1beta2.SubnetParameters{
				ResourceGroupNameSelector:    compose.Select(nameResourceGroup),
				VirtualNetworkNameSelector:   compose.Select(nameVNet),
				AddressPrefixes:              []*string{compose.Ptr(s.nodeSubnet.String())},
				DefaultOutboundAccessEnabled: compose.Ptr(false),
			},
		},
	})
}

// metaNamed returns object metadata whose external name (the Azure name) is
// set; names of the Kubernetes objects are left to Crossplane.
func (s *spoke) metaNamed(externalName string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Annotations: map[string]string{"crossplane.io/external-name": externalName}}
}

// resourceSpec points a managed resource at the spoke's ProviderConfig.
func (s *spoke) resourceSpec() xpv1.ResourceSpec {
	return xpv1.ResourceSpec{ProviderConfigReference: &xpv1.Reference{Name: s.providerConfig}}
}

// azureTags are the tags of one Azure resource: the platform's and the XR's
// tags, and which spoke and component it belongs to. Azure tag names cannot
// contain '/', so these keys differ from the AWS ones.
func (s *spoke) azureTags(component string) map[string]*string {
	return compose.Tags(s.tags, map[string]string{
		"devsecops-spoke":     s.name,
		"devsecops-component": component,
	})
}
