package main

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/functions/eks/input/v1beta1"
	"github.com/devsecops/platform-functions/internal/compose"
	"github.com/devsecops/platform-functions/internal/netplan"
	"github.com/devsecops/platform-functions/internal/xr"
)

// Defaults used when neither the XR nor the function input set a value.
const (
	defaultProviderConfig = "default"
	defaultServiceCIDR    = "172.20.0.0/16"
	maxClusterNameLength  = 38 // keeps "<name>-karpenter-node" within IAM's 64
)

var (
	reRegion       = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`)
	reClusterName  = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*$`)
	reK8sVersion   = regexp.MustCompile(`^1\.[0-9]+$`)
	reZone         = regexp.MustCompile(`^[a-z]$`)
	reIAMPrincipal = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$`)
	reIAMRole      = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`)
)

// spoke is a validated, defaulted XEKSCluster: everything the builders need.
type spoke struct {
	p              v1alpha1.EKSClusterParameters
	name           string
	region         string
	partition      string
	version        string
	providerConfig string
	tags           map[string]string
	zones          []string
	plan           netplan.Plan
	serviceCIDR    string
	karpenterOn    bool
	interruption   bool
	argoCD         bool
	hubRoleARN     string

	// waits lists the resources not composed yet and the observation each
	// one waits for; the ResourcesReady condition reports them.
	waits compose.Waits
}

// wait records that a resource is not composed yet because it needs an
// observation of another one.
func (s *spoke) wait(resource, needs string) { s.waits.Add(resource, needs) }

