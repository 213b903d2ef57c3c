package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// XEKSCluster kind names.
const (
	XEKSClusterKind   = "XEKSCluster"
	EKSClusterKind    = "EKSCluster"
	XEKSClusterPlural = "xeksclusters"
)

// Addon names accepted in spec.parameters.addons.
const (
	AddonKarpenter            = "karpenter"
	AddonKEDA                 = "keda"
	AddonCloudflared          = "cloudflared"
	AddonTetragon             = "tetragon"
	AddonKyverno              = "kyverno"
	AddonAlloy                = "alloy"
	AddonVaultSecretsOperator = "vault-secrets-operator"
	AddonArgoRollouts         = "argo-rollouts"
)

// KnownAddons lists every addon name the EKS spoke understands, sorted.
var KnownAddons = []string{
	AddonAlloy, AddonArgoRollouts, AddonCloudflared, AddonKarpenter,
	AddonKEDA, AddonKyverno, AddonTetragon, AddonVaultSecretsOperator,
}

// NAT gateway layouts.
const (
	NATOnePerAZ = "OnePerAZ"
	NATSingle   = "Single"
)

// Cilium chaining modes.
const (
	CiliumChainingAWSCNI = "aws-cni"
)

// XEKSCluster is an Amazon EKS spoke cluster with its network, IAM, encryption,
// managed node groups, managed add-ons and Karpenter prerequisites. Users claim
// it with a namespaced EKSCluster.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=crossplane;composite;devsecops
// +kubebuilder:printcolumn:name="CLUSTER",type=string,JSONPath=".status.clusterName"
// +kubebuilder:printcolumn:name="VERSION",type=string,JSONPath=".spec.parameters.kubernetesVersion"
// +kubebuilder:printcolumn:name="REGION",type=string,JSONPath=".spec.parameters.region"
// +kubebuilder:printcolumn:name="ENDPOINT",type=string,JSONPath=".status.endpoint",priority=1
type XEKSCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   XEKSClusterSpec   `json:"spec"`
	Status XEKSClusterStatus `json:"status,omitempty"`
}

// XEKSClusterSpec is the desired state of an XEKSCluster.
type XEKSClusterSpec struct {
	// Parameters of the spoke cluster.
	Parameters EKSClusterParameters `json:"parameters"`
}

