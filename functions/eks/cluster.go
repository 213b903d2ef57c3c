package main

import (
	"encoding/json"

	eksv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta1"
	eksv1beta2 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta2"
	iamv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"

	"github.com/devsecops/platform-functions/internal/compose"
)

// Composition resource names of the control plane.
const (
	nameCluster      = "cluster"
	nameOIDCProvider = "oidc-provider"
)

func nameAddon(addon string) string { return "addon-" + addon }

// Observed fields of the cluster the builders read.
const (
	pathClusterARN    = "status.atProvider.arn"
	pathEndpoint      = "status.atProvider.endpoint"
	pathOIDCIssuer    = "status.atProvider.identity[0].oidc[0].issuer"
	pathClusterSG     = "status.atProvider.vpcConfig.clusterSecurityGroupId"
	pathCAData        = "status.atProvider.certificateAuthority[0].data"
	pathEncryptionKey = "spec.forProvider.encryptionConfig.provider.keyArn"
)

// managedAddons are the EKS managed add-ons every spoke gets. The cluster is
// created without the self-managed ones, so these are the only copies.
var managedAddons = []string{"vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent"}

// cluster composes the EKS control plane: API (access entry) authentication,
// envelope encryption of secrets with the spoke's KMS key, control-plane
// logs, a private endpoint (plus a public one limited to given CIDRs), and the
// managed add-ons. The cluster appears once the key's ARN is observed, since
// encryptionConfig has no reference field.
func (s *spoke) cluster(set *compose.Set, observed compose.Observed) {
	keyARN := compose.FirstOf(
		observed.String(nameKMSKey, "status.atProvider.arn"),
		observed.String(nameCluster, pathEncryptionKey),
	)
	if keyARN == "" {
		s.wait(nameCluster, "the ARN of "+nameKMSKey)
		return
	}
	logTypes := make([]*string, 0, len(s.p.ControlPlaneLogTypes))
	for _, t := range s.p.ControlPlaneLogTypes {
		logTypes = append(logTypes, compose.Ptr(string(t)))
	}
	vpc := &eksv1beta2.VPCConfigParameters{
		EndpointPrivateAccess: compose.Ptr(true),
		EndpointPublicAccess:  compose.Ptr(s.p.EndpointAccess.Public),
		SubnetIDSelector:      compose.SelectLabels(tierLabels(tierPrivate)),
	}
	if s.p.EndpointAccess.Public {
		for _, c := range s.p.EndpointAccess.PublicAccessCIDRs {
			vpc.PublicAccessCidrs = append(vpc.PublicAccessCidrs, compose.Ptr(c))
		}
	}
	set.Add(nameCluster, &eksv1beta2.Cluster{
		ObjectMeta: s.metaNamed(s.name, nil),
		Spec: eksv1beta2.ClusterSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: eksv1beta2.ClusterParameters{
				Region:  &s.region,
				Version: &s.version,
				AccessConfig: &eksv1beta2.AccessConfigParameters{
					AuthenticationMode:                      compose.Ptr("API"),
					BootstrapClusterCreatorAdminPermissions: compose.Ptr(false),
				},
				BootstrapSelfManagedAddons: compose.Ptr(false),
				EnabledClusterLogTypes:     logTypes,
				EncryptionConfig: &eksv1beta2.EncryptionConfigParameters{
					Provider:  &eksv1beta2.ProviderParameters{KeyArn: &keyARN},
					Resources: []*string{compose.Ptr("secrets")},
				},
				KubernetesNetworkConfig: &eksv1beta2.KubernetesNetworkConfigParameters{
					IPFamily:        compose.Ptr("ipv4"),
					ServiceIPv4Cidr: &s.serviceCIDR,
				},
				RoleArnSelector: compose.Select(nameClusterRole),
				VPCConfig:       vpc,
				Tags:            s.awsTags(nameCluster, nil),
			},
		},
	})

	for _, a := range managedAddons {
		set.Add(nameAddon(a), s.addon(a))
	}
}

// addon composes one EKS managed add-on at the default version for the
// cluster's Kubernetes version.
func (s *spoke) addon(name string) *eksv1beta1.Addon {
	p := eksv1beta1.AddonParameters{
		Region:                   &s.region,
		AddonName:                &name,
		ClusterNameSelector:      compose.Select(nameCluster),
		ResolveConflictsOnCreate: compose.Ptr("OVERWRITE"),
		ResolveConflictsOnUpdate: compose.Ptr("OVERWRITE"),
		Tags:                     s.awsTags(nameAddon(name), nil),
	}
	if name == "vpc-cni" {
		p.ConfigurationValues = compose.Ptr(s.vpcCNIConfig())
	}
	return &eksv1beta1.Addon{
		ObjectMeta: s.meta(nil),
		Spec: eksv1beta1.AddonSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider:  p,
		},
	}
}

// vpcCNIConfig is the VPC CNI's add-on configuration. With Cilium chained
// behind it (cni.chainingMode=aws-cni) Cilium enforces network policy, so the
// VPC CNI's own policy agent stays off and only one engine runs; without
// Cilium the VPC CNI enforces NetworkPolicies itself.
func (s *spoke) vpcCNIConfig() string {
	cfg := map[string]string{"enableNetworkPolicy": "true"}
	if s.p.Cilium.Enabled {
		cfg["enableNetworkPolicy"] = "false"
	}
	b, _ := json.Marshal(cfg) //nolint:errchkjson // A map of strings always marshals.
	return string(b)
}

// oidcProvider composes the IAM OIDC provider for IRSA once the cluster's
// issuer is observed, and keeps it from its own observed URL afterwards.
func (s *spoke) oidcProvider(set *compose.Set, observed compose.Observed) {
	issuer := compose.FirstOf(
		observed.String(nameCluster, pathOIDCIssuer),
		observed.String(nameOIDCProvider, "spec.forProvider.url"),
	)
	if issuer == "" {
		if set.Has(nameCluster) {
			s.wait(nameOIDCProvider, "the OIDC issuer of "+nameCluster)
		}
		return
	}
	set.Add(nameOIDCProvider, &iamv1beta1.OpenIDConnectProvider{
		ObjectMeta: s.meta(nil),
		Spec: iamv1beta1.OpenIDConnectProviderSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: iamv1beta1.OpenIDConnectProviderParameters{
				URL:          &issuer,
				ClientIDList: []*string{compose.Ptr("sts.amazonaws.com")},
				Tags:         s.awsTags(nameOIDCProvider, nil),
			},
		},
	})
}
