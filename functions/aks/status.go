package main

import (
	"encoding/base64"
	"strings"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/internal/compose"
	spokectx "github.com/devsecops/platform-functions/internal/spoke"
)

// compose builds the spoke's desired resources in a fixed order. Builders that
// need observed data skip what cannot be built yet and keep what was built
// before from its own observed spec.
func (s *spoke) compose(observed compose.Observed) *compose.Set {
	set := compose.NewSet()
	s.network(set)
	s.controlPlaneIdentity(set, observed)
	s.cluster(set, observed)
	s.nodePools(set)
	s.argoCDAccess(set, observed)
	s.karpenterPrereqs(set, observed)
	return set
}

// status copies what users and later pipeline steps need from the observed
// resources. Fields stay empty until observed.
func (s *spoke) status(observed compose.Observed) v1alpha1.XAKSClusterStatus {
	st := v1alpha1.XAKSClusterStatus{
		ClusterName:       s.name,
		ResourceGroupID:   observed.String(nameResourceGroup, pathID),
		NodeResourceGroup: observed.String(nameCluster, pathNodeResourceGroup),
		VNetID:            observed.String(nameVNet, pathID),
		NodeSubnetID:      observed.String(nameNodeSubnet, pathID),
		ClusterID:         observed.String(nameCluster, pathID),
		FQDN:              s.fqdn(observed),
		OIDCIssuerURL:     observed.String(nameCluster, pathOIDCIssuer),
		NetworkDataPlane:  s.dataPlane(),
		KubeconfigSecret:  &v1alpha1.SecretRef{Name: s.connectionSecret.Name, Namespace: s.connectionSecret.Namespace},
	}
	kubelet := v1alpha1.AKSIdentityStatus{
		ClientID:   observed.String(nameCluster, pathKubeletClientID),
		ObjectID:   observed.String(nameCluster, pathKubeletObjectID),
		ResourceID: observed.String(nameCluster, pathKubeletIdentityID),
	}
	if kubelet != (v1alpha1.AKSIdentityStatus{}) {
		st.KubeletIdentity = &kubelet
	}
	if s.karpenterOn {
		st.Karpenter = &v1alpha1.AKSKarpenterStatus{
			IdentityClientID: observed.String(nameKarpenterIdentity, pathClientID),
			ServiceAccount:   karpenterNamespace + "/" + karpenterServiceAccount,
		}
	}
	return st
}

// fqdn is the API server's host name: the private one of a private cluster.
func (s *spoke) fqdn(observed compose.Observed) string {
	if s.private {
		return compose.FirstOf(observed.String(nameCluster, pathPrivateFQDN), observed.String(nameCluster, pathFQDN))
	}
	return observed.String(nameCluster, pathFQDN)
}

// spokeCluster describes the spoke for the steps after function-aks
// (pipeline context, see internal/spoke). The CA comes from the cluster's
// connection details, which Crossplane passes to functions.
func (s *spoke) spokeCluster(observed compose.Observed, st v1alpha1.XAKSClusterStatus) *spokectx.Cluster {
	c := &spokectx.Cluster{
		Cloud:             spokectx.CloudAzure,
		Name:              s.name,
		Region:            s.location,
		KubernetesVersion: s.version,
		ArgoCD:            s.argoCD,
	}
	if st.FQDN != "" {
		c.Endpoint = "https://" + st.FQDN + ":443"
	}
	if ca := observed.ConnectionDetail(nameCluster, connCA); len(ca) > 0 {
		c.CAData = base64.StdEncoding.EncodeToString(ca)
	}
	for _, a := range s.p.Addons {
		c.Addons = append(c.Addons, string(a))
	}
	md := map[string]string{
		"aks_cluster_name":               s.name,
		"azure_location":                 s.location,
		"azure_subscription_id":          subscriptionOf(st.ResourceGroupID),
		"azure_resource_group":           s.resourceGroup,
		"azure_node_resource_group":      st.NodeResourceGroup,
		"azure_vnet_id":                  st.VNetID,
		"azure_node_subnet_id":           st.NodeSubnetID,
		"aks_oidc_issuer_url":            st.OIDCIssuerURL,
		"aks_network_data_plane":         st.NetworkDataPlane,
		"aks_kubelet_identity_client_id": "",
		"karpenter_identity_client_id":   "",
		"karpenter_service_account":      "",
	}
	if st.KubeletIdentity != nil {
		md["aks_kubelet_identity_client_id"] = st.KubeletIdentity.ClientID
	}
	if st.Karpenter != nil {
		md["karpenter_identity_client_id"] = st.Karpenter.IdentityClientID
		md["karpenter_service_account"] = st.Karpenter.ServiceAccount
	}
	c.Metadata = map[string]string{}
	for k, v := range md {
		if v != "" {
			c.Metadata[k] = v
		}
	}
	return c
}

// subscriptionOf returns the subscription id of an Azure resource id
// (/subscriptions/<id>/...), or "".
func subscriptionOf(id string) string {
	rest, ok := strings.CutPrefix(id, "/subscriptions/")
	if !ok {
		return ""
	}
	sub, _, _ := strings.Cut(rest, "/")
	return sub
}