// EKSClusterParameters describe one EKS spoke. Only region is required; every
// other field has a production default.
type EKSClusterParameters struct {
	// Region is the AWS region of the spoke, e.g. eu-west-1.
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`
	Region string `json:"region"`

	// KubernetesVersion is the EKS minor version, e.g. "1.35". When empty the
	// function input's defaultKubernetesVersion is used. Versions EKS no longer
	// accepts are rejected; versions in extended support get a warning.
	// +kubebuilder:validation:Pattern=`^1\.[0-9]+$`
	// +optional
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`

	// ClusterName is the EKS cluster name. Defaults to the claim name (or the
	// XR name when there is no claim). It names the IAM roles, the KMS alias,
	// the Karpenter queue and the discovery tags, and it cannot change later.
	// +kubebuilder:validation:Pattern=`^[a-zA-Z][a-zA-Z0-9-]{0,37}$`
	// +optional
	ClusterName string `json:"clusterName,omitempty"`

	// ProviderConfigName is the AWS ProviderConfig used by every managed
	// resource. Overrides the function input's providerConfigName.
	// +optional
	ProviderConfigName string `json:"providerConfigName,omitempty"`

	// Network is the VPC layout.
	// +kubebuilder:default={}
	// +optional
	Network EKSNetwork `json:"network,omitempty"`

	// EndpointAccess controls who can reach the Kubernetes API server. The
	// private endpoint is always on.
	// +kubebuilder:default={}
	// +optional
	EndpointAccess EndpointAccess `json:"endpointAccess,omitempty"`

	// ClusterAdmins are IAM role or user ARNs granted cluster admin
	// (AmazonEKSClusterAdminPolicy, cluster scope) through EKS access entries.
	// The identity that creates the cluster gets no implicit admin access.
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$`
	// +listType=set
	// +optional
	ClusterAdmins []string `json:"clusterAdmins,omitempty"`

	// ControlPlaneLogTypes are the control-plane log types sent to CloudWatch.
	// +kubebuilder:default={"api","audit","authenticator"}
	// +listType=set
	// +optional
	ControlPlaneLogTypes []ControlPlaneLogType `json:"controlPlaneLogTypes,omitempty"`

	// NodeGroups are the EKS managed node groups. They bootstrap the cluster
	// (Karpenter, CoreDNS, Cilium) before Karpenter provisions the rest.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:default={{"name":"system"}}
	// +listType=map
	// +listMapKey=name
	// +optional
	NodeGroups []NodeGroup `json:"nodeGroups,omitempty"`

	// Cilium runs Cilium on the spoke. The EKS function keeps the VPC CNI
	// compatible with Cilium chaining; Argo CD installs Cilium itself.
	// +kubebuilder:default={}
	// +optional
	Cilium Cilium `json:"cilium,omitempty"`

	// Tailscale joins the spoke to the tailnet.
	// +kubebuilder:default={}
	// +optional
	Tailscale Tailscale `json:"tailscale,omitempty"`

	// Addons are the spoke add-ons Argo CD installs. karpenter also makes the
	// EKS function compose Karpenter's AWS prerequisites.
	// +listType=set
	// +optional
	Addons []Addon `json:"addons,omitempty"`

	// Karpenter tunes the Karpenter prerequisites.
	// +kubebuilder:default={}
	// +optional
	Karpenter Karpenter `json:"karpenter,omitempty"`

	// ArgoCD registers the spoke in the hub's Argo CD.
	// +kubebuilder:default={}
	// +optional
	ArgoCD ArgoCD `json:"argocd,omitempty"`

	// Tags are added to every AWS resource, over the function input's
	// defaultTags.
	// +optional
	Tags map[string]string `json:"tags,omitempty"`
}

// EKSNetwork is the VPC layout: one public and one private subnet per
// availability zone, carved deterministically from the VPC CIDR.
type EKSNetwork struct {
	// VPCCIDR is the VPC's IPv4 CIDR, a private range (RFC 1918 or 100.64.0.0/10)
	// between /16 and /22.
	// +kubebuilder:default="10.0.0.0/16"
	// +optional
	VPCCIDR string `json:"vpcCidr,omitempty"`

	// AvailabilityZones are the zones to use, e.g. [eu-west-1a, eu-west-1b].
	// When empty, the first azCount zones of the region (a, b, c, ...) are used.
	// +kubebuilder:validation:MaxItems=6
	// +listType=set
	// +optional
	AvailabilityZones []string `json:"availabilityZones,omitempty"`

	// AZCount is how many zones to use when availabilityZones is empty.
	// EKS needs at least two.
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=6
	// +kubebuilder:default=3
	// +optional
	AZCount int `json:"azCount,omitempty"`

	// ServiceCIDR is the Kubernetes service IPv4 range. It must not overlap
	// the VPC.
	// +kubebuilder:default="172.20.0.0/16"
	// +optional
	ServiceCIDR string `json:"serviceCidr,omitempty"`

	// NATGateways is OnePerAZ (zone-resilient egress, the default) or Single
	// (one NAT gateway, cheaper, egress fails with its zone).
	// +kubebuilder:validation:Enum=OnePerAZ;Single
	// +kubebuilder:default=OnePerAZ
	// +optional
	NATGateways string `json:"natGateways,omitempty"`
}

// EndpointAccess controls the API server endpoints.
//
// +kubebuilder:validation:XValidation:rule="!has(self.public) || !self.public || (has(self.publicAccessCidrs) && size(self.publicAccessCidrs) > 0)",message="publicAccessCidrs must list the sources allowed on the public endpoint when public is true"
type EndpointAccess struct {
	// Public also exposes the API server on a public endpoint, reachable only
	// from PublicAccessCIDRs. Off by default: the hub reaches the spoke over
	// Tailscale.
	// +kubebuilder:default=false
	// +optional
	Public bool `json:"public,omitempty"`

	// PublicAccessCIDRs are the only sources allowed on the public endpoint.
	// Required when public is true.
	// +kubebuilder:validation:MaxItems=40
	// +listType=set
	// +optional
	PublicAccessCIDRs []string `json:"publicAccessCidrs,omitempty"`
}

// ControlPlaneLogType is an EKS control-plane log type.
// +kubebuilder:validation:Enum=api;audit;authenticator;controllerManager;scheduler
type ControlPlaneLogType string

// Addon is a spoke add-on name.
// +kubebuilder:validation:Enum=alloy;argo-rollouts;cloudflared;karpenter;keda;kyverno;tetragon;vault-secrets-operator
type Addon string

// NodeGroup is one EKS managed node group.
//
// +kubebuilder:validation:XValidation:rule="!has(self.minSize) || !has(self.maxSize) || self.minSize <= self.maxSize",message="minSize must not exceed maxSize"
// +kubebuilder:validation:XValidation:rule="!has(self.desiredSize) || ((!has(self.minSize) || self.desiredSize >= self.minSize) && (!has(self.maxSize) || self.desiredSize <= self.maxSize))",message="desiredSize must lie between minSize and maxSize"
type NodeGroup struct {
	// Name of the node group, unique within the cluster.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`
	Name string `json:"name"`

	// InstanceTypes are the EC2 instance types, most preferred first.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:default={"t3.medium"}
	// +optional
	InstanceTypes []string `json:"instanceTypes,omitempty"`

	// DesiredSize is the initial number of nodes; later changes come from
	// the cluster autoscaler or Karpenter, not from this field.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:default=2
	// +optional
	DesiredSize *int `json:"desiredSize,omitempty"`

	// MinSize is the minimum number of nodes.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:default=1
	// +optional
	MinSize *int `json:"minSize,omitempty"`

	// MaxSize is the maximum number of nodes.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:default=3
	// +optional
	MaxSize *int `json:"maxSize,omitempty"`

	// CapacityType is ON_DEMAND or SPOT.
	// +kubebuilder:validation:Enum=ON_DEMAND;SPOT
	// +kubebuilder:default=ON_DEMAND
	// +optional
	CapacityType string `json:"capacityType,omitempty"`

	// AMIType is the EKS AMI type; AL2023 by default.
	// +kubebuilder:validation:Enum=AL2023_x86_64_STANDARD;AL2023_ARM_64_STANDARD;BOTTLEROCKET_x86_64;BOTTLEROCKET_ARM_64
	// +kubebuilder:default=AL2023_x86_64_STANDARD
	// +optional
	AMIType string `json:"amiType,omitempty"`

	// DiskSizeGiB is the encrypted gp3 root volume size.
	// +kubebuilder:validation:Minimum=20
	// +kubebuilder:validation:Maximum=16384
	// +kubebuilder:default=50
	// +optional
	DiskSizeGiB int `json:"diskSizeGiB,omitempty"`

	// Labels are Kubernetes labels put on the nodes.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// Taints are Kubernetes taints put on the nodes.
	// +kubebuilder:validation:MaxItems=50
	// +optional
	Taints []Taint `json:"taints,omitempty"`
}

