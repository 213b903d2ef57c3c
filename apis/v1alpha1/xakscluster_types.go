package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// XAKSCluster kind names.
const (
	XAKSClusterKind   = "XAKSCluster"
	AKSClusterKind    = "AKSCluster"
	XAKSClusterPlural = "xaksclusters"
)

// Cilium chaining modes on AKS.
const (
	// AKSCiliumChainingNone is Azure CNI Powered by Cilium: Azure CNI
	// overlay assigns pod IPs and AKS itself runs Cilium as the data plane
	// and network policy engine.
	AKSCiliumChainingNone = "none"
	// AKSCiliumChainingAzureCNI is the roadmap's chaining: Azure CNI (flat,
	// pods take VNet IPs from the node subnet) with no AKS network policy,
	// and Cilium installed by Argo CD, chained behind it.
	AKSCiliumChainingAzureCNI = "azure-cni"
)

// Karpenter modes on AKS.
const (
	// AKSKarpenterSelfHosted runs Karpenter's Azure provider in the cluster;
	// the function composes its identity and permissions.
	AKSKarpenterSelfHosted = "self-hosted"
	// AKSKarpenterNAP is AKS Node Auto-Provisioning (Karpenter run by AKS).
	AKSKarpenterNAP = "nap"
)

// Node pool modes and priorities.
const (
	AKSPoolModeSystem      = "System"
	AKSPoolModeUser        = "User"
	AKSPoolPriorityRegular = "Regular"
	AKSPoolPrioritySpot    = "Spot"
)

// XAKSCluster is an Azure Kubernetes Service spoke cluster with its resource
// group, virtual network, control-plane identity, node pools and Karpenter
// prerequisites. Users claim it with a namespaced AKSCluster.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=crossplane;composite;devsecops
// +kubebuilder:printcolumn:name="CLUSTER",type=string,JSONPath=".status.clusterName"
// +kubebuilder:printcolumn:name="VERSION",type=string,JSONPath=".spec.parameters.kubernetesVersion"
// +kubebuilder:printcolumn:name="LOCATION",type=string,JSONPath=".spec.parameters.location"
// +kubebuilder:printcolumn:name="FQDN",type=string,JSONPath=".status.fqdn",priority=1
type XAKSCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   XAKSClusterSpec   `json:"spec"`
	Status XAKSClusterStatus `json:"status,omitempty"`
}

// XAKSClusterSpec is the desired state of an XAKSCluster.
type XAKSClusterSpec struct {
	// Parameters of the spoke cluster.
	Parameters AKSClusterParameters `json:"parameters"`
}

