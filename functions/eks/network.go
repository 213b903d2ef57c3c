package main

import (
	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	ec2v1beta2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/internal/compose"
)

// Composition resource names of the network.
const (
	nameVPC             = "vpc"
	nameInternetGateway = "internet-gateway"
	namePublicRT        = "route-table-public"
	namePublicRoute     = "route-public-internet"
)

func nameSubnet(tier, zone string) string      { return "subnet-" + tier + "-" + zone }
func nameEIP(zone string) string               { return "nat-eip-" + zone }
func nameNAT(zone string) string               { return "nat-gateway-" + zone }
func namePrivateRT(zone string) string         { return "route-table-private-" + zone }
func namePrivateRoute(zone string) string      { return "route-private-nat-" + zone }
func nameRTA(tier, zone string) string         { return "route-table-association-" + tier + "-" + zone }
func tierLabels(tier string) map[string]string { return map[string]string{labelSubnetTier: tier} }

// Subnet tiers and the label that selects them.
const (
	tierPublic      = "public"
	tierPrivate     = "private"
	labelSubnetTier = "infrastructure.devsecops/subnet-tier"
)

// network composes the VPC: a public and a private subnet per zone, an
// internet gateway, NAT gateways (one per zone or a single one), route tables
// and the subnet tags load balancers and Karpenter discover subnets by.
func (s *spoke) network(set *compose.Set) {
	set.Add(nameVPC, &ec2v1beta1.VPC{
		ObjectMeta: s.meta(nil),
		Spec: ec2v1beta1.VPCSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: ec2v1beta1.VPCParameters_2{
				Region:             &s.region,
				CidrBlock:          compose.Ptr(s.plan.VPC.String()),
				EnableDNSHostnames: compose.Ptr(true),
				EnableDNSSupport:   compose.Ptr(true),
				Tags:               s.awsTags(nameVPC, nil),
			},
		},
	})
	set.Add(nameInternetGateway, &ec2v1beta1.InternetGateway{
		ObjectMeta: s.meta(nil),
		Spec: ec2v1beta1.InternetGatewaySpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: ec2v1beta1.InternetGatewayParameters_2{
				Region:        &s.region,
				VPCIDSelector: compose.Select(nameVPC),
				Tags:          s.awsTags(nameInternetGateway, nil),
			},
		},
	})

	clusterTag := "kubernetes.io/cluster/" + s.name
	for i, zone := range s.zones {
		set.Add(nameSubnet(tierPublic, zone), s.subnet(tierPublic, zone, s.plan.Public[i].String(), map[string]string{
			"kubernetes.io/role/elb": "1",
			clusterTag:               "shared",
		}))
		privateTags := map[string]string{
			"kubernetes.io/role/internal-elb": "1",
			clusterTag:                        "shared",
		}
		if s.karpenterOn {
			privateTags[karpenterDiscoveryTag] = s.name
		}
		set.Add(nameSubnet(tierPrivate, zone), s.subnet(tierPrivate, zone, s.plan.Private[i].String(), privateTags))
	}

	// Public routing: one table through the internet gateway.
	set.Add(namePublicRT, s.routeTable(namePublicRT))
	set.Add(namePublicRoute, &ec2v1beta2.Route{
		ObjectMeta: s.meta(nil),
		Spec: ec2v1beta2.RouteSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: ec2v1beta2.RouteParameters{
				Region:               &s.region,
				DestinationCidrBlock: compose.Ptr("0.0.0.0/0"),
				RouteTableIDSelector: compose.Select(namePublicRT),
				GatewayIDSelector:    compose.Select(nameInternetGateway),
			},
		},
	})
	for _, zone := range s.zones {
		set.Add(nameRTA(tierPublic, zone), s.association(namePublicRT, nameSubnet(tierPublic, zone)))
	}

	// NAT gateways in the public subnets; private tables route through the
	// zone's own gateway, or the single one.
	natZones := s.zones
	if s.p.Network.NATGateways == v1alpha1.NATSingle {
		natZones = s.zones[:1]
	}
	for _, zone := range natZones {
		set.Add(nameEIP(zone), &ec2v1beta1.EIP{
			ObjectMeta: s.meta(nil),
			Spec: ec2v1beta1.EIPSpec{
				ResourceSpec: s.resourceSpec(),
				ForProvider: ec2v1beta1.EIPParameters{
					Region: &s.region,
					Domain: compose.Ptr("vpc"),
					Tags:   s.awsTags(nameEIP(zone), nil),
				},
			},
		})
		set.Add(nameNAT(zone), &ec2v1beta1.NATGateway{
			ObjectMeta: s.meta(nil),
			Spec: ec2v1beta1.NATGatewaySpec{
				ResourceSpec: s.resourceSpec(),
				ForProvider: ec2v1beta1.NATGatewayParameters_2{
					Region:               &s.region,
					ConnectivityType:     compose.Ptr("public"),
					AllocationIDSelector: compose.Select(nameEIP(zone)),
					SubnetIDSelector:     compose.Select(nameSubnet(tierPublic, zone)),
					Tags:                 s.awsTags(nameNAT(zone), nil),
				},
			},
		})
	}
	for _, zone := range s.zones {
		nat := nameNAT(natZones[0])
		if len(natZones) > 1 {
			nat = nameNAT(zone)
		}
		set.Add(namePrivateRT(zone), s.routeTable(namePrivateRT(zone)))
		set.Add(namePrivateRoute(zone), &ec2v1beta2.Route{
			ObjectMeta: s.meta(nil),
			Spec: ec2v1beta2.RouteSpec{
				ResourceSpec: s.resourceSpec(),
				ForProvider: ec2v1beta2.RouteParameters{
					Region:               &s.region,
					DestinationCidrBlock: compose.Ptr("0.0.0.0/0"),
					RouteTableIDSelector: compose.Select(namePrivateRT(zone)),
					NATGatewayIDSelector: compose.Select(nat),
				},
			},
		})
		set.Add(nameRTA(tierPrivate, zone), s.association(namePrivateRT(zone), nameSubnet(tierPrivate, zone)))
	}
}

