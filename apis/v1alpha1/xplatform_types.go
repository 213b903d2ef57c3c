package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// XPlatform kind names.
const (
	XPlatformKind   = "XPlatform"
	PlatformKind    = "Platform"
	XPlatformPlural = "xplatforms"
)

// XPlatform is the whole multi-cloud platform in one claim: an EKS spoke, an
// optional AKS spoke (nested XEKSCluster and XAKSCluster composites) and
// Backstage's PostgreSQL on Amazon RDS inside the EKS VPC. Users claim it
// with a namespaced Platform.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=crossplane;composite;devsecops
// +kubebuilder:printcolumn:name="EKS",type=string,JSONPath=".status.eks.clusterName"
// +kubebuilder:printcolumn:name="AKS",type=string,JSONPath=".status.aks.clusterName"
// +kubebuilder:printcolumn:name="DATABASE",type=string,JSONPath=".status.database.address",priority=1
type XPlatform struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   XPlatformSpec   `json:"spec"`
	Status XPlatformStatus `json:"status,omitempty"`
}

// XPlatformSpec is the desired state of an XPlatform.
type XPlatformSpec struct {
	// Parameters of the platform.
	Parameters PlatformParameters `json:"parameters"`
}

// PlatformParameters describe the platform's spokes and shared services.
type PlatformParameters struct {
	// EKS is the Amazon EKS spoke. It also hosts the network of Backstage's
	// database.
	// +kubebuilder:default={}
	// +optional
	EKS PlatformEKS `json:"eks,omitempty"`

	// AKS is the Azure AKS spoke.
	// +kubebuilder:default={}
	// +optional
	AKS PlatformAKS `json:"aks,omitempty"`

	// Backstage holds Backstage's backing services.
	// +kubebuilder:default={}
	// +optional
	Backstage PlatformBackstage `json:"backstage,omitempty"`

	// Tailscale joins both spokes to the tailnet. It replaces the spokes' own
	// tailscale settings; each spoke keeps its auth key in
	// <authKeySecret>-eks and <authKeySecret>-aks.
	// +kubebuilder:default={}
	// +optional
	Tailscale Tailscale `json:"tailscale,omitempty"`

	// ArgoCD registers both spokes in the hub's Argo CD.
	// +kubebuilder:default={}
	// +optional
	ArgoCD PlatformArgoCD `json:"argocd,omitempty"`
}

// PlatformEKS is the platform's EKS spoke.
type PlatformEKS struct {
	// Enabled composes the EKS spoke.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// Parameters of the nested XEKSCluster; required when enabled. Its
	// tailscale and argocd.enabled come from the platform's.
	// +optional
	Parameters *EKSClusterParameters `json:"parameters,omitempty"`
}

// PlatformAKS is the platform's AKS spoke.
type PlatformAKS struct {
	// Enabled composes the AKS spoke.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// Parameters of the nested XAKSCluster; required when enabled. Its
	// tailscale and argocd.enabled come from the platform's.
	// +optional
	Parameters *AKSClusterParameters `json:"parameters,omitempty"`
}

// PlatformArgoCD are the Argo CD settings shared by both spokes.
type PlatformArgoCD struct {
	// Enabled registers the spokes in the hub's Argo CD.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
}

// PlatformBackstage holds Backstage's backing services.
type PlatformBackstage struct {
	// Database is Backstage's PostgreSQL on Amazon RDS.
	// +kubebuilder:default={}
	// +optional
	Database BackstageDatabase `json:"database,omitempty"`
}

// BackstageDatabase is Backstage's PostgreSQL on Amazon RDS, in the EKS
// spoke's private subnets, reachable on 5432 only from the EKS VPC (where
// the Tailscale subnet router runs).
type BackstageDatabase struct {
	// Enabled composes the database. It needs the EKS spoke.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// EngineVersion is the RDS for PostgreSQL major version. 13 and older
	// are past RDS standard support.
	// +kubebuilder:validation:Enum="14";"15";"16";"17"
	// +kubebuilder:default="15"
	// +optional
	EngineVersion string `json:"engineVersion,omitempty"`
	// InstanceClass is the RDS instance class.
	// +kubebuilder:validation:Pattern=`^db\.[a-z0-9]+\.[a-z0-9]+$`
	// +kubebuilder:default="db.t3.micro"
	// +optional
	InstanceClass string `json:"instanceClass,omitempty"`
	// AllocatedStorage is the storage in GiB (gp3 needs at least 20).
	// +kubebuilder:validation:Minimum=20
	// +kubebuilder:validation:Maximum=65536
	// +kubebuilder:default=20
	// +optional
	AllocatedStorage int `json:"allocatedStorage,omitempty"`
	// DBName is the database Backstage uses.
	// +kubebuilder:validation:Pattern=`^[a-zA-Z][a-zA-Z0-9_]{0,62}$`
	// +kubebuilder:default="backstage"
	// +optional
	DBName string `json:"dbName,omitempty"`
	// Username is the master user.
	// +kubebuilder:validation:Pattern=`^[a-zA-Z][a-zA-Z0-9_]{0,62}$`
	// +kubebuilder:default="backstage"
	// +optional
	Username string `json:"username,omitempty"`
	// BackupRetentionDays keeps automated backups this many days.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=35
	// +kubebuilder:default=7
	// +optional
	BackupRetentionDays int `json:"backupRetentionDays,omitempty"`
	// DeletionProtection stops the instance from being deleted until it is
	// switched off.
	// +kubebuilder:default=true
	// +optional
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// SecretNamespace is the hub namespace of the Secret Backstage reads
	// (POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD).
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:default="backstage"
	// +optional
	SecretNamespace string `json:"secretNamespace,omitempty"`
	// SecretName is the name of that Secret.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:default="backstage-postgres"
	// +optional
	SecretName string `json:"secretName,omitempty"`
}

// XPlatformStatus aggregates the spokes and the database.
type XPlatformStatus struct {
	// EKS is the EKS spoke, copied from the nested XEKSCluster.
	// +optional
	EKS *PlatformSpokeStatus `json:"eks,omitempty"`
	// AKS is the AKS spoke, copied from the nested XAKSCluster.
	// +optional
	AKS *PlatformSpokeStatus `json:"aks,omitempty"`
	// Database is Backstage's PostgreSQL.
	// +optional
	Database *PlatformDatabaseStatus `json:"database,omitempty"`
}

// PlatformSpokeStatus is one spoke as the platform sees it.
type PlatformSpokeStatus struct {
	// Ready is true once the nested XR is Ready.
	Ready bool `json:"ready"`
	// ClusterName is the spoke's cluster name.
	// +optional
	ClusterName string `json:"clusterName,omitempty"`
	// Endpoint is the spoke's API server URL.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
	// VPCID is the EKS spoke's VPC.
	// +optional
	VPCID string `json:"vpcId,omitempty"`
}

// PlatformDatabaseStatus is Backstage's database as the platform sees it.
type PlatformDatabaseStatus struct {
	// Ready is true once the instance is Ready and the Secret is written.
	Ready bool `json:"ready"`
	// Address is the instance's DNS name.
	// +optional
	Address string `json:"address,omitempty"`
	// Port is the instance's port.
	// +optional
	Port int64 `json:"port,omitempty"`
	// Secret names the Backstage Secret as namespace/name.
	// +optional
	Secret string `json:"secret,omitempty"`
}
