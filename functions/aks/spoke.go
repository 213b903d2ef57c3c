package main

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/functions/aks/input/v1beta1"
	"github.com/devsecops/platform-functions/internal/compose"
	"github.com/devsecops/platform-functions/internal/netplan"
	"github.com/devsecops/platform-functions/internal/xr"
)

// Defaults used when neither the XR nor the function input set a value.
const (
	defaultProviderConfig    = "default"
	defaultSecretNamespace   = "crossplane-system"
	maxClusterNameLength     = 45 // keeps rg-<name>-nodes within 54 and the DNS prefix within 54
	maxResourceGroupLength   = 84 // <group>-nodes stays within Azure's 90
	azureReservedSubnetIPs   = 5  // Azure keeps five addresses of every subnet
	overlayNodePodPrefix     = 24 // Azure CNI overlay gives every node a /24 of the pod range
	surgePercent             = 33 // upgradeSettings.maxSurge of non-Spot pools
	defaultMaxPodsAzureCNI   = 30
	minVNetBits, maxVNetBits = 12, 24
)

// Networks AKS itself uses (AKS networking docs); no cluster range may
// overlap them.
var aksReserved = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.30.0.0/16"),
	netip.MustParsePrefix("172.31.0.0/16"),
	netip.MustParsePrefix("192.0.2.0/24"),
}

// tailnetRange is the CGNAT range Tailscale gives its devices; a spoke on
// the tailnet must not use it.
var tailnetRange = netip.MustParsePrefix("100.64.0.0/10")