// AKSClusterParameters describe one AKS spoke. Only location is required;
// every other field has a production default.
type AKSClusterParameters struct {
	// Location is the Azure region of the spoke, by its programmatic name,
	// e.g. westeurope (not "West Europe").
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9]{2,39}$`
	Location string `json:"location"`

	// KubernetesVersion is the AKS minor version, e.g. "1.35"; AKS picks the
	// newest patch and the cluster follows patch releases. When empty the
	// function input's defaultKubernetesVersion is used. Versions past AKS
	// community support are rejected.
	// +kubebuilder:validation:Pattern=`^1\.[0-9]+$`
	// +optional
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`

	// ClusterName is the AKS cluster name and DNS prefix. Defaults to the
	// claim name (or the XR name when there is no claim). It names the
	// resource groups, the virtual network and the identities, and it cannot
	// change later.
	// +kubebuilder:validation:Pattern=`^[a-zA-Z]([a-zA-Z0-9-]{0,43}[a-zA-Z0-9])?$`
	// +optional
	ClusterName string `json:"clusterName,omitempty"`

	// ResourceGroupName is the resource group the function creates for the
	// spoke. Defaults to rg-<clusterName>. AKS puts the nodes in a second
	// group, <resourceGroupName>-nodes.
	// +kubebuilder:validation:Pattern=`^[-\w._()]{1,84}$`
	// +optional
	ResourceGroupName string `json:"resourceGroupName,omitempty"`

	// ProviderConfigName is the Azure ProviderConfig used by every managed
	// resource. Overrides the function input's providerConfigName.
	// +optional
	ProviderConfigName string `json:"providerConfigName,omitempty"`

	// Network is the virtual network and the cluster's address ranges.
	// +kubebuilder:default={}
	// +optional
	Network AKSNetwork `json:"network,omitempty"`

	// APIServerAccess controls who can reach the Kubernetes API server: a
	// private cluster (the default; the hub reaches it over Tailscale) or a
	// public endpoint limited to authorized IP ranges, not both.
	// +kubebuilder:default={}
	// +optional
	APIServerAccess AKSAPIServerAccess `json:"apiServerAccess,omitempty"`

	// ClusterAdmins are object ids of Entra ID groups granted cluster admin.
	// Authentication is Entra ID only (local accounts are disabled) and
	// authorization is Azure RBAC for Kubernetes plus these groups.
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	// +listType=set
	// +optional
	ClusterAdmins []string `json:"clusterAdmins,omitempty"`

	// DefaultNodePool is the cluster's system node pool. It bootstraps the
	// cluster (CoreDNS, Karpenter, Cilium add-ons) and, in the roadmap's
	// shape, runs everything: two Standard_D2s_v3 nodes.
	// +kubebuilder:default={}
	// +optional
	DefaultNodePool AKSDefaultNodePool `json:"defaultNodePool,omitempty"`

	// NodePools are extra node pools (User pools by default).
	// +kubebuilder:validation:MaxItems=20
	// +listType=map
	// +listMapKey=name
	// +optional
	NodePools []AKSNodePool `json:"nodePools,omitempty"`

	// Cilium selects how Cilium runs on the spoke: by default as the data
	// plane AKS runs itself.
	// +kubebuilder:default={}
	// +optional
	Cilium AKSCilium `json:"cilium,omitempty"`

	// Tailscale joins the spoke to the tailnet.
	// +kubebuilder:default={}
	// +optional
	Tailscale Tailscale `json:"tailscale,omitempty"`

	// Addons are the spoke add-ons Argo CD installs. karpenter also makes the
	// AKS function compose Karpenter's Azure prerequisites.
	// +listType=set
	// +optional
	Addons []Addon `json:"addons,omitempty"`

	// Karpenter selects how Karpenter runs on the spoke.
	// +kubebuilder:default={}
	// +optional
	Karpenter AKSKarpenter `json:"karpenter,omitempty"`

	// ArgoCD registers the spoke in the hub's Argo CD.
	// +kubebuilder:default={}
	// +optional
	ArgoCD AKSArgoCD `json:"argocd,omitempty"`

	// Tags are added to every Azure resource, over the function input's
	// defaultTags. Azure tag names cannot contain < > % & \ ? /.
	// +kubebuilder:validation:MaxProperties=40
	// +optional
	Tags map[string]string `json:"tags,omitempty"`
}

// AKSNetwork is the virtual network and the cluster's address ranges. The
// virtual network, pod and service ranges must not overlap each other nor
// the networks the platform reserves (the hub's, reached over Tailscale).
type AKSNetwork struct {
	// VNetCIDR is the virtual network's IPv4 range, a private range (RFC 1918
	// or 100.64.0.0/10) between /12 and /24.
	// +kubebuilder:default="10.1.0.0/16"
	// +optional
	VNetCIDR string `json:"vnetCidr,omitempty"`

	// NodeSubnetCIDR is the node subnet, inside the virtual network. Defaults
	// to the first quarter of the virtual network (10.1.0.0/18 for the
	// default). With chainingMode azure-cni pods take their IPs from it too,
	// so it must hold every node's maxPods.
	// +optional
	NodeSubnetCIDR string `json:"nodeSubnetCidr,omitempty"`

	// PodCIDR is the overlay pod range (Azure CNI overlay; every node gets a
	// /24 of it). Defaults to 192.168.0.0/16. Not allowed with chainingMode
	// azure-cni, where pods take VNet IPs.
	// +optional
	PodCIDR string `json:"podCidr,omitempty"`

	// ServiceCIDR is the Kubernetes service range, between /12 and /24. The
	// cluster DNS service gets its tenth address.
	// +kubebuilder:default="172.21.0.0/16"
	// +optional
	ServiceCIDR string `json:"serviceCidr,omitempty"`
}

// AKSAPIServerAccess controls the API server endpoint.
//
// +kubebuilder:validation:XValidation:rule="!has(self.privateCluster) || !self.privateCluster || !has(self.authorizedIpRanges) || size(self.authorizedIpRanges) == 0",message="authorizedIpRanges apply only to a public API server; set privateCluster: false or remove them"
// +kubebuilder:validation:XValidation:rule="!has(self.privateCluster) || self.privateCluster || (has(self.authorizedIpRanges) && size(self.authorizedIpRanges) > 0)",message="a public API server (privateCluster: false) needs authorizedIpRanges"
type AKSAPIServerAccess struct {
	// PrivateCluster puts the API server behind a private endpoint in the
	// virtual network, with a system private DNS zone. On by default: the
	// hub reaches the spoke over Tailscale.
	// +kubebuilder:default=true
	// +optional
	PrivateCluster *bool `json:"privateCluster,omitempty"`

	// AuthorizedIPRanges are the only sources allowed on a public API server.
	// Required when privateCluster is false; not allowed when it is true.
	// +kubebuilder:validation:MaxItems=200
	// +listType=set
	// +optional
	AuthorizedIPRanges []string `json:"authorizedIpRanges,omitempty"`
}

