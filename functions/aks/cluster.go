package main

import (
	"sort"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	csv1beta2 "github.com/upbound/provider-azure/v2/apis/cluster/containerservice/v1beta2"

	"github.com/devsecops/platform-functions/internal/compose"
)

// Composition resource name of the cluster.
const nameCluster = "cluster"

// Observed fields of the cluster the builders and the status read.
const (
	pathFQDN              = "status.atProvider.fqdn"
	pathPrivateFQDN       = "status.atProvider.privateFqdn"
	pathOIDCIssuer        = "status.atProvider.oidcIssuerUrl"
	pathNodeResourceGroup = "status.atProvider.nodeResourceGroup"
	pathNodeGroupID       = "status.atProvider.nodeResourceGroupId"
	pathKubeletClientID   = "status.atProvider.kubeletIdentity.clientId"
	pathKubeletObjectID   = "status.atProvider.kubeletIdentity.objectId"
	pathKubeletIdentityID = "status.atProvider.kubeletIdentity.userAssignedIdentityId"
)

// Connection detail keys provider-azure writes for a KubernetesCluster.
const (
	connKubeconfig = "kubeconfig"
	connCA         = "kubeconfig.clustercacertificate"
)

// Network settings of the two Cilium modes.
const (
	networkPluginAzure = "azure"
	pluginModeOverlay  = "overlay"
	dataPlaneCilium    = "cilium"
	dataPlaneAzure     = "azure"
	maxSurge           = "33%"
)

// cluster composes the AKS cluster: Standard tier, the control plane on its
// user-assigned identity, Entra ID authentication with Azure RBAC and local
// accounts disabled, OIDC issuer and workload identity, Azure Policy, a
// private API server or one limited to authorized ranges, automatic patch and
// node image upgrades, and the network of the Cilium mode. It writes its
// kubeconfig and CA to a connection Secret.
//
// AKS checks at create time that the control plane may join the node subnet,
// so the cluster appears once that role assignment is ready, and stays once
// it exists.
func (s *spoke) cluster(set *compose.Set, observed compose.Observed) {
	if !observed.Exists(nameCluster) && !observed.Ready(nameControlPlaneNetwork) {
		s.wait(nameCluster, nameControlPlaneNetwork+" to be ready")
		return
	}
	d := s.p.DefaultNodePool
	dnp := &csv1beta2.DefaultNodePoolParameters{
		Name:                      compose.Ptr(d.Name),
		TemporaryNameForRotation:  compose.Ptr(rotationName(d.Name)),
		VMSize:                    compose.Ptr(d.VMSize),
		VnetSubnetIDSelector:      compose.Select(nameNodeSubnet),
		OrchestratorVersion:       &s.version,
		OsSku:                     compose.Ptr(d.OSSku),
		OsDiskSizeGb:              compose.Ptr(float64(d.OSDiskSizeGB)),
		OnlyCriticalAddonsEnabled: compose.Ptr(d.OnlyCriticalAddons),
		Zones:                     stringPtrs(d.Zones),
		NodeLabels:                labelPtrs(d.Labels),
		UpgradeSettings:           &csv1beta2.UpgradeSettingsParameters{MaxSurge: compose.Ptr(maxSurge)},
		Tags:                      s.azureTags(nameCluster + "-" + d.Name),
	}
	if d.MaxPods != nil {
		dnp.MaxPods = compose.Ptr(float64(*d.MaxPods))
	}
	var initProvider csv1beta2.KubernetesClusterInitParameters
	if d.Autoscaling() {
		// Min and max are the XR's; the node count is only the initial one
		// (initProvider), so the cluster autoscaler owns it later.
		dnp.AutoScalingEnabled = compose.Ptr(true)
		dnp.MinCount = compose.Ptr(float64(*d.MinCount))
		dnp.MaxCount = compose.Ptr(float64(*d.MaxCount))
		initProvider.DefaultNodePool = &csv1beta2.DefaultNodePoolInitParameters{NodeCount: compose.Ptr(float64(*d.NodeCount))}
	} else {
		dnp.NodeCount = compose.Ptr(float64(*d.NodeCount))
	}

	aad := &csv1beta2.AzureActiveDirectoryRoleBasedAccessControlParameters{AzureRbacEnabled: compose.Ptr(true)}
	if len(s.p.ClusterAdmins) > 0 {
		admins := append([]string(nil), s.p.ClusterAdmins...)
		sort.Strings(admins)
		aad.AdminGroupObjectIds = stringPtrs(admins)
	}

	fp := csv1beta2.KubernetesClusterParameters{
		Location:                  &s.location,
		ResourceGroupNameSelector: compose.Select(nameResourceGroup),
		DNSPrefix:                 &s.name,
		KubernetesVersion:         &s.version,
		SkuTier:                   compose.Ptr("Standard"),
		SupportPlan:               compose.Ptr("KubernetesOfficial"),
		AutomaticUpgradeChannel:   compose.Ptr("patch"),
		NodeOsUpgradeChannel:      compose.Ptr("NodeImage"),
		NodeResourceGroup:         &s.nodeResourceGroup,
		Identity: &csv1beta2.IdentityParameters{
			Type:                compose.Ptr("UserAssigned"),
			IdentityIdsSelector: compose.Select(nameControlPlaneIdentity),
		},
		DefaultNodePool:                            dnp,
		NetworkProfile:                             s.networkProfile(),
		OidcIssuerEnabled:                          compose.Ptr(true),
		WorkloadIdentityEnabled:                    compose.Ptr(true),
		RoleBasedAccessControlEnabled:              compose.Ptr(true),
		AzureActiveDirectoryRoleBasedAccessControl: aad,
		LocalAccountDisabled:                       compose.Ptr(true),
		AzurePolicyEnabled:                         compose.Ptr(true),
		ImageCleanerEnabled:                        compose.Ptr(true),
		ImageCleanerIntervalHours:                  compose.Ptr(48.0),
		PrivateClusterEnabled:                      compose.Ptr(s.private),
		Tags:                                       s.azureTags(nameCluster),
	}
	if s.private {
		// AKS manages the private DNS zone; no public FQDN resolves to the
		// private endpoint.
		fp.PrivateDNSZoneID = compose.Ptr("System")
		fp.PrivateClusterPublicFqdnEnabled = compose.Ptr(false)
	} else {
		ranges := append([]string(nil), s.p.APIServerAccess.AuthorizedIPRanges...)
		sort.Strings(ranges)
		fp.APIServerAccessProfile = &csv1beta2.APIServerAccessProfileParameters{AuthorizedIPRanges: stringPtrs(ranges)}
	}

	rs := s.resourceSpec()
	rs.WriteConnectionSecretToReference = &xpv1.SecretReference{Name: s.connectionSecret.Name, Namespace: s.connectionSecret.Namespace}
	set.Add(nameCluster, &csv1beta2.KubernetesCluster{
		ObjectMeta: s.metaNamed(s.name),
		Spec: csv1beta2.KubernetesClusterSpec{
			ResourceSpec: rs,
			ForProvider:  fp,
			InitProvider: initProvider,
		},
	})
}

