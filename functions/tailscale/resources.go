package main

import (
	"encoding/json"
	"time"

	k8sobject "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/devsecops/platform-functions/internal/compose"
)

// Composition resource names.
const (
	// nameSecret is the hub Secret holding the auth key.
	nameSecret = "tailscale-auth-key"
	// nameSpokeNamespace is the provider-kubernetes Object creating the
	// spoke namespace that receives the key.
	nameSpokeNamespace = "tailscale-spoke-namespace"
	// nameSpokeSecret is the provider-kubernetes Object writing the key into
	// the spoke.
	nameSpokeSecret = "tailscale-spoke-auth-key"
)

// labelManagedBy marks what the function writes, on the hub and in the spoke.
const (
	labelManagedBy = "app.kubernetes.io/managed-by"
	managedBy      = "function-tailscale"
)

// secret is the hub Secret holding k and the state the next reconcile needs.
func (p *plan) secret(k *authKey) *corev1.Secret {
	a := map[string]string{
		AnnotationKeyID:    k.ID,
		AnnotationExpires:  k.Expires.UTC().Format(time.RFC3339),
		AnnotationSettings: k.Settings,
	}
	if !k.Created.IsZero() {
		a[AnnotationCreated] = k.Created.UTC().Format(time.RFC3339)
	}
	if k.Revoke != "" {
		a[AnnotationRevoke] = k.Revoke
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:        p.secretName,
			Namespace:   p.secretNamespace,
			Labels:      map[string]string{labelManagedBy: managedBy},
			Annotations: a,
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{DataKey: []byte(k.Key)},
	}
}

// spokeNamespace creates the spoke namespace if it is missing. It never
// updates or deletes it: the namespace may hold the subnet router or the
// Tailscale operator, which Argo CD owns.
func (p *plan) spokeNamespace() *k8sobject.Object {
	return &k8sobject.Object{
		Spec: k8sobject.ObjectSpec{
			ResourceSpec: xpv1.ResourceSpec{
				ProviderConfigReference: &xpv1.Reference{Name: p.providerConfig},
				ManagementPolicies:      xpv1.ManagementPolicies{xpv1.ManagementActionObserve, xpv1.ManagementActionCreate},
			},
			ForProvider: k8sobject.ObjectParameters{Manifest: manifest(map[string]any{
				"apiVersion": "v1",
				"kind":       "Namespace",
				"metadata": map[string]any{
					"name":   p.deliveryNamespace,
					"labels": map[string]any{labelManagedBy: managedBy},
				},
			})},
		},
	}
}

// spokeSecret writes the key into the spoke. The key itself never appears in
// the Object: provider-kubernetes copies it from the hub Secret
// (references.patchesFrom) each time it applies the manifest. The key id in
// the manifest's annotations changes on rotation, so the Object is updated
// and re-applied at once.
func (p *plan) spokeSecret(k *authKey) *k8sobject.Object {
	field := "data." + DataKey
	return &k8sobject.Object{
		Spec: k8sobject.ObjectSpec{
			ResourceSpec: xpv1.ResourceSpec{
				ProviderConfigReference: &xpv1.Reference{Name: p.providerConfig},
				// The Secret goes away with the spoke; deleting it through
				// a spoke that is being deleted would block the XR.
				DeletionPolicy: xpv1.DeletionOrphan,
			},
			ForProvider: k8sobject.ObjectParameters{Manifest: manifest(map[string]any{
				"apiVersion": "v1",
				"kind":       "Secret",
				"type":       string(corev1.SecretTypeOpaque),
				"metadata": map[string]any{
					"name":      p.deliverySecret,
					"namespace": p.deliveryNamespace,
					"labels":    map[string]any{labelManagedBy: managedBy},
					"annotations": map[string]any{
						AnnotationKeyID:   k.ID,
						AnnotationExpires: k.Expires.UTC().Format(time.RFC3339),
					},
				},
			})},
			References: []k8sobject.Reference{{
				PatchesFrom: &k8sobject.PatchesFrom{
					DependsOn: k8sobject.DependsOn{
						APIVersion: "v1",
						Kind:       "Secret",
						Name:       p.secretName,
						Namespace:  p.secretNamespace,
					},
					FieldPath: &field,
				},
				ToFieldPath: &field,
			}},
		},
	}
}

// manifest encodes an embedded object. Encoding a map of strings cannot
// fail.
func manifest(m map[string]any) runtime.RawExtension {
	b, _ := json.Marshal(m)
	return runtime.RawExtension{Raw: b}
}

// delivery composes the Objects that put the key into the spoke, each once
// what it needs exists, and keeps each once observed. It returns what is
// still waited for.
func (p *plan) delivery(set *compose.Set, observed compose.Observed, k *authKey, providerConfigExists bool) (waits []string) {
	if p.providerConfig == "" {
		return nil
	}
	var needs string
	switch {
	case !p.clusterReady:
		needs = "the spoke's API endpoint"
	case !providerConfigExists:
		needs = "ProviderConfig " + p.providerConfig
	case !observed.Exists(nameSecret):
		needs = "the hub Secret " + p.secretNamespace + "/" + p.secretName
	}
	if needs == "" || observed.Exists(nameSpokeNamespace) {
		set.Add(nameSpokeNamespace, p.spokeNamespace())
	} else {
		waits = append(waits, nameSpokeNamespace+" (needs "+needs+")")
	}
	switch {
	case observed.Exists(nameSpokeSecret):
		set.Add(nameSpokeSecret, p.spokeSecret(k))
	case !set.Has(nameSpokeNamespace):
		waits = append(waits, nameSpokeSecret+" (needs "+needs+")")
	case !observed.Ready(nameSpokeNamespace):
		waits = append(waits, nameSpokeSecret+" (needs "+nameSpokeNamespace+" to be ready)")
	default:
		set.Add(nameSpokeSecret, p.spokeSecret(k))
	}
	return waits
}