// AKSDefaultNodePool is the cluster's default (System) node pool.
//
// +kubebuilder:validation:XValidation:rule="has(self.minCount) == has(self.maxCount)",message="set both minCount and maxCount (autoscaling) or neither"
// +kubebuilder:validation:XValidation:rule="!has(self.minCount) || !has(self.maxCount) || self.minCount <= self.maxCount",message="minCount must not exceed maxCount"
// +kubebuilder:validation:XValidation:rule="!has(self.nodeCount) || !has(self.minCount) || !has(self.maxCount) || (self.nodeCount >= self.minCount && self.nodeCount <= self.maxCount)",message="nodeCount must lie between minCount and maxCount"
type AKSDefaultNodePool struct {
	// Name of the pool: lowercase letters and digits, starting with a
	// letter, at most 12 characters.
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9]{0,11}$`
	// +kubebuilder:default=system
	// +optional
	Name string `json:"name,omitempty"`

	// VMSize is the Azure VM size of the nodes.
	// +kubebuilder:validation:Pattern=`^Standard_[A-Za-z0-9_]+$`
	// +kubebuilder:default=Standard_D2s_v3
	// +optional
	VMSize string `json:"vmSize,omitempty"`

	// NodeCount is the number of nodes; with autoscaling (minCount and
	// maxCount) only the initial number, later owned by the autoscaler.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +kubebuilder:default=2
	// +optional
	NodeCount *int `json:"nodeCount,omitempty"`

	// MinCount switches on the cluster autoscaler with maxCount.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	MinCount *int `json:"minCount,omitempty"`

	// MaxCount switches on the cluster autoscaler with minCount.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	MaxCount *int `json:"maxCount,omitempty"`

	// MaxPods per node. AKS's default applies when unset: 250 with the
	// overlay, 30 with chainingMode azure-cni.
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=250
	// +optional
	MaxPods *int `json:"maxPods,omitempty"`

	// OSDiskSizeGB is the nodes' OS disk size.
	// +kubebuilder:validation:Minimum=30
	// +kubebuilder:validation:Maximum=2048
	// +kubebuilder:default=128
	// +optional
	OSDiskSizeGB int `json:"osDiskSizeGB,omitempty"`

	// OSSku is the node image family.
	// +kubebuilder:validation:Enum=Ubuntu;AzureLinux
	// +kubebuilder:default=Ubuntu
	// +optional
	OSSku string `json:"osSku,omitempty"`

	// Zones are the availability zones the nodes spread over. Set [] in a
	// region without availability zones.
	// +kubebuilder:validation:MaxItems=3
	// +kubebuilder:validation:items:Enum="1";"2";"3"
	// +kubebuilder:default={"1","2","3"}
	// +listType=set
	// +optional
	Zones []string `json:"zones,omitempty"`

	// OnlyCriticalAddons taints the pool CriticalAddonsOnly=true:NoSchedule,
	// keeping workloads on the extra node pools or Karpenter's nodes.
	// +kubebuilder:default=false
	// +optional
	OnlyCriticalAddons bool `json:"onlyCriticalAddons,omitempty"`

	// Labels are Kubernetes labels put on the nodes.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
}

// AKSNodePool is an extra AKS node pool.
//
// +kubebuilder:validation:XValidation:rule="has(self.minCount) == has(self.maxCount)",message="set both minCount and maxCount (autoscaling) or neither"
// +kubebuilder:validation:XValidation:rule="!has(self.minCount) || !has(self.maxCount) || self.minCount <= self.maxCount",message="minCount must not exceed maxCount"
// +kubebuilder:validation:XValidation:rule="!has(self.nodeCount) || !has(self.minCount) || !has(self.maxCount) || (self.nodeCount >= self.minCount && self.nodeCount <= self.maxCount)",message="nodeCount must lie between minCount and maxCount"
// +kubebuilder:validation:XValidation:rule="!has(self.mode) || !has(self.priority) || self.mode != 'System' || self.priority != 'Spot'",message="a Spot pool cannot be a System pool"
type AKSNodePool struct {
	// Name of the pool: lowercase letters and digits, starting with a
	// letter, at most 12 characters, unique within the cluster.
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9]{0,11}$`
	Name string `json:"name"`

	// VMSize is the Azure VM size of the nodes.
	// +kubebuilder:validation:Pattern=`^Standard_[A-Za-z0-9_]+$`
	// +kubebuilder:default=Standard_D2s_v3
	// +optional
	VMSize string `json:"vmSize,omitempty"`

	// NodeCount is the number of nodes; with autoscaling only the initial
	// number.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	// +kubebuilder:default=1
	// +optional
	NodeCount *int `json:"nodeCount,omitempty"`

	// MinCount switches on the cluster autoscaler with maxCount.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	// +optional
	MinCount *int `json:"minCount,omitempty"`

	// MaxCount switches on the cluster autoscaler with minCount.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	MaxCount *int `json:"maxCount,omitempty"`

	// MaxPods per node; AKS's default when unset.
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=250
	// +optional
	MaxPods *int `json:"maxPods,omitempty"`

	// OSDiskSizeGB is the nodes' OS disk size.
	// +kubebuilder:validation:Minimum=30
	// +kubebuilder:validation:Maximum=2048
	// +kubebuilder:default=128
	// +optional
	OSDiskSizeGB int `json:"osDiskSizeGB,omitempty"`

	// OSSku is the node image family.
	// +kubebuilder:validation:Enum=Ubuntu;AzureLinux
	// +kubebuilder:default=Ubuntu
	// +optional
	OSSku string `json:"osSku,omitempty"`

	// Mode is User (workloads) or System (also runs system pods).
	// +kubebuilder:validation:Enum=User;System
	// +kubebuilder:default=User
	// +optional
	Mode string `json:"mode,omitempty"`

	// Priority is Regular or Spot (evicted nodes are deleted; pay at most
	// the on-demand price). AKS taints Spot nodes
	// kubernetes.azure.com/scalesetpriority=spot:NoSchedule.
	// +kubebuilder:validation:Enum=Regular;Spot
	// +kubebuilder:default=Regular
	// +optional
	Priority string `json:"priority,omitempty"`

	// Zones are the availability zones the nodes spread over.
	// +kubebuilder:validation:MaxItems=3
	// +kubebuilder:validation:items:Enum="1";"2";"3"
	// +kubebuilder:default={"1","2","3"}
	// +listType=set
	// +optional
	Zones []string `json:"zones,omitempty"`

	// Labels are Kubernetes labels put on the nodes.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// Taints are Kubernetes taints put on the nodes.
	// +kubebuilder:validation:MaxItems=50
	// +optional
	Taints []AKSTaint `json:"taints,omitempty"`
}