// newSpoke validates and defaults the parameters. It returns warnings for
// accepted but discouraged input, and an error naming every bad field and its
// fix.
func newSpoke(p v1alpha1.EKSClusterParameters, in *v1beta1.Input, fallbackName string) (*spoke, []string, error) {
	p.SetDefaults()
	errs := xr.NewFieldErrors("spec.parameters.")
	var warnings []string

	s := &spoke{p: p, region: p.Region}

	// Identity.
	if !reRegion.MatchString(p.Region) {
		errs.Add("region", "%q is not an AWS region such as eu-west-1", p.Region)
	}
	s.partition = partition(p.Region)
	s.name = compose.FirstOf(p.ClusterName, fallbackName)
	switch {
	case !reClusterName.MatchString(s.name):
		errs.Add("clusterName", "%q is not a valid EKS cluster name (letters, digits and hyphens, starting with a letter); set clusterName", s.name)
	case len(s.name) > maxClusterNameLength:
		errs.Add("clusterName", "%q is %d characters; IAM role names derived from it allow at most %d, so set a shorter clusterName", s.name, len(s.name), maxClusterNameLength)
	}
	s.providerConfig = compose.FirstOf(p.ProviderConfigName, in.ProviderConfigName, defaultProviderConfig)
	s.tags = map[string]string{}
	for k, v := range in.DefaultTags {
		s.tags[k] = v
	}
	for k, v := range p.Tags {
		s.tags[k] = v
	}

	// Version.
	s.version = compose.FirstOf(p.KubernetesVersion, in.DefaultKubernetesVersion, newestVersion())
	if !reK8sVersion.MatchString(s.version) {
		errs.Add("kubernetesVersion", "%q is not a minor version such as %q", s.version, newestVersion())
	} else if w, err := checkVersion(s.version); err != nil {
		errs.AddError(err)
	} else if w != "" {
		warnings = append(warnings, w)
	}

	// Network.
	s.validateNetwork(errs, in)

	// Endpoint.
	if p.EndpointAccess.Public && len(p.EndpointAccess.PublicAccessCIDRs) == 0 {
		errs.Add("endpointAccess.publicAccessCidrs", "is empty but endpointAccess.public is true; list the CIDRs allowed to reach the public API endpoint (0.0.0.0/0 must be written out explicitly)")
	}
	if !p.EndpointAccess.Public && len(p.EndpointAccess.PublicAccessCIDRs) > 0 {
		errs.Add("endpointAccess.publicAccessCidrs", "has no effect while endpointAccess.public is false; set public: true or remove the CIDRs")
	}
	for i, c := range p.EndpointAccess.PublicAccessCIDRs {
		if pf, err := netip.ParsePrefix(c); err != nil || !pf.Addr().Is4() || pf.Masked() != pf {
			errs.Add(fmt.Sprintf("endpointAccess.publicAccessCidrs[%d]", i), "%q is not a canonical IPv4 CIDR such as 203.0.113.0/24", c)
		}
	}

	// Cluster admins.
	for i, a := range p.ClusterAdmins {
		if !reIAMPrincipal.MatchString(a) {
			errs.Add(fmt.Sprintf("clusterAdmins[%d]", i), "%q is not an IAM role or user ARN such as arn:aws:iam::123456789012:role/platform-admin", a)
		}
	}

	// Node groups.
	seen := map[string]bool{}
	for i, ng := range p.NodeGroups {
		f := fmt.Sprintf("nodeGroups[%d]", i)
		if ng.Name == "" {
			errs.Add(f+".name", "is required")
		} else if seen[ng.Name] {
			errs.Add(f+".name", "%q is used by another node group; node group names must be unique", ng.Name)
		}
		seen[ng.Name] = true
		minS, maxS, des := *ng.MinSize, *ng.MaxSize, *ng.DesiredSize
		switch {
		case minS < 0 || maxS < 1:
			errs.Add(f, "minSize must be >= 0 and maxSize >= 1 (got minSize %d, maxSize %d)", minS, maxS)
		case minS > maxS:
			errs.Add(f+".minSize", "%d is greater than maxSize %d; lower minSize or raise maxSize", minS, maxS)
		case des < minS || des > maxS:
			errs.Add(f+".desiredSize", "%d is outside minSize..maxSize (%d..%d); set a desiredSize in that range", des, minS, maxS)
		}
		if len(ng.InstanceTypes) == 0 {
			errs.Add(f+".instanceTypes", "is empty; list at least one EC2 instance type such as t3.medium")
		}
		if ng.CapacityType == "SPOT" && len(ng.InstanceTypes) < 2 {
			warnings = append(warnings, fmt.Sprintf("spec.parameters.%s.instanceTypes: a SPOT node group with one instance type is interrupted often; list several types", f))
		}
	}

	// Add-ons.
	known := map[string]bool{}
	for _, a := range v1alpha1.KnownAddons {
		known[a] = true
	}
	for i, a := range p.Addons {
		if !known[string(a)] {
			errs.Add(fmt.Sprintf("addons[%d]", i), "unknown addon %q; known addons are %s", a, strings.Join(v1alpha1.KnownAddons, ", "))
		}
	}
	if p.Karpenter.Enabled != nil && !*p.Karpenter.Enabled && p.HasAddon(v1alpha1.AddonKarpenter) {
		errs.Add("karpenter.enabled", "is false but addons lists karpenter; remove karpenter from addons or the enabled: false")
	}
	s.karpenterOn = p.KarpenterEnabled()
	s.interruption = s.karpenterOn && *p.Karpenter.InterruptionHandling

	// Argo CD.
	s.argoCD = *p.ArgoCD.Enabled
	s.hubRoleARN = compose.FirstOf(p.ArgoCD.HubRoleARN, in.ArgoCDHubRoleARN)
	if s.hubRoleARN != "" && !reIAMRole.MatchString(s.hubRoleARN) {
		errs.Add("argocd.hubRoleArn", "%q is not an IAM role ARN such as arn:aws:iam::123456789012:role/argocd", s.hubRoleARN)
	}

	// Tailscale.
	if p.Tailscale.Enabled && p.Tailscale.AuthKeySecret == "" {
		errs.Add("tailscale.authKeySecret", "is empty but tailscale.enabled is true; name the Secret that holds the spoke's auth key")
	}

	if err := errs.Err(); err != nil {
		return nil, nil, err
	}
	return s, warnings, nil
}

