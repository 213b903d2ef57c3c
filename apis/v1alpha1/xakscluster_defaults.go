package v1alpha1

// Defaults for XAKSCluster parameters. They mirror the +kubebuilder:default
// markers on the types (a test keeps the two in step), so that a function sees
// the same spec whether or not the API server defaulted it. Defaults that
// depend on other fields (the node subnet, the overlay pod range) are left to
// the function and documented on the fields.
const (
	DefaultAKSVNetCIDR       = "10.1.0.0/16"
	DefaultAKSServiceCIDR    = "172.21.0.0/16"
	DefaultAKSPoolName       = "system"
	DefaultAKSVMSize         = "Standard_D2s_v3"
	DefaultAKSNodeCount      = 2
	DefaultAKSUserNodeCount  = 1
	DefaultAKSOSDiskSizeGB   = 128
	DefaultAKSOSSku          = "Ubuntu"
	DefaultAKSPodCIDR        = "192.168.0.0/16"
	DefaultAKSPrivateCluster = true
)

// DefaultAKSZones are the availability zones node pools spread over.
var DefaultAKSZones = []string{"1", "2", "3"}

// SetDefaults fills every unset field of p with its default. It never
// overrides a value the user set.
func (p *AKSClusterParameters) SetDefaults() {
	if p.Network.VNetCIDR == "" {
		p.Network.VNetCIDR = DefaultAKSVNetCIDR
	}
	if p.Network.ServiceCIDR == "" {
		p.Network.ServiceCIDR = DefaultAKSServiceCIDR
	}
	if p.APIServerAccess.PrivateCluster == nil {
		p.APIServerAccess.PrivateCluster = ptr(DefaultAKSPrivateCluster)
	}
	p.DefaultNodePool.SetDefaults()
	for i := range p.NodePools {
		p.NodePools[i].SetDefaults()
	}
	if p.Cilium.Enabled == nil {
		p.Cilium.Enabled = ptr(true)
	}
	if p.Cilium.ChainingMode == "" {
		p.Cilium.ChainingMode = AKSCiliumChainingNone
	}
	if p.Karpenter.Mode == "" {
		p.Karpenter.Mode = AKSKarpenterSelfHosted
	}
	if p.ArgoCD.Enabled == nil {
		p.ArgoCD.Enabled = ptr(true)
	}
	p.Tailscale.SetDefaults()
}

// SetDefaults fills every unset field of the default node pool.
func (n *AKSDefaultNodePool) SetDefaults() {
	if n.Name == "" {
		n.Name = DefaultAKSPoolName
	}
	if n.VMSize == "" {
		n.VMSize = DefaultAKSVMSize
	}
	if n.NodeCount == nil {
		n.NodeCount = ptr(DefaultAKSNodeCount)
	}
	if n.OSDiskSizeGB == 0 {
		n.OSDiskSizeGB = DefaultAKSOSDiskSizeGB
	}
	if n.OSSku == "" {
		n.OSSku = DefaultAKSOSSku
	}
	if n.Zones == nil {
		n.Zones = append([]string(nil), DefaultAKSZones...)
	}
}

// SetDefaults fills every unset field of an extra node pool.
func (n *AKSNodePool) SetDefaults() {
	if n.VMSize == "" {
		n.VMSize = DefaultAKSVMSize
	}
	if n.NodeCount == nil {
		n.NodeCount = ptr(DefaultAKSUserNodeCount)
	}
	if n.OSDiskSizeGB == 0 {
		n.OSDiskSizeGB = DefaultAKSOSDiskSizeGB
	}
	if n.OSSku == "" {
		n.OSSku = DefaultAKSOSSku
	}
	if n.Mode == "" {
		n.Mode = AKSPoolModeUser
	}
	if n.Priority == "" {
		n.Priority = AKSPoolPriorityRegular
	}
	if n.Zones == nil {
		n.Zones = append([]string(nil), DefaultAKSZones...)
	}
}

// Autoscaling reports whether the pool is autoscaled (minCount and maxCount set).
func (n *AKSDefaultNodePool) Autoscaling() bool { return n.MinCount != nil && n.MaxCount != nil }

// Autoscaling reports whether the pool is autoscaled (minCount and maxCount set).
func (n *AKSNodePool) Autoscaling() bool { return n.MinCount != nil && n.MaxCount != nil }

// KarpenterEnabled reports whether Karpenter's prerequisites are composed.
func (p *AKSClusterParameters) KarpenterEnabled() bool {
	if p.Karpenter.Enabled != nil && *p.Karpenter.Enabled {
		return true
	}
	return p.HasAddon(AddonKarpenter)
}

// HasAddon reports whether addons lists name.
func (p *AKSClusterParameters) HasAddon(name string) bool {
	for _, a := range p.Addons {
		if string(a) == name {
			return true
		}
	}
	return false
}

// PrivateCluster reports whether the API server is private.
func (p *AKSClusterParameters) PrivateCluster() bool {
	return p.APIServerAccess.PrivateCluster == nil || *p.APIServerAccess.PrivateCluster
}