// AKSTaint is a Kubernetes node taint, with Kubernetes' effect names.
type AKSTaint struct {
	// Key of the taint.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Key string `json:"key"`
	// Value of the taint.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Value string `json:"value,omitempty"`
	// Effect of the taint.
	// +kubebuilder:validation:Enum=NoSchedule;PreferNoSchedule;NoExecute
	Effect string `json:"effect"`
}

// AKSCilium selects how Cilium runs on an AKS spoke.
type AKSCilium struct {
	// Enabled runs Cilium on the spoke, by default as the data plane AKS
	// runs itself. false leaves the overlay without Cilium and without a
	// NetworkPolicy engine.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// ChainingMode is how Cilium runs next to Azure CNI. none (the default)
	// is Azure CNI Powered by Cilium: Azure CNI overlay (pods from podCidr)
	// with the Cilium data plane and network policy, run and upgraded by AKS;
	// Argo CD must not install a second Cilium agent. azure-cni is the
	// roadmap's chaining: Azure CNI without overlay (pods take node subnet
	// IPs, routed natively) and without an AKS network policy engine, with
	// Cilium installed by Argo CD chained behind it (Cilium's generic-veth
	// chaining); it needs enabled: true.
	// +kubebuilder:validation:Enum=none;azure-cni
	// +kubebuilder:default=none
	// +optional
	ChainingMode string `json:"chainingMode,omitempty"`
}