func (s *spoke) validateNetwork(errs *xr.FieldErrors, in *v1beta1.Input) {
	n := s.p.Network
	vpc, err := netplan.ParseVPC(n.VPCCIDR)
	if err != nil {
		errs.Add("network.vpcCidr", "%v", err)
	}
	// Zones.
	if len(n.AvailabilityZones) > 0 {
		seen := map[string]bool{}
		for i, z := range n.AvailabilityZones {
			if !strings.HasPrefix(z, s.region) || !reZone.MatchString(strings.TrimPrefix(z, s.region)) {
				errs.Add(fmt.Sprintf("network.availabilityZones[%d]", i), "%q is not a zone of region %s (such as %sa)", z, s.region, s.region)
			}
			if seen[z] {
				errs.Add(fmt.Sprintf("network.availabilityZones[%d]", i), "%q is listed twice", z)
			}
			seen[z] = true
		}
		s.zones = append([]string(nil), n.AvailabilityZones...)
	} else {
		if n.AZCount > netplan.MaxZones {
			errs.Add("network.azCount", "%d zones requested; at most %d are supported", n.AZCount, netplan.MaxZones)
		}
		for i := 0; i < n.AZCount && i < netplan.MaxZones; i++ {
			s.zones = append(s.zones, s.region+string(rune('a'+i)))
		}
	}
	if len(s.zones) < 2 {
		errs.Add("network.availabilityZones", "EKS needs subnets in at least two availability zones; list two or more zones (or set azCount >= 2)")
	}
	if len(s.zones) > netplan.MaxZones {
		errs.Add("network.availabilityZones", "%d zones listed; at most %d are supported", len(s.zones), netplan.MaxZones)
	}
	if n.NATGateways != v1alpha1.NATOnePerAZ && n.NATGateways != v1alpha1.NATSingle {
		errs.Add("network.natGateways", "%q is not OnePerAZ or Single", n.NATGateways)
	}

	// Service CIDR: must not overlap the VPC.
	s.serviceCIDR = compose.FirstOf(n.ServiceCIDR, defaultServiceCIDR)
	svc, err := netip.ParsePrefix(s.serviceCIDR)
	switch {
	case err != nil || !svc.Addr().Is4() || svc.Masked() != svc:
		errs.Add("network.serviceCidr", "%q is not a canonical IPv4 CIDR such as 172.20.0.0/16", s.serviceCIDR)
	case svc.Bits() < 12 || svc.Bits() > 24:
		errs.Add("network.serviceCidr", "%q must be between /12 and /24 (an EKS limit)", s.serviceCIDR)
	case vpc.IsValid() && vpc.Overlaps(svc):
		errs.Add("network.serviceCidr", "%s overlaps the VPC CIDR %s; pick a service range outside the VPC, e.g. 172.20.0.0/16", svc, vpc)
	}

	// Hub networks reached over Tailscale must not overlap the spoke's VPC.
	for i, r := range in.ReservedCIDRs {
		rp, err := netip.ParsePrefix(r)
		if err != nil {
			errs.Add("network.vpcCidr", "the function input's reservedCidrs[%d] %q is not a CIDR; fix the Composition", i, r)
			continue
		}
		if vpc.IsValid() && vpc.Overlaps(rp) {
			errs.Add("network.vpcCidr", "%s overlaps %s, which the platform reserves (the hub's networks reached over Tailscale); pick another range, e.g. 10.1.0.0/16", vpc, rp)
		}
	}

	if vpc.IsValid() && len(s.zones) >= 1 && len(s.zones) <= netplan.MaxZones {
		plan, err := netplan.New(vpc, len(s.zones))
		if err != nil {
			errs.Add("network.vpcCidr", "%v", err)
		}
		s.plan = plan
	}
}

// partition returns the AWS partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	default:
		return "aws"
	}
}