func (s *spoke) subnet(tier, zone, cidr string, tags map[string]string) *ec2v1beta1.Subnet {
	return &ec2v1beta1.Subnet{
		ObjectMeta: s.meta(tierLabels(tier)),
		Spec: ec2v1beta1.SubnetSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: ec2v1beta1.SubnetParameters_2{
				Region:              &s.region,
				AvailabilityZone:    compose.Ptr(zone),
				CidrBlock:           &cidr,
				MapPublicIPOnLaunch: compose.Ptr(false),
				VPCIDSelector:       compose.Select(nameVPC),
				Tags:                s.awsTags(nameSubnet(tier, zone), tags),
			},
		},
	}
}

func (s *spoke) routeTable(name string) *ec2v1beta1.RouteTable {
	return &ec2v1beta1.RouteTable{
		ObjectMeta: s.meta(nil),
		Spec: ec2v1beta1.RouteTableSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: ec2v1beta1.RouteTableParameters_2{
				Region:        &s.region,
				VPCIDSelector: compose.Select(nameVPC),
				Tags:          s.awsTags(name, nil),
			},
		},
	}
}

func (s *spoke) association(routeTable, subnet string) *ec2v1beta1.RouteTableAssociation {
	return &ec2v1beta1.RouteTableAssociation{
		ObjectMeta: s.meta(nil),
		Spec: ec2v1beta1.RouteTableAssociationSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: ec2v1beta1.RouteTableAssociationParameters{
				Region:               &s.region,
				RouteTableIDSelector: compose.Select(routeTable),
				SubnetIDSelector:     compose.Select(subnet),
			},
		},
	}
}

// meta returns object metadata carrying extra labels; names are left to
// Crossplane (generateName from the XR), AWS names are set with external
// names where they matter.
func (s *spoke) meta(labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Labels: labels}
}

// metaNamed returns object metadata whose external name (the AWS name) is set.
func (s *spoke) metaNamed(externalName string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Labels:      labels,
		Annotations: map[string]string{"crossplane.io/external-name": externalName},
	}
}

// resourceSpec points a managed resource at the spoke's ProviderConfig.
func (s *spoke) resourceSpec() xpv1.ResourceSpec {
	return xpv1.ResourceSpec{ProviderConfigReference: &xpv1.Reference{Name: s.providerConfig}}
}

// awsTags are the tags of one AWS resource: the platform's and the XR's tags,
// the resource's own, and a Name for the console.
func (s *spoke) awsTags(component string, own map[string]string) map[string]*string {
	return compose.Tags(s.tags, own, map[string]string{
		"Name":                           s.name + "-" + component,
		"infrastructure.devsecops/spoke": s.name,
	})
}