// AKSKarpenter selects how Karpenter runs on an AKS spoke. Karpenter's
// prerequisites are composed when addons lists karpenter or enabled is true.
type AKSKarpenter struct {
	// Enabled composes Karpenter's prerequisites even when addons does not
	// list karpenter. Setting it to false while addons lists karpenter is an
	// error.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// Mode is self-hosted (Karpenter's Azure provider in the cluster, with a
	// workload identity this function composes) or nap (AKS Node
	// Auto-Provisioning). provider-azure v2.3.0 cannot switch NAP on, so nap
	// is rejected with the alternatives.
	// +kubebuilder:validation:Enum=self-hosted;nap
	// +kubebuilder:default=self-hosted
	// +optional
	Mode string `json:"mode,omitempty"`
}

// AKSArgoCD are the Argo CD registration settings of an AKS spoke.
type AKSArgoCD struct {
	// Enabled registers the spoke in the hub's Argo CD.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// HubPrincipalID is the object id of the Entra ID identity the hub's
	// Argo CD runs as (workload identity). It is granted Azure Kubernetes
	// Service RBAC Cluster Admin on the cluster. Overrides the function
	// input's argocdHubPrincipalId. Without either, list a group holding
	// Argo CD's identity in clusterAdmins instead.
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	// +optional
	HubPrincipalID string `json:"hubPrincipalId,omitempty"`
}

// XAKSClusterStatus is the observed state of an XAKSCluster, copied from the
// composed resources as their observations appear.
type XAKSClusterStatus struct {
	// ClusterName is the AKS cluster name.
	// +optional
	ClusterName string `json:"clusterName,omitempty"`
	// ResourceGroupID is the id of the spoke's resource group.
	// +optional
	ResourceGroupID string `json:"resourceGroupId,omitempty"`
	// NodeResourceGroup is the name of the group AKS keeps the nodes in.
	// +optional
	NodeResourceGroup string `json:"nodeResourceGroup,omitempty"`
	// VNetID is the id of the spoke's virtual network.
	// +optional
	VNetID string `json:"vnetId,omitempty"`
	// NodeSubnetID is the id of the node subnet.
	// +optional
	NodeSubnetID string `json:"nodeSubnetId,omitempty"`
	// ClusterID is the AKS cluster's resource id.
	// +optional
	ClusterID string `json:"clusterId,omitempty"`
	// FQDN is the API server's host name (the private one for a private
	// cluster).
	// +optional
	FQDN string `json:"fqdn,omitempty"`
	// OIDCIssuerURL is the cluster's OIDC issuer for workload identity.
	// +optional
	OIDCIssuerURL string `json:"oidcIssuerUrl,omitempty"`
	// NetworkDataPlane is cilium when AKS runs Cilium (chainingMode none),
	// azure otherwise: Argo CD installs Cilium chained behind Azure CNI
	// (chainingMode azure-cni), or there is no Cilium (cilium.enabled false).
	// +optional
	NetworkDataPlane string `json:"networkDataPlane,omitempty"`
	// KubeletIdentity is the identity the nodes' kubelets use.
	// +optional
	KubeletIdentity *AKSIdentityStatus `json:"kubeletIdentity,omitempty"`
	// KubeconfigSecret is the Secret the cluster writes its kubeconfig and
	// CA to (keys kubeconfig, kubeconfig.clustercacertificate).
	// +optional
	KubeconfigSecret *SecretRef `json:"kubeconfigSecret,omitempty"`
	// Karpenter holds what Karpenter's Helm values need.
	// +optional
	Karpenter *AKSKarpenterStatus `json:"karpenter,omitempty"`
}

// AKSIdentityStatus identifies a managed identity.
type AKSIdentityStatus struct {
	// ClientID is the identity's client (application) id.
	// +optional
	ClientID string `json:"clientId,omitempty"`
	// ObjectID is the identity's principal (object) id.
	// +optional
	ObjectID string `json:"objectId,omitempty"`
	// ResourceID is the identity's Azure resource id.
	// +optional
	ResourceID string `json:"resourceId,omitempty"`
}

// SecretRef names a Secret.
type SecretRef struct {
	// Name of the Secret.
	Name string `json:"name"`
	// Namespace of the Secret.
	Namespace string `json:"namespace"`
}

// AKSKarpenterStatus is what self-hosted Karpenter's Helm values need.
type AKSKarpenterStatus struct {
	// IdentityClientID is the client id of Karpenter's workload identity
	// (the ServiceAccount annotation azure.workload.identity/client-id).
	// +optional
	IdentityClientID string `json:"identityClientId,omitempty"`
	// ServiceAccount is the namespace/name the identity is federated with.
	// +optional
	ServiceAccount string `json:"serviceAccount,omitempty"`
}