// Taint is a Kubernetes node taint.
type Taint struct {
	// Key of the taint.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Key string `json:"key"`
	// Value of the taint.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Value string `json:"value,omitempty"`
	// Effect of the taint.
	// +kubebuilder:validation:Enum=NO_SCHEDULE;NO_EXECUTE;PREFER_NO_SCHEDULE
	Effect string `json:"effect"`
}

// Cilium settings of the spoke.
type Cilium struct {
	// Enabled means Argo CD installs Cilium on the spoke.
	// +kubebuilder:default=false
	// +optional
	Enabled bool `json:"enabled,omitempty"`
	// ChainingMode is how Cilium runs next to the cloud CNI. On EKS only
	// aws-cni (Cilium chained behind the VPC CNI) is supported.
	// +kubebuilder:validation:Enum=aws-cni
	// +kubebuilder:default=aws-cni
	// +optional
	ChainingMode string `json:"chainingMode,omitempty"`
}

// Tailscale settings of the spoke. With enabled, function-tailscale mints a
// pre-authorized, tagged auth key for the spoke with the platform's Tailscale
// OAuth client, keeps it in the Secret authKeySecret, delivers it into the
// spoke and rotates it before it expires (docs/TAILSCALE.md).
//
// +kubebuilder:validation:XValidation:rule="!has(self.rotateBeforeDays) || !has(self.keyExpiryDays) || self.rotateBeforeDays < self.keyExpiryDays",message="rotateBeforeDays must be less than keyExpiryDays"
type Tailscale struct {
	// Enabled joins the spoke to the tailnet.
	// +kubebuilder:default=false
	// +optional
	Enabled bool `json:"enabled,omitempty"`
	// AuthKeySecret names the Secret holding the spoke's Tailscale auth key
	// (key TS_AUTHKEY), on the hub and, once delivered, in the spoke.
	// Required when enabled.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +optional
	AuthKeySecret string `json:"authKeySecret,omitempty"`
	// Tags are the tailnet ACL tags the spoke's devices carry, e.g.
	// tag:k8s-spoke. The platform's OAuth client must own them (tagOwners).
	// When empty, the function input's defaultTags apply.
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:Pattern=`^tag:[a-zA-Z0-9][a-zA-Z0-9-]*$`
	// +listType=set
	// +optional
	Tags []string `json:"tags,omitempty"`
	// Reusable auth keys register any number of devices, so a restarted subnet
	// router or operator proxy can join again with the same key.
	// +kubebuilder:default=true
	// +optional
	Reusable *bool `json:"reusable,omitempty"`
	// Ephemeral devices are removed from the tailnet shortly after they go
	// offline. Use it for routers that keep no state across restarts.
	// +kubebuilder:default=false
	// +optional
	Ephemeral bool `json:"ephemeral,omitempty"`
	// KeyExpiryDays is the lifetime of every minted auth key, 1 to 90 days
	// (Tailscale's limit). Devices stay on the tailnet after their key
	// expires; only new registrations need a valid key.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=90
	// +kubebuilder:default=90
	// +optional
	KeyExpiryDays int `json:"keyExpiryDays,omitempty"`
	// RotateBeforeDays replaces the auth key this many days before it expires
	// (never in the first half of its life); the replaced key is revoked
	// once its successor is stored. Must be less than keyExpiryDays.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=89
	// +kubebuilder:default=30
	// +optional
	RotateBeforeDays int `json:"rotateBeforeDays,omitempty"`
}

