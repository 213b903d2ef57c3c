// Package argocdcompat proves the Argo CD cluster Secrets our functions compose
// are what Argo CD v3 reads: it decodes them with Argo CD's own code (strict
// ClusterConfig, db.SecretToCluster) and runs Argo CD's ApplicationSet cluster
// generator with the roadmap's spoke-agents selector over them.
//
// It is a separate Go module because argo-cd/v3's dependency graph does not
// fit the main module's; it reads the main module's reviewed golden renders.
package argocdcompat

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argoproj/argo-cd/v3/applicationset/generators"
	appsetv1alpha1 "github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/util/db"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"
)

// clusterSecrets returns the Argo CD cluster Secrets of every converged
// golden render, by file.
func clusterSecrets(t *testing.T) map[string][]corev1.Secret {
	t.Helper()
	files, err := filepath.Glob("../testdata/golden/*/*.converged.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden renders found (%v)", err)
	}
	// crossplane render cannot pass an AKS cluster's connection details
	// (its CA), so AKS Secrets come from function-argocd's own goldens.
	aks, err := filepath.Glob("../../functions/argocd/testdata/aks-*.yaml")
	if err != nil || len(aks) == 0 {
		t.Fatalf("no AKS cluster Secret goldens found (%v)", err)
	}
	files = append(files, aks...)
	out := map[string][]corev1.Secret{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range bytes.Split(append([]byte("\n"), b...), []byte("\n---")) {
			var s corev1.Secret
			if err := yaml.Unmarshal(doc, &s); err != nil || s.Kind != "Secret" {
				continue
			}
			if s.Labels["argocd.argoproj.io/secret-type"] == "cluster" {
				out[f] = append(out[f], s)
			}
		}
	}
	return out
}

func TestClusterSecretsAreArgoCDClusters(t *testing.T) {
	all := clusterSecrets(t)
	n := 0
	for file, secrets := range all {
		for _, s := range secrets {
			n++
			t.Run(filepath.Base(file)+"/"+s.Name, func(t *testing.T) {
				// Strict decode: every key we write is one Argo CD knows.
				var cfg appsetv1alpha1.ClusterConfig
				dec := json.NewDecoder(bytes.NewReader(s.Data["config"]))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&cfg); err != nil {
					t.Fatalf("config is not an Argo CD ClusterConfig: %v\n%s", err, s.Data["config"])
				}
				c, err := db.SecretToCluster(&s)
				if err != nil {
					t.Fatalf("SecretToCluster: %v", err)
				}
				if c.Name == "" || !strings.HasPrefix(c.Server, "https://") {
					t.Errorf("cluster name %q server %q: both must be set", c.Name, c.Server)
				}
				if len(cfg.CAData) == 0 || cfg.Insecure {
					t.Errorf("TLS: caData must be set and insecure false")
				}
				switch s.Labels["infrastructure.devsecops/cloud"] {
				case "aws":
					if cfg.AWSAuthConfig == nil || cfg.AWSAuthConfig.ClusterName != c.Name {
						t.Errorf("EKS clusters authenticate with awsAuthConfig for cluster %s: %+v", c.Name, cfg.AWSAuthConfig)
					}
				case "azure":
					if cfg.ExecProviderConfig == nil || cfg.ExecProviderConfig.Command != "argocd-k8s-auth" {
						t.Errorf("AKS clusters authenticate with argocd-k8s-auth: %+v", cfg.ExecProviderConfig)
					}
				default:
					t.Errorf("unknown cloud label %q", s.Labels["infrastructure.devsecops/cloud"])
				}
			})
		}
	}
	if n == 0 {
		t.Fatal("no Argo CD cluster Secret in any converged golden render")
	}
}

// TestRoadmapApplicationSetSelectsSpokes runs Argo CD's cluster generator with
// the roadmap's spoke-agents selector (role: spoke) over the Secrets.
func TestRoadmapApplicationSetSelectsSpokes(t *testing.T) {
	// One Secret per name, as in a real argocd namespace.
	var objs []runtime.Object
	var want []string
	seen := map[string]bool{}
	for _, secrets := range clusterSecrets(t) {
		for i := range secrets {
			s := secrets[i]
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			s.ResourceVersion = ""
			objs = append(objs, &s)
			want = append(want, string(s.Data["name"]))
		}
	}
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithRuntimeObjects(objs...).Build()
	g := generators.NewClusterGenerator(context.Background(), c, kubefake.NewSimpleClientset(objs...), "argocd")
	gen := &appsetv1alpha1.ApplicationSetGenerator{Clusters: &appsetv1alpha1.ClusterGenerator{
		Selector: metav1.LabelSelector{MatchLabels: map[string]string{"role": "spoke"}},
	}}
	appSet := &appsetv1alpha1.ApplicationSet{ObjectMeta: metav1.ObjectMeta{Name: "spoke-agents", Namespace: "argocd"}}
	params, err := g.GenerateParams(gen, appSet, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(params) != len(want) {
		t.Fatalf("generator matched %d clusters, want %d: %v", len(params), len(want), params)
	}
	for _, p := range params {
		for _, k := range []string{"name", "nameNormalized", "server", "metadata.labels.role"} {
			if v, _ := p[k].(string); v == "" {
				t.Errorf("generator parameter %s is empty in %v", k, p)
			}
		}
		if p["metadata.labels.role"] != "spoke" {
			t.Errorf("role label %v", p["metadata.labels.role"])
		}
	}
}