var (
	reLocation    = regexp.MustCompile(`^[a-z][a-z0-9]{2,39}$`)
	reClusterName = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9-]*[a-zA-Z0-9])?$`)
	reGroupName   = regexp.MustCompile(`^[-\w._()]+$`)
	reK8sVersion  = regexp.MustCompile(`^1\.[0-9]+$`)
	rePoolName    = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
	reVMSize      = regexp.MustCompile(`^Standard_[A-Za-z0-9_]+$`)
	reUUID        = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	reZone        = regexp.MustCompile(`^[1-3]$`)
)

// spoke is a validated, defaulted XAKSCluster: everything the builders need.
type spoke struct {
	p                 v1alpha1.AKSClusterParameters
	name              string
	location          string
	version           string
	providerConfig    string
	resourceGroup     string
	nodeResourceGroup string
	tags              map[string]string
	vnet              netip.Prefix
	nodeSubnet        netip.Prefix
	podCIDR           netip.Prefix // invalid (zero) without the overlay
	serviceCIDR       netip.Prefix
	dnsServiceIP      string
	overlay           bool // Azure CNI overlay (chainingMode none)
	ciliumDataPlane   bool // AKS runs Cilium as the data plane
	private           bool
	karpenterOn       bool
	argoCD            bool
	hubPrincipalID    string
	connectionSecret  v1alpha1.SecretRef

	// waits lists the resources not composed yet and what each one waits
	// for; the ResourcesReady condition reports them.
	waits compose.Waits
}

// wait records that a resource is not composed yet because it needs an
// observation of another one.
func (s *spoke) wait(resource, needs string) { s.waits.Add(resource, needs) }

// newSpoke validates and defaults the parameters. xrName names the XR (its
// kubeconfig Secret); fallbackName is the claim's name or the XR's. It
// returns warnings for accepted but discouraged input, and an error naming
// every bad field and its fix.
func newSpoke(p v1alpha1.AKSClusterParameters, in *v1beta1.Input, xrName, fallbackName string) (*spoke, []string, error) {
	p.SetDefaults()
	errs := xr.NewFieldErrors("spec.parameters.")
	var warnings []string

	s := &spoke{p: p, location: p.Location}

	// Identity.
	if !reLocation.MatchString(p.Location) {
		hint := "westeurope"
		if n := strings.ToLower(strings.ReplaceAll(p.Location, " ", "")); reLocation.MatchString(n) {
			hint = n
		}
		errs.Add("location", "%q is not an Azure location name; use the programmatic name, lowercase without spaces, such as %s", p.Location, hint)
	}
	s.name = compose.FirstOf(p.ClusterName, fallbackName)
	switch {
	case !reClusterName.MatchString(s.name):
		errs.Add("clusterName", "%q is not a valid AKS cluster name (letters, digits and hyphens, starting with a letter and ending with a letter or digit); set clusterName", s.name)
	case len(s.name) > maxClusterNameLength:
		errs.Add("clusterName", "%q is %d characters; the DNS prefix and resource group names derived from it allow at most %d, so set a shorter clusterName", s.name, len(s.name), maxClusterNameLength)
	}
	s.resourceGroup = compose.FirstOf(p.ResourceGroupName, "rg-"+s.name)
	if p.ResourceGroupName != "" && (!reGroupName.MatchString(p.ResourceGroupName) || len(p.ResourceGroupName) > maxResourceGroupLength || strings.HasSuffix(p.ResourceGroupName, ".")) {
		errs.Add("resourceGroupName", "%q is not a valid resource group name (at most %d letters, digits, '-', '_', '.', '(' and ')', not ending with '.')", p.ResourceGroupName, maxResourceGroupLength)
	}
	s.nodeResourceGroup = s.resourceGroup + "-nodes"
	s.providerConfig = compose.FirstOf(p.ProviderConfigName, in.ProviderConfigName, defaultProviderConfig)
	s.connectionSecret = v1alpha1.SecretRef{Name: xrName + "-kubeconfig", Namespace: compose.FirstOf(in.ConnectionSecretNamespace, defaultSecretNamespace)}
	s.tags = map[string]string{}
	for k, v := range in.DefaultTags {
		s.tags[k] = v
	}
	for k, v := range p.Tags {
		s.tags[k] = v
	}
	validateTags(errs, p.Tags)

	// Version.
	s.version = compose.FirstOf(p.KubernetesVersion, in.DefaultKubernetesVersion, newestVersion())
	if !reK8sVersion.MatchString(s.version) {
		errs.Add("kubernetesVersion", "%q is not a minor version such as %q", s.version, newestVersion())
	} else if w, err := checkVersion(s.version); err != nil {
		errs.AddError(err)
	} else if w != "" {
		warnings = append(warnings, w)
	}

	// Cilium decides the cluster network.
	switch p.Cilium.ChainingMode {
	case v1alpha1.AKSCiliumChainingNone:
		s.overlay = true
		s.ciliumDataPlane = *p.Cilium.Enabled
	case v1alpha1.AKSCiliumChainingAzureCNI:
		if !*p.Cilium.Enabled {
			errs.Add("cilium.chainingMode", "azure-cni chains Cilium behind Azure CNI, so Argo CD must install Cilium, but cilium.enabled is false; set cilium.enabled: true, or chainingMode: none for the Cilium data plane AKS runs itself")
		}
	default:
		errs.Add("cilium.chainingMode", "%q is not none or azure-cni", p.Cilium.ChainingMode)
	}

	// Network.
	s.validateNetwork(errs, in)

	// API server.
	s.private = p.PrivateCluster()
	ranges := p.APIServerAccess.AuthorizedIPRanges
	switch {
	case s.private && len(ranges) > 0:
		errs.Add("apiServerAccess.authorizedIpRanges", "a private cluster cannot have authorized IP ranges (AKS allows one or the other); set apiServerAccess.privateCluster: false to keep a public API server limited to these ranges, or remove them")
	case !s.private && len(ranges) == 0:
		errs.Add("apiServerAccess.authorizedIpRanges", "is empty but apiServerAccess.privateCluster is false; list the ranges allowed to reach the public API server (0.0.0.0/0 must be written out explicitly), or keep the cluster private")
	}
	for i, c := range ranges {
		if pf, err := netip.ParsePrefix(c); err != nil || !pf.Addr().Is4() || pf.Masked() != pf {
			errs.Add(fmt.Sprintf("apiServerAccess.authorizedIpRanges[%d]", i), "%q is not a canonical IPv4 CIDR such as 203.0.113.0/24", c)
		}
	}

	// Cluster admins.
	for i, g := range p.ClusterAdmins {
		if !reUUID.MatchString(g) {
			errs.Add(fmt.Sprintf("clusterAdmins[%d]", i), "%q is not an Entra ID group object id such as 00000000-0000-0000-0000-000000000000", g)
		}
	}

	// Node pools.
	warnings = append(warnings, s.validatePools(errs)...)

	// Add-ons and Karpenter.
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
	switch p.Karpenter.Mode {
	case v1alpha1.AKSKarpenterSelfHosted:
	case v1alpha1.AKSKarpenterNAP:
		errs.Add("karpenter.mode", "nap (AKS Node Auto-Provisioning) cannot be switched on: provider-azure v2.3.0's KubernetesCluster has no nodeProvisioningProfile, so no Crossplane resource can set it; use mode: self-hosted (the function composes Karpenter's workload identity and Azure role assignments, Argo CD installs Karpenter's Azure provider) or switch NAP on outside Crossplane with az aks update --node-provisioning-mode Auto")
	default:
		errs.Add("karpenter.mode", "%q is not self-hosted or nap", p.Karpenter.Mode)
	}

	// Tailscale.
	if p.Tailscale.Enabled && p.Tailscale.AuthKeySecret == "" {
		errs.Add("tailscale.authKeySecret", "is empty but tailscale.enabled is true; name the Secret that holds the spoke's auth key")
	}

	// Argo CD.
	s.argoCD = *p.ArgoCD.Enabled
	s.hubPrincipalID = compose.FirstOf(p.ArgoCD.HubPrincipalID, in.ArgoCDHubPrincipalID)
	if s.hubPrincipalID != "" && !reUUID.MatchString(s.hubPrincipalID) {
		errs.Add("argocd.hubPrincipalId", "%q is not an Entra ID object id such as 00000000-0000-0000-0000-000000000000", s.hubPrincipalID)
	}

	if err := errs.Err(); err != nil {
		return nil, nil, err
	}
	return s, warnings, nil
}

// validateTags checks the XR's tags against Azure's rules for tag names and
// values.
func validateTags(errs *xr.FieldErrors, tags map[string]string) {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case k == "" || len(k) > 512:
			errs.Add("tags", "tag name %q must have 1 to 512 characters", k)
		case strings.ContainsAny(k, `<>%&\?/`):
			errs.Add("tags", `tag name %q contains one of < > %% & \ ? /, which Azure does not allow in tag names`, k)
		case len(tags[k]) > 256:
			errs.Add("tags", "the value of tag %q has %d characters; Azure allows 256", k, len(tags[k]))
		}
	}
}

// validateNetwork checks the virtual network, node subnet, pod and service
// ranges: each well formed, inside each other where they must be, and none
// overlapping another, AKS's own ranges, the tailnet or the hub's networks.
func (s *spoke) validateNetwork(errs *xr.FieldErrors, in *v1beta1.Input) {
	n := s.p.Network
	type named struct {
		field string
		p     netip.Prefix
	}
	var ranges []named

	vnet, err := netplan.ParsePrefix(n.VNetCIDR, v1alpha1.DefaultAKSVNetCIDR, minVNetBits, maxVNetBits, true)
	if err != nil {
		errs.Add("network.vnetCidr", "%v", err)
	} else {
		s.vnet = vnet
		ranges = append(ranges, named{"network.vnetCidr", vnet})
	}

	// The node subnet: the first quarter of the virtual network unless set.
	if n.NodeSubnetCIDR == "" {
		if vnet.IsValid() {
			quarters, _ := netplan.Split(vnet, 2)
			s.nodeSubnet = quarters[0]
		}
	} else if sub, err := netplan.ParsePrefix(n.NodeSubnetCIDR, "10.1.0.0/18", minVNetBits, 28, true); err != nil {
		errs.Add("network.nodeSubnetCidr", "%v", err)
	} else if vnet.IsValid() && (sub.Bits() < vnet.Bits() || !vnet.Contains(sub.Addr())) {
		errs.Add("network.nodeSubnetCidr", "%s is not inside the virtual network %s; pick a subnet of it, e.g. %s", sub, vnet, firstQuarter(vnet))
	} else {
		s.nodeSubnet = sub
	}

	// The overlay pod range; with azure-cni pods take node subnet IPs.
	if s.overlay {
		pod, err := netplan.ParsePrefix(compose.FirstOf(n.PodCIDR, v1alpha1.DefaultAKSPodCIDR), v1alpha1.DefaultAKSPodCIDR, 8, overlayNodePodPrefix, true)
		if err != nil {
			errs.Add("network.podCidr", "%v", err)
		} else {
			s.podCIDR = pod
			ranges = append(ranges, named{"network.podCidr", pod})
		}
	} else if n.PodCIDR != "" {
		errs.Add("network.podCidr", "is set but cilium.chainingMode azure-cni gives pods IPs from the node subnet (no overlay); remove podCidr, or use chainingMode: none for the overlay")
	}

	svc, err := netplan.ParsePrefix(n.ServiceCIDR, v1alpha1.DefaultAKSServiceCIDR, 12, 24, false)
	if err != nil {
		errs.Add("network.serviceCidr", "%v", err)
	} else {
		s.serviceCIDR = svc
		s.dnsServiceIP = netplan.Nth(svc, 10).String()
		ranges = append(ranges, named{"network.serviceCidr", svc})
	}

	// No two cluster ranges may overlap.
	for i := range ranges {
		for j := i + 1; j < len(ranges); j++ {
			if ranges[i].p.Overlaps(ranges[j].p) {
				errs.Add(ranges[j].field, "%s overlaps %s %s; the virtual network, pod and service ranges must be disjoint", ranges[j].p, strings.TrimPrefix(ranges[i].field, "network."), ranges[i].p)
			}
		}
	}
	// Nor AKS's own, the tailnet's or the hub's networks.
	for _, r := range ranges {
		for _, a := range aksReserved {
			if r.p.Overlaps(a) {
				errs.Add(r.field, "%s overlaps %s, which AKS reserves; pick another range", r.p, a)
			}
		}
		if s.p.Tailscale.Enabled && r.p.Overlaps(tailnetRange) {
			errs.Add(r.field, "%s overlaps %s, the addresses Tailscale gives its devices, and the spoke joins the tailnet; pick another range", r.p, tailnetRange)
		}
		for i, res := range in.ReservedCIDRs {
			rp, err := netip.ParsePrefix(res)
			if err != nil {
				if r.field == "network.vnetCidr" {
					errs.Add(r.field, "the function input's reservedCidrs[%d] %q is not a CIDR; fix the Composition", i, res)
				}
				continue
			}
			if r.p.Overlaps(rp) {
				errs.Add(r.field, "%s overlaps %s, which the platform reserves (the hub's networks reached over Tailscale); pick another range", r.p, rp)
			}
		}
	}
}

// firstQuarter is the default node subnet of a virtual network.
func firstQuarter(vnet netip.Prefix) netip.Prefix {
	q, err := netplan.Split(vnet, 2)
	if err != nil {
		return vnet
	}
	return q[0]
}

// pool is what sizing and the builders need of a node pool, default or extra.
type pool struct {
	field     string
	name      string
	nodeCount int
	minCount  *int
	maxCount  *int
	maxPods   *int
	spot      bool
	system    bool
}

// maxNodes is the most nodes the pool runs: maxCount with autoscaling, else
// nodeCount.
func (p pool) maxNodes() int {
	if p.maxCount != nil {
		return *p.maxCount
	}
	return p.nodeCount
}

// surge is the extra nodes an upgrade adds (Spot pools take no surge).
func (p pool) surge() int {
	if p.spot {
		return 0
	}
	return (p.maxNodes()*surgePercent + 99) / 100
}

// pools returns the default pool followed by the extra pools.
func (s *spoke) pools() []pool {
	d := s.p.DefaultNodePool
	out := []pool{{field: "defaultNodePool", name: d.Name, nodeCount: *d.NodeCount, minCount: d.MinCount, maxCount: d.MaxCount, maxPods: d.MaxPods, system: true}}
	for i, np := range s.p.NodePools {
		out = append(out, pool{
			field: fmt.Sprintf("nodePools[%d]", i), name: np.Name, nodeCount: *np.NodeCount,
			minCount: np.MinCount, maxCount: np.MaxCount, maxPods: np.MaxPods,
			spot: np.Priority == v1alpha1.AKSPoolPrioritySpot, system: np.Mode == v1alpha1.AKSPoolModeSystem,
		})
	}
	return out
}

// validatePools checks names, sizes and combinations of the node pools, and
// that the node subnet (and the overlay pod range) hold every node.
func (s *spoke) validatePools(errs *xr.FieldErrors) []string {
	var warnings []string
	seen := map[string]string{}
	d := s.p.DefaultNodePool
	for _, pl := range s.pools() {
		switch {
		case !rePoolName.MatchString(pl.name):
			errs.Add(pl.field+".name", "%q is not a valid AKS node pool name (lowercase letters and digits, starting with a letter, at most 12 characters)", pl.name)
		case seen[pl.name] != "":
			errs.Add(pl.field+".name", "%q is also the name of %s; node pool names must be unique", pl.name, seen[pl.name])
		}
		seen[pl.name] = pl.field
		if pl.field != "defaultNodePool" {
			if pl.name == rotationName(d.Name) {
				errs.Add(pl.field+".name", "%q is the temporary pool AKS creates while it rotates the default pool %q; pick another name", pl.name, d.Name)
			}
		}

		minN := 0
		if pl.system {
			minN = 1
		}
		switch {
		case (pl.minCount == nil) != (pl.maxCount == nil):
			errs.Add(pl.field, "set both minCount and maxCount to autoscale the pool, or neither")
		case pl.minCount != nil && *pl.minCount > *pl.maxCount:
			errs.Add(pl.field+".minCount", "%d is greater than maxCount %d; lower minCount or raise maxCount", *pl.minCount, *pl.maxCount)
		case pl.minCount != nil && *pl.minCount < minN:
			errs.Add(pl.field+".minCount", "%d: a System pool needs at least one node; set minCount >= 1", *pl.minCount)
		case pl.maxCount != nil && *pl.maxCount > 1000:
			errs.Add(pl.field+".maxCount", "%d exceeds AKS's 1000 nodes per pool", *pl.maxCount)
		case pl.minCount != nil && (pl.nodeCount < *pl.minCount || pl.nodeCount > *pl.maxCount):
			errs.Add(pl.field+".nodeCount", "%d is outside minCount..maxCount (%d..%d); set a nodeCount in that range", pl.nodeCount, *pl.minCount, *pl.maxCount)
		case pl.nodeCount < minN:
			errs.Add(pl.field+".nodeCount", "%d: a System pool needs at least one node; set nodeCount >= 1", pl.nodeCount)
		case pl.nodeCount < 0 || pl.nodeCount > 1000:
			errs.Add(pl.field+".nodeCount", "%d is outside 0..1000", pl.nodeCount)
		}
		if pl.spot && pl.system {
			errs.Add(pl.field+".mode", "a Spot pool cannot be a System pool (AKS evicts Spot nodes); set mode: User or priority: Regular")
		}
		if pl.maxPods != nil && (*pl.maxPods < 10 || *pl.maxPods > 250) {
			errs.Add(pl.field+".maxPods", "%d is outside AKS's 10..250", *pl.maxPods)
		}
	}
	if !reVMSize.MatchString(d.VMSize) {
		errs.Add("defaultNodePool.vmSize", "%q is not an Azure VM size such as Standard_D2s_v3", d.VMSize)
	}
	for i, z := range d.Zones {
		if !reZone.MatchString(z) {
			errs.Add(fmt.Sprintf("defaultNodePool.zones[%d]", i), "%q is not an availability zone (1, 2 or 3)", z)
		}
	}
	for i, np := range s.p.NodePools {
		if !reVMSize.MatchString(np.VMSize) {
			errs.Add(fmt.Sprintf("nodePools[%d].vmSize", i), "%q is not an Azure VM size such as Standard_D2s_v3", np.VMSize)
		}
		for j, z := range np.Zones {
			if !reZone.MatchString(z) {
				errs.Add(fmt.Sprintf("nodePools[%d].zones[%d]", i, j), "%q is not an availability zone (1, 2 or 3)", z)
			}
		}
	}
	if !d.Autoscaling() && *d.NodeCount == 1 {
		warnings = append(warnings, "spec.parameters.defaultNodePool.nodeCount: a single system node leaves the cluster without CoreDNS and Cilium operator redundancy; use 2 or more")
	}

	// Sizing: the node subnet holds every node (and, without the overlay,
	// every pod), including upgrade surge nodes; the overlay range gives
	// every node a /24. Karpenter's nodes come on top.
	if !s.nodeSubnet.IsValid() {
		return warnings
	}
	nodes, ips := 0, 0
	for _, pl := range s.pools() {
		n := pl.maxNodes() + pl.surge()
		nodes += n
		perNode := 1
		if !s.overlay {
			maxPods := defaultMaxPodsAzureCNI
			if pl.maxPods != nil {
				maxPods = *pl.maxPods
			}
			perNode += maxPods
		}
		ips += n * perNode
	}
	usable := int(netplan.Addresses(s.nodeSubnet)) - azureReservedSubnetIPs
	field := "network.nodeSubnetCidr"
	if ips > usable {
		what := fmt.Sprintf("%d nodes at most (with upgrade surge)", nodes)
		if !s.overlay {
			what = fmt.Sprintf("%d nodes at most (with upgrade surge) and their pods: %d addresses with chainingMode azure-cni", nodes, ips)
		}
		errs.Add(field, "%s has %d usable addresses but the node pools need %s; use a larger nodeSubnetCidr (and vnetCidr) or smaller pools", s.nodeSubnet, usable, what)
	}
	if s.podCIDR.IsValid() {
		if capacity := 1 << (overlayNodePodPrefix - s.podCIDR.Bits()); nodes > capacity {
			errs.Add("network.podCidr", "%s holds %d node ranges (/24 each) but the node pools need %d; use a larger podCidr", s.podCIDR, capacity, nodes)
		}
	}
	return warnings
}