// Karpenter settings. Karpenter's prerequisites are composed when addons lists
// karpenter or enabled is true.
type Karpenter struct {
	// Enabled composes Karpenter's prerequisites even when addons does not
	// list karpenter. Setting it to false while addons lists karpenter is an
	// error.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// InterruptionHandling composes the SQS interruption queue and the
	// EventBridge rules feeding it (spot interruption, rebalance, instance
	// state change, scheduled health events).
	// +kubebuilder:default=true
	// +optional
	InterruptionHandling *bool `json:"interruptionHandling,omitempty"`
}

// ArgoCD registration settings.
type ArgoCD struct {
	// Enabled registers the spoke in the hub's Argo CD.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// HubRoleARN is the IAM role the hub's Argo CD runs as; it may assume a
	// per-cluster role granted cluster admin. Overrides the function input's
	// argocdHubRoleArn. Without either, list Argo CD's own identity in
	// clusterAdmins instead.
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`
	// +optional
	HubRoleARN string `json:"hubRoleArn,omitempty"`
}

// XEKSClusterStatus is the observed state of an XEKSCluster, copied from the
// composed resources as their observations appear.
type XEKSClusterStatus struct {
	// VPCID is the id of the spoke's VPC.
	// +optional
	VPCID string `json:"vpcId,omitempty"`
	// PublicSubnetIDs are the public subnet ids, in zone order.
	// +optional
	PublicSubnetIDs []string `json:"publicSubnetIds,omitempty"`
	// PrivateSubnetIDs are the private subnet ids, in zone order.
	// +optional
	PrivateSubnetIDs []string `json:"privateSubnetIds,omitempty"`
	// ClusterName is the EKS cluster name.
	// +optional
	ClusterName string `json:"clusterName,omitempty"`
	// ClusterARN is the EKS cluster ARN.
	// +optional
	ClusterARN string `json:"clusterArn,omitempty"`
	// Endpoint is the Kubernetes API server URL.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
	// OIDCIssuer is the cluster's OIDC issuer URL.
	// +optional
	OIDCIssuer string `json:"oidcIssuer,omitempty"`
	// OIDCProviderARN is the IAM OIDC provider ARN for IRSA.
	// +optional
	OIDCProviderARN string `json:"oidcProviderArn,omitempty"`
	// ClusterSecurityGroupID is the security group EKS created for the cluster.
	// +optional
	ClusterSecurityGroupID string `json:"clusterSecurityGroupId,omitempty"`
	// NodeRoleARN is the managed node groups' IAM role ARN.
	// +optional
	NodeRoleARN string `json:"nodeRoleArn,omitempty"`
	// Karpenter holds what Karpenter's Helm values need.
	// +optional
	Karpenter *KarpenterStatus `json:"karpenter,omitempty"`
	// Tailscale describes the spoke's current auth key (never the key).
	// +optional
	Tailscale *TailscaleStatus `json:"tailscale,omitempty"`
}

// TailscaleStatus describes the spoke's Tailscale auth key without revealing
// it.
type TailscaleStatus struct {
	// AuthKeySecret is the hub Secret holding the key, as namespace/name.
	// +optional
	AuthKeySecret string `json:"authKeySecret,omitempty"`
	// KeyID is the Tailscale id of the current auth key.
	// +optional
	KeyID string `json:"keyId,omitempty"`
	// KeyExpires is when the current auth key expires (RFC 3339).
	// +optional
	KeyExpires string `json:"keyExpires,omitempty"`
	// RotatesAfter is when the function replaces the key (RFC 3339).
	// +optional
	RotatesAfter string `json:"rotatesAfter,omitempty"`
	// Delivered names the spoke Secret, as namespace/name, once it is
	// delivered through provider-kubernetes.
	// +optional
	Delivered string `json:"delivered,omitempty"`
	// RateLimitedUntil is set while the Tailscale API asked (HTTP 429,
	// Retry-After) not to be called before then (RFC 3339).
	// +optional
	RateLimitedUntil string `json:"rateLimitedUntil,omitempty"`
}

// KarpenterStatus is what Karpenter's Helm values and EC2NodeClass need.
type KarpenterStatus struct {
	// ControllerRoleARN is the controller's IAM role (pod identity).
	// +optional
	ControllerRoleARN string `json:"controllerRoleArn,omitempty"`
	// NodeRoleName is the IAM role for EC2NodeClass spec.role.
	// +optional
	NodeRoleName string `json:"nodeRoleName,omitempty"`
	// InterruptionQueue is the SQS queue name for settings.interruptionQueue.
	// +optional
	InterruptionQueue string `json:"interruptionQueue,omitempty"`
}