// networkProfile is the cluster network of the Cilium mode. With chainingMode
// none: Azure CNI overlay (pods from podCidr, a /24 per node) with the Cilium
// data plane, which also enforces network policy (without Cilium: the Azure
// data plane and no policy engine). With azure-cni: Azure CNI without
// overlay (pods take node subnet IPs, routed natively, as the roadmap's
// Cilium values with tunnel disabled and no masquerading expect) and no AKS
// network policy engine, so only the chained Cilium enforces policy.
func (s *spoke) networkProfile() *csv1beta2.NetworkProfileParameters {
	np := &csv1beta2.NetworkProfileParameters{
		NetworkPlugin:   compose.Ptr(networkPluginAzure),
		ServiceCidr:     compose.Ptr(s.serviceCIDR.String()),
		DNSServiceIP:    compose.Ptr(s.dnsServiceIP),
		LoadBalancerSku: compose.Ptr("standard"),
		OutboundType:    compose.Ptr("loadBalancer"),
	}
	if s.overlay {
		np.NetworkPluginMode = compose.Ptr(pluginModeOverlay)
		np.PodCidr = compose.Ptr(s.podCIDR.String())
	}
	np.NetworkDataPlane = compose.Ptr(s.dataPlane())
	if s.ciliumDataPlane {
		np.NetworkPolicy = compose.Ptr(dataPlaneCilium)
	}
	return np
}

// dataPlane is the cluster's network data plane.
func (s *spoke) dataPlane() string {
	if s.ciliumDataPlane {
		return dataPlaneCilium
	}
	return dataPlaneAzure
}

// rotationName is the temporary pool AKS creates while it replaces the
// default pool's nodes (a VM size change): at most 12 characters.
func rotationName(pool string) string {
	if len(pool) > 9 {
		pool = pool[:9]
	}
	return pool + "tmp"
}

func stringPtrs(in []string) []*string {
	if len(in) == 0 {
		return nil
	}
	out := make([]*string, 0, len(in))
	for _, v := range in {
		out = append(out, compose.Ptr(v))
	}
	return out
}

func labelPtrs(in map[string]string) map[string]*string {
	if len(in) == 0 {
		return nil
	}
	return compose.Tags(in)
}
