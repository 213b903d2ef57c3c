package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devsecops/platform-functions/functions/argocd/input/v1beta1"
	"github.com/devsecops/platform-functions/internal/compose"
	"github.com/devsecops/platform-functions/internal/spoke"
)

// Labels and annotations of an Argo CD cluster Secret.
const (
	labelSecretType   = "argocd.argoproj.io/secret-type"
	labelRole         = "role"
	labelCloud        = "infrastructure.devsecops/cloud"
	labelClusterName  = "infrastructure.devsecops/cluster-name"
	labelRegion       = "topology.kubernetes.io/region"
	labelK8sVersion   = "kubernetes_version"
	annotationXR      = "infrastructure.devsecops/composite"
	roleSpoke         = "spoke"
	secretTypeCluster = "cluster"
)

// defaultFederatedTokenFile is where the Azure workload identity webhook
// projects the service account token.
const defaultFederatedTokenFile = "/var/run/secrets/azure/tokens/azure-identity-token"

// clusterConfig is the JSON of an Argo CD cluster Secret's config key: the
// fields of Argo CD's ClusterConfig (pkg/apis/application/v1alpha1) this
// function sets. A compatibility test decodes it with Argo CD's own type.
type clusterConfig struct {
	AWSAuthConfig      *awsAuthConfig      `json:"awsAuthConfig,omitempty"`
	ExecProviderConfig *execProviderConfig `json:"execProviderConfig,omitempty"`
	TLSClientConfig    tlsClientConfig     `json:"tlsClientConfig"`
}

type awsAuthConfig struct {
	ClusterName string `json:"clusterName"`
	RoleARN     string `json:"roleARN,omitempty"`
}

type execProviderConfig struct {
	Command    string            `json:"command"`
	Args       []string          `json:"args,omitempty"`
	Env        map[string]string `json:"env,omitempty"`
	APIVersion string            `json:"apiVersion"`
}

type tlsClientConfig struct {
	Insecure bool   `json:"insecure"`
	CAData   string `json:"caData,omitempty"`
}

// secretName is the cluster Secret's name, as in the roadmap
// (eks-spoke-cluster for cluster eks-spoke).
func secretName(c *spoke.Cluster) string { return c.Name + "-cluster" }

// clusterSecret builds the Argo CD cluster Secret of a reachable spoke.
func clusterSecret(c *spoke.Cluster, in *v1beta1.Input, xrName string) (*corev1.Secret, error) {
	cfg := clusterConfig{TLSClientConfig: tlsClientConfig{CAData: c.CAData}}
	switch c.Cloud {
	case spoke.CloudAWS:
		a := &awsAuthConfig{ClusterName: c.Name}
		if c.AWS != nil {
			a.RoleARN = c.AWS.ArgoCDRoleARN
		}
		cfg.AWSAuthConfig = a
	case spoke.CloudAzure:
		// argocd-k8s-auth runs with the Argo CD pod's environment: where the
		// Azure workload identity webhook injected AZURE_CLIENT_ID and
		// friends, naming the login method is enough; the input can name
		// the identity explicitly.
		env := map[string]string{"AAD_LOGIN_METHOD": "workloadidentity"}
		if in.Azure != nil {
			env["AZURE_CLIENT_ID"] = in.Azure.ClientID
			env["AZURE_TENANT_ID"] = in.Azure.TenantID
			env["AZURE_FEDERATED_TOKEN_FILE"] = compose.FirstOf(in.Azure.FederatedTokenFile, defaultFederatedTokenFile)
		}
		cfg.ExecProviderConfig = &execProviderConfig{
			Command:    "argocd-k8s-auth",
			Args:       []string{"azure"},
			Env:        env,
			APIVersion: "client.authentication.k8s.io/v1beta1",
		}
	default:
		return nil, fmt.Errorf("cannot register cluster %s: cloud %q is not supported by function-argocd", c.Name, c.Cloud)
	}
	config, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot encode the Argo CD cluster config: %w", err)
	}

	labels := map[string]string{}
	for k, v := range in.Labels {
		labels[k] = v
	}
	labels[labelSecretType] = secretTypeCluster
	labels[labelRole] = roleSpoke
	labels[labelCloud] = c.Cloud
	labels[labelClusterName] = c.Name
	labels[labelRegion] = c.Region
	if c.KubernetesVersion != "" {
		labels[labelK8sVersion] = c.KubernetesVersion
	}
	addons := append([]string(nil), c.Addons...)
	sort.Strings(addons)
	for _, a := range addons {
		labels["enable_"+strings.ReplaceAll(a, "-", "_")] = "true"
	}

	annotations := map[string]string{annotationXR: xrName}
	for k, v := range c.Metadata {
		annotations[k] = v
	}

	data := map[string][]byte{
		"name":   []byte(c.Name),
		"server": []byte(c.Endpoint),
		"config": config,
	}
	if in.Project != "" {
		data["project"] = []byte(in.Project)
	}
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        secretName(c),
			Namespace:   in.Namespace,
			Labels:      labels,
			Annotations: annotations,
		},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}, nil
}

// keep returns the desired form of an observed Secret: what it holds now, so
// a missing observation of the cluster never changes or drops it.
func keep(observed map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	o := &unstructured.Unstructured{Object: observed}
	u.SetAPIVersion("v1")
	u.SetKind("Secret")
	u.SetName(o.GetName())
	u.SetNamespace(o.GetNamespace())
	u.SetLabels(o.GetLabels())
	annotations := o.GetAnnotations()
	delete(annotations, "crossplane.io/composition-resource-name")
	if len(annotations) > 0 {
		u.SetAnnotations(annotations)
	}
	for _, k := range []string{"type", "data"} {
		if v, ok := observed[k]; ok {
			u.Object[k] = v
		}
	}
	return u
}
