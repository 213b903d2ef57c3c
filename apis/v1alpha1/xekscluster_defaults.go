package v1alpha1

// Defaults for XEKSCluster parameters. They mirror the +kubebuilder:default
// markers on the types (a test keeps the two in step), so that a function sees
// the same spec whether or not the API server defaulted it (crossplane render
// does not apply XRD defaults unless told to).
const (
	DefaultVPCCIDR       = "10.0.0.0/16"
	DefaultAZCount       = 3
	DefaultInstanceType  = "t3.medium"
	DefaultDesiredSize   = 2
	DefaultMinSize       = 1
	DefaultMaxSize       = 3
	DefaultCapacityType  = "ON_DEMAND"
	DefaultAMIType       = "AL2023_x86_64_STANDARD"
	DefaultDiskSizeGiB   = 50
	DefaultNodeGroupName = "system"
	DefaultServiceCIDR   = "172.20.0.0/16"

	// DefaultTailscaleKeyExpiryDays is the lifetime of a minted auth key:
	// Tailscale's maximum.
	DefaultTailscaleKeyExpiryDays = 90
	// DefaultTailscaleRotateBeforeDays replaces a key a month before it
	// expires.
	DefaultTailscaleRotateBeforeDays = 30
)

// DefaultControlPlaneLogTypes are the control-plane logs sent to CloudWatch by
// default: the API, audit and authenticator logs (CIS EKS 2.1.1).
var DefaultControlPlaneLogTypes = []ControlPlaneLogType{"api", "audit", "authenticator"}

// SetDefaults fills every unset field of p with its default. It never
// overrides a value the user set.
func (p *EKSClusterParameters) SetDefaults() {
	if p.Network.VPCCIDR == "" {
		p.Network.VPCCIDR = DefaultVPCCIDR
	}
	if p.Network.AZCount == 0 {
		p.Network.AZCount = DefaultAZCount
	}
	if p.Network.ServiceCIDR == "" {
		p.Network.ServiceCIDR = DefaultServiceCIDR
	}
	if p.Network.NATGateways == "" {
		p.Network.NATGateways = NATOnePerAZ
	}
	if p.ControlPlaneLogTypes == nil {
		p.ControlPlaneLogTypes = append([]ControlPlaneLogType(nil), DefaultControlPlaneLogTypes...)
	}
	if p.NodeGroups == nil {
		p.NodeGroups = []NodeGroup{{Name: DefaultNodeGroupName}}
	}
	for i := range p.NodeGroups {
		p.NodeGroups[i].SetDefaults()
	}
	if p.Cilium.ChainingMode == "" {
		p.Cilium.ChainingMode = CiliumChainingAWSCNI
	}
	if p.Karpenter.InterruptionHandling == nil {
		p.Karpenter.InterruptionHandling = ptr(true)
	}
	if p.ArgoCD.Enabled == nil {
		p.ArgoCD.Enabled = ptr(true)
	}
	p.Tailscale.SetDefaults()
}

// SetDefaults fills every unset Tailscale setting with its default.
func (t *Tailscale) SetDefaults() {
	if t.Reusable == nil {
		t.Reusable = ptr(true)
	}
	if t.KeyExpiryDays == 0 {
		t.KeyExpiryDays = DefaultTailscaleKeyExpiryDays
	}
	if t.RotateBeforeDays == 0 {
		t.RotateBeforeDays = DefaultTailscaleRotateBeforeDays
	}
}

// SetDefaults fills every unset field of the node group with its default.
func (n *NodeGroup) SetDefaults() {
	if n.InstanceTypes == nil {
		n.InstanceTypes = []string{DefaultInstanceType}
	}
	if n.DesiredSize == nil {
		n.DesiredSize = ptr(DefaultDesiredSize)
	}
	if n.MinSize == nil {
		n.MinSize = ptr(DefaultMinSize)
	}
	if n.MaxSize == nil {
		n.MaxSize = ptr(DefaultMaxSize)
	}
	if n.CapacityType == "" {
		n.CapacityType = DefaultCapacityType
	}
	if n.AMIType == "" {
		n.AMIType = DefaultAMIType
	}
	if n.DiskSizeGiB == 0 {
		n.DiskSizeGiB = DefaultDiskSizeGiB
	}
}

// KarpenterEnabled reports whether Karpenter's prerequisites are composed.
func (p *EKSClusterParameters) KarpenterEnabled() bool {
	if p.Karpenter.Enabled != nil && *p.Karpenter.Enabled {
		return true
	}
	return p.HasAddon(AddonKarpenter)
}

// HasAddon reports whether addons lists name.
func (p *EKSClusterParameters) HasAddon(name string) bool {
	for _, a := range p.Addons {
		if string(a) == name {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }
