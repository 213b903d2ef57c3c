package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/devsecops/platform-functions/internal/tailscaletest"
	"github.com/devsecops/platform-functions/internal/xpkg"
	"github.com/devsecops/platform-functions/test/harness"
)

// EnvE2E enables the end-to-end test.
const EnvE2E = "PLATFORM_E2E"

const (
	claimFile  = "examples/eks/claim.yaml"
	goldenFile = "test/testdata/golden/eks/claim.converged.yaml"
	version    = "v0.1.0"
	// tailscaleSecret is the composition resource name of function-
	// tailscale's hub Secret; render cannot reach a Tailscale API, so the
	// golden lacks it and the hub test expects it in addition.
	tailscaleSecret = "tailscale-auth-key"
	labelComposite  = "crossplane.io/composite"
)

var (
	xrdGVK   = schema.GroupVersionKind{Group: "apiextensions.crossplane.io", Version: "v1", Kind: "CompositeResourceDefinition"}
	crdGVK   = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}
	xrGVK    = schema.GroupVersionKind{Group: harness.GroupOwnXRs, Version: "v1alpha1", Kind: "XEKSCluster"}
	claimGVK = schema.GroupVersionKind{Group: harness.GroupOwnXRs, Version: "v1alpha1", Kind: "EKSCluster"}
)

// TestEKSClaimOnARealHub is the user's path: install the packages into a
// hub's Crossplane, apply the roadmap's EKSCluster claim, watch the managed
// resources appear, let the (simulated) provider report them ready, see the
// claim become Ready, delete it.
func TestEKSClaimOnARealHub(t *testing.T) {
	if os.Getenv(EnvE2E) == "" {
		t.Skipf("the end-to-end hub test runs with %s=1 (make e2e)", EnvE2E)
	}
	if err := CheckNamespaces(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	root, err := xpkg.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := workDir(t, root)

	// Build: the control plane from the module proxy, the packages as make
	// xpkg does.
	start := time.Now()
	b, err := BuildAll(ctx, root, filepath.Join(dir, "build"), testWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built in %s", time.Since(start).Round(time.Second))

	reg, err := StartRegistry()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	refs, err := reg.Push(ctx, root, b, version)
	if err != nil {
		t.Fatal(err)
	}

	// The Tailscale control plane is the one remote service the hub
	// reaches; a server speaking its API stands in for it.
	ts := tailscaletest.NewServer(time.Now)
	t.Cleanup(ts.Close)

	fnNames := slices.Sorted(maps.Keys(b.Functions))
	start = time.Now()
	hub, err := StartHub(ctx, filepath.Join(dir, "hub"), b.Bins, fnNames)
	t.Cleanup(func() {
		if hub != nil {
			hub.Stop()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("hub up in %s (kubeconfig %s)", time.Since(start).Round(time.Second), hub.Kubeconfig)

	golden, err := harness.LoadYAML(filepath.Join(root, goldenFile))
	if err != nil {
		t.Fatal(err)
	}
	goldenXR, goldenComposed := splitGolden(t, golden)
	schemas := providerSchemas(t, root)

	// What the hub's operator installs before the Configuration: the
	// providers' CRDs, the Argo CD namespace and the Tailscale OAuth client.
	start = time.Now()
	n := installProviderCRDs(ctx, t, hub, schemas, goldenComposed)
	t.Logf("installed %d provider CRDs in %s", n, time.Since(start).Round(time.Second))
	mustApply(ctx, t, hub, toUnstructured(t, &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "argocd"}}))
	mustApply(ctx, t, hub, toUnstructured(t, &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: "tailscale-oauth", Namespace: CrossplaneNamespace},
		StringData: map[string]string{"client_id": tailscaletest.ClientID, "client_secret": tailscaletest.ClientSecret, "base_url": ts.URL},
	}))

	// The packages, pulled by Crossplane from the registry.
	start = time.Now()
	for _, fn := range fnNames {
		if err := hub.InstallFunction(ctx, fn, refs[fn], b.Functions[fn]); err != nil {
			t.Fatal(err)
		}
	}
	if err := hub.InstallConfiguration(ctx, xpkg.ConfigurationName, refs[xpkg.ConfigurationName]); err != nil {
		t.Fatal(err)
	}
	waitXRDs(ctx, t, hub, root)
	t.Logf("installed %d Functions and the Configuration in %s", len(fnNames), time.Since(start).Round(time.Second))

	// The claim.
	claims, err := harness.LoadYAML(filepath.Join(root, claimFile))
	if err != nil {
		t.Fatal(err)
	}
	claim := claims[0]
	mustApply(ctx, t, hub, claim)
	start = time.Now()
	xr := waitXR(ctx, t, hub, claim)
	t.Logf("claim %s/%s bound to XR %s in %s", claim.GetNamespace(), claim.GetName(), xr.GetName(), time.Since(start).Round(time.Second))

	// Play the provider until the XR is Ready.
	sim := harness.NewSimulator(schemas)
	ids := newIdentities(goldenXR, goldenComposed, xr)
	rounds, xr := converge(ctx, t, hub, sim, ids, xr)
	t.Logf("XR Ready after %d provider rounds, %s", rounds, time.Since(start).Round(time.Second))

	composed := composedResources(ctx, t, hub, xr)
	checkComposedSet(t, goldenComposed, composed)
	checkSpecs(t, ids, goldenComposed, composed)
	checkClaim(ctx, t, hub, claim, xr, goldenXR, ids)
	checkTailscale(t, ts, composed)

	// Delete the claim: everything composed goes, used resources after
	// their users.
	start = time.Now()
	deleteClaim(ctx, t, hub, claim, xr, composed)
	t.Logf("claim, XR and %d composed resources deleted in %s", len(composed), time.Since(start).Round(time.Second))
}

// workDir is where the test builds and the hub keeps its data and logs:
// removed after a pass, kept (and named) after a failure.
func workDir(t *testing.T, root string) string {
	base := os.Getenv("E2E_WORKDIR")
	if base == "" {
		base = filepath.Join(root, "_output")
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(base, "e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(dir, "hub", "*.log"))
			for _, l := range logs {
				p := &proc{name: filepath.Base(l), log: l}
				t.Logf("last lines of %s:\n%s", l, p.tail(25))
			}
			t.Logf("kept the hub's data and logs in %s (one .log per process under hub/)", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	return dir
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func toUnstructured(t *testing.T, v any) *unstructured.Unstructured {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	return u
}

func mustApply(ctx context.Context, t *testing.T, h *Hub, o *unstructured.Unstructured) {
	t.Helper()
	if _, err := h.Apply(ctx, o); err != nil {
		t.Fatalf("apply %s %s: %v", o.GetKind(), o.GetName(), err)
	}
}

// splitGolden returns the golden render's XR and its composed resources by
// composition resource name.
func splitGolden(t *testing.T, objs []*unstructured.Unstructured) (*unstructured.Unstructured, map[string]*unstructured.Unstructured) {
	t.Helper()
	var xr *unstructured.Unstructured
	composed := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		switch {
		case o.GroupVersionKind() == xrGVK:
			xr = o
		case harness.ResourceName(o) != "":
			composed[harness.ResourceName(o)] = o
		}
	}
	if xr == nil || len(composed) == 0 {
		t.Fatalf("%s holds no XEKSCluster and composed resources", goldenFile)
	}
	return xr, composed
}

func providerSchemas(t *testing.T, root string) *harness.SchemaIndex {
	t.Helper()
	h, err := harness.New(harness.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := h.Schemas()
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// extraKinds are kinds the hub needs though the golden render composes
// none: provider-kubernetes's ProviderConfig (the provider is a dependency
// of the Configuration), which function-tailscale asks Crossplane for.
// Crossplane fails the pipeline when a required resource's kind is unknown.
// (provider-kubernetes's Object CRD converts through the provider's webhook,
// which needs the provider running; the claim composes no Object before
// the spoke's ProviderConfig exists.)
var extraKinds = []schema.GroupKind{{Group: "kubernetes.crossplane.io", Kind: "ProviderConfig"}}

// installProviderCRDs applies, from the provider modules' package/crds, the
// CRD of every managed resource kind the golden render composes and of
// extraKinds, and waits for them to be established.
func installProviderCRDs(ctx context.Context, t *testing.T, h *Hub, idx *harness.SchemaIndex, composed map[string]*unstructured.Unstructured) int {
	t.Helper()
	want := map[schema.GroupKind]bool{}
	versions := map[schema.GroupKind]string{}
	for _, o := range composed {
		if harness.IsManaged(o) {
			gvk := o.GroupVersionKind()
			want[gvk.GroupKind()] = true
			versions[gvk.GroupKind()] = gvk.Version
		}
	}
	for _, gk := range extraKinds {
		want[gk] = true
	}
	found := map[schema.GroupKind]bool{}
	var names []string
	groups := map[string]bool{}
	for gk := range want {
		groups[gk.Group] = true
	}
	for g := range groups {
		for _, f := range idx.Files[g] {
			objs, err := harness.LoadYAML(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, crd := range objs {
				kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
				gk := schema.GroupKind{Group: g, Kind: kind}
				if !want[gk] {
					continue
				}
				if v := versions[gk]; v != "" {
					storeVersion(t, crd, v)
				}
				mustApply(ctx, t, h, crd)
				names = append(names, crd.GetName())
				found[gk] = true
			}
		}
	}
	for gk := range want {
		if !found[gk] {
			t.Fatalf("no CRD for %s in the provider modules", gk)
		}
	}
	for _, n := range names {
		waitCondition(ctx, t, h, crdGVK, "", n, "Established")
	}
	return len(names)
}

// storeVersion makes version v the only version of a CRD, stored as is.
// Upjet CRDs store an older version (v1beta1) and convert through the
// provider's webhook, which Crossplane wires up when it installs the
// provider; no provider runs here, and the API server's None conversion
// would prune every field the stored version lacks.
func storeVersion(t *testing.T, crd *unstructured.Unstructured, v string) {
	t.Helper()
	vs, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, e := range vs {
		m, _ := e.(map[string]any)
		if m["name"] == v {
			m["storage"], m["served"] = true, true
			if err := unstructured.SetNestedSlice(crd.Object, []any{m}, "spec", "versions"); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("CRD %s has no version %s", crd.GetName(), v)
}

func waitCondition(ctx context.Context, t *testing.T, h *Hub, gvk schema.GroupVersionKind, ns, name, typ string) *unstructured.Unstructured {
	t.Helper()
	var o *unstructured.Unstructured
	if err := poll(ctx, fmt.Sprintf("%s %s %s=True", gvk.Kind, name, typ), time.Second/2, func() (bool, error) {
		var err error
		o, err = h.Get(ctx, gvk, ns, name)
		return o != nil && harness.ConditionStatus(o, typ) == "True", err
	}); err != nil {
		t.Fatalf("%v (%s)", err, h.describe(ctx, gvk, ns, name))
	}
	return o
}

// waitXRDs waits for every XRD of the Configuration to be Established and
// its claim Offered.
func waitXRDs(ctx context.Context, t *testing.T, h *Hub, root string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, harness.XRDDir, "*.yaml"))
	if len(files) == 0 {
		t.Fatalf("no XRDs in %s", harness.XRDDir)
	}
	for _, f := range files {
		objs, err := harness.LoadYAML(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			waitCondition(ctx, t, h, xrdGVK, "", o.GetName(), "Established")
			waitCondition(ctx, t, h, xrdGVK, "", o.GetName(), "Offered")
		}
	}
}

// waitXR waits for the claim to reference its XR and returns the XR.
func waitXR(ctx context.Context, t *testing.T, h *Hub, claim *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	var xr *unstructured.Unstructured
	if err := poll(ctx, "the claim's XR", time.Second/2, func() (bool, error) {
		c, err := h.Get(ctx, claimGVK, claim.GetNamespace(), claim.GetName())
		if err != nil || c == nil {
			return false, err
		}
		name, _, _ := unstructured.NestedString(c.Object, "spec", "resourceRef", "name")
		if name == "" {
			return false, nil
		}
		xr, err = h.Get(ctx, xrGVK, "", name)
		return xr != nil, err
	}); err != nil {
		t.Fatalf("%v (%s)", err, h.describe(ctx, claimGVK, claim.GetNamespace(), claim.GetName()))
	}
	return xr
}

// identities maps the hub's names (the XR's, the composed resources') to
// the golden render's, so the simulator derives the same identifiers from
// them and the specs can be compared.
type identities struct {
	goldenXR, xr string
	// golden is the golden name of each composition resource name.
	golden map[string]string
	// toHub maps golden names to the hub's; replacer rewrites them.
	toHub    map[string]string
	replacer *strings.Replacer
}

func newIdentities(goldenXR *unstructured.Unstructured, composed map[string]*unstructured.Unstructured, xr *unstructured.Unstructured) *identities {
	ids := &identities{goldenXR: goldenXR.GetName(), xr: xr.GetName(), golden: map[string]string{}, toHub: map[string]string{goldenXR.GetName(): xr.GetName()}}
	for n, o := range composed {
		ids.golden[n] = o.GetName()
	}
	return ids
}

// learn records the hub name of a composed resource.
func (ids *identities) learn(o *unstructured.Unstructured) {
	if g := ids.golden[harness.ResourceName(o)]; g != "" && ids.toHub[g] != o.GetName() {
		ids.toHub[g] = o.GetName()
		ids.replacer = nil
	}
}

// toHubNames rewrites the golden names in s into the hub's.
func (ids *identities) toHubNames(s string) string {
	if ids.replacer == nil {
		var pairs []string
		for g, h := range ids.toHub {
			pairs = append(pairs, g, h)
		}
		ids.replacer = strings.NewReplacer(pairs...)
	}
	return ids.replacer.Replace(s)
}

// asGolden returns a copy of a hub object named as in the golden render.
func (ids *identities) asGolden(o *unstructured.Unstructured) *unstructured.Unstructured {
	c := o.DeepCopy()
	if g := ids.golden[harness.ResourceName(o)]; g != "" {
		c.SetName(g)
	}
	l := c.GetLabels()
	if l[labelComposite] == ids.xr {
		l[labelComposite] = ids.goldenXR
		c.SetLabels(l)
	}
	return c
}

// converge plays the provider: every managed resource of the XR not yet
// Ready gets the status (and external name) the simulator derives, as the
// provider would write it, until the XR is Ready. It returns the number of
// rounds that patched something.
func converge(ctx context.Context, t *testing.T, h *Hub, sim *harness.Simulator, ids *identities, xr *unstructured.Unstructured) (int, *unstructured.Unstructured) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	rounds := 0
	err := poll(ctx, "the XR to be Ready", 2*time.Second, func() (bool, error) {
		var err error
		if xr, err = h.Get(ctx, xrGVK, "", xr.GetName()); err != nil || xr == nil {
			return false, err
		}
		if harness.ConditionStatus(xr, "Ready") == "True" {
			return true, nil
		}
		var pending []*unstructured.Unstructured
		for _, o := range composedResources(ctx, t, h, xr) {
			ids.learn(o)
			if harness.IsManaged(o) && harness.ConditionStatus(o, "Ready") != "True" {
				pending = append(pending, o)
			}
		}
		if len(pending) == 0 {
			return false, nil
		}
		rounds++
		in := make([]*unstructured.Unstructured, len(pending))
		for i, o := range pending {
			in[i] = ids.asGolden(o)
		}
		observed, err := sim.Simulate(in)
		if err != nil {
			return false, &permanent{err}
		}
		for i, o := range pending {
			if err := provide(ctx, h, o, observed[i]); err != nil {
				return false, err
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("%v\nXR conditions: %s", err, h.describe(ctx, xrGVK, "", xr.GetName()))
	}
	return rounds, xr
}

// provide writes what the provider would: the external name and the status
// (atProvider, Ready and Synced).
func provide(ctx context.Context, h *Hub, o, observed *unstructured.Unstructured) error {
	gvk := o.GroupVersionKind()
	r, err := h.Resource(gvk, o.GetNamespace())
	if err != nil {
		return err
	}
	if en := observed.GetAnnotations()[harness.AnnotationExternalName]; en != "" && o.GetAnnotations()[harness.AnnotationExternalName] == "" {
		patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{harness.AnnotationExternalName: en}}})
		if _, err := r.Patch(ctx, o.GetName(), "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("external name of %s %s: %w", gvk.Kind, o.GetName(), err)
		}
	}
	status, _, _ := unstructured.NestedMap(observed.Object, "status")
	now := metav1.Now().UTC().Format(time.RFC3339)
	if conds, ok := status["conditions"].([]any); ok {
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok {
				m["lastTransitionTime"] = now
			}
		}
	}
	patch, err := json.Marshal(map[string]any{"status": status})
	if err != nil {
		return err
	}
	if err := h.PatchStatus(ctx, gvk, o.GetNamespace(), o.GetName(), patch); err != nil {
		return fmt.Errorf("status of %s %s: %w", gvk.Kind, o.GetName(), err)
	}
	return nil
}

// composedResources reads every resource the XR references, by composition
// resource name.
func composedResources(ctx context.Context, t *testing.T, h *Hub, xr *unstructured.Unstructured) map[string]*unstructured.Unstructured {
	t.Helper()
	refs, _, _ := unstructured.NestedSlice(xr.Object, "spec", "resourceRefs")
	out := map[string]*unstructured.Unstructured{}
	for _, r := range refs {
		m, _ := r.(map[string]any)
		api, _ := m["apiVersion"].(string)
		kind, _ := m["kind"].(string)
		name, _ := m["name"].(string)
		ns, _ := m["namespace"].(string)
		gv, err := schema.ParseGroupVersion(api)
		if err != nil {
			t.Fatal(err)
		}
		o, err := h.Get(ctx, gv.WithKind(kind), ns, name)
		if err != nil {
			t.Fatalf("get %s %s: %v", kind, name, err)
		}
		if o != nil {
			out[harness.ResourceName(o)] = o
		}
	}
	return out
}

// checkComposedSet: the hub composes exactly what the golden render
// composes, plus the Tailscale hub Secret.
func checkComposedSet(t *testing.T, golden, hub map[string]*unstructured.Unstructured) {
	t.Helper()
	key := func(n string, o *unstructured.Unstructured) string { return o.GetKind() + "/" + n }
	var want, got []string
	for n, o := range golden {
		want = append(want, key(n, o))
	}
	want = append(want, "Secret/"+tailscaleSecret)
	for n, o := range hub {
		got = append(got, key(n, o))
	}
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(want, got) {
		t.Errorf("composed resources differ from the golden render (+ the Tailscale Secret):\n%s", harness.UnifiedDiff("golden", "hub", strings.Join(want, "\n")+"\n", strings.Join(got, "\n")+"\n"))
	}
	t.Logf("composed on the hub: %d resources (%s)", len(hub), kindCounts(hub))
}

func kindCounts(m map[string]*unstructured.Unstructured) string {
	var objs []*unstructured.Unstructured
	for _, o := range m {
		objs = append(objs, o)
	}
	return harness.KindCounts(objs)
}

// checkSpecs: every field of every golden composed resource's spec (and
// data, for Secrets) has the same value on the hub. The API server may add
// defaults, so the hub's spec may hold more.
func checkSpecs(t *testing.T, ids *identities, golden, hub map[string]*unstructured.Unstructured) {
	t.Helper()
	for n, g := range golden {
		o, ok := hub[n]
		if !ok {
			continue
		}
		for _, field := range []string{"spec", "data", "stringData"} {
			want, ok := g.Object[field]
			if !ok {
				continue
			}
			b, _ := json.Marshal(want)
			var w any
			if err := json.Unmarshal([]byte(ids.toHubNames(string(b))), &w); err != nil {
				t.Fatal(err)
			}
			gb, _ := json.Marshal(o.Object[field])
			var got any
			_ = json.Unmarshal(gb, &got)
			if diffs := subset(w, got, field); len(diffs) > 0 {
				t.Errorf("%s %s (%s) differs from the golden render:\n  %s", o.GetKind(), n, o.GetName(), strings.Join(diffs, "\n  "))
			}
		}
	}
}

// subset lists where got lacks or changes a value of want.
func subset(want, got any, path string) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %v", path, got)}
		}
		var out []string
		keys := slices.Sorted(maps.Keys(w))
		for _, k := range keys {
			out = append(out, subset(w[k], g[k], path+"."+k)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
		}
		var out []string
		for i := range w {
			out = append(out, subset(w[i], g[i], path+"["+strconv.Itoa(i)+"]")...)
		}
		return out
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
		}
		return nil
	}
}

// checkClaim: the claim is Ready and Synced and shows the XR's status, which
// is the golden render's.
func checkClaim(ctx context.Context, t *testing.T, h *Hub, claim, xr, goldenXR *unstructured.Unstructured, ids *identities) {
	t.Helper()
	var c *unstructured.Unstructured
	if err := poll(ctx, "the claim to be Ready", time.Second/2, func() (bool, error) {
		var err error
		c, err = h.Get(ctx, claimGVK, claim.GetNamespace(), claim.GetName())
		return c != nil && harness.ConditionStatus(c, "Ready") == "True" && harness.ConditionStatus(c, "Synced") == "True", err
	}); err != nil {
		t.Fatalf("%v (%s)", err, h.describe(ctx, claimGVK, claim.GetNamespace(), claim.GetName()))
	}
	want, _, _ := unstructured.NestedMap(goldenXR.Object, "status")
	delete(want, "conditions")
	b, _ := json.Marshal(want)
	var w any
	_ = json.Unmarshal([]byte(ids.toHubNames(string(b))), &w)
	for what, o := range map[string]*unstructured.Unstructured{"XR": xr, "claim": c} {
		got, _, _ := unstructured.NestedMap(o.Object, "status")
		gb, _ := json.Marshal(got)
		var g any
		_ = json.Unmarshal(gb, &g)
		if diffs := subset(w, g, "status"); len(diffs) > 0 {
			t.Errorf("%s status differs from the golden XR's:\n  %s", what, strings.Join(diffs, "\n  "))
		}
	}
	// The conditions the functions write reach the claim.
	for _, typ := range []string{"ResourcesReady", "ArgoCDRegistered", "TailscaleAuthKey"} {
		if s := harness.ConditionStatus(c, typ); s != "True" {
			t.Errorf("claim condition %s is %q, want True (%s)", typ, s, h.describe(ctx, claimGVK, c.GetNamespace(), c.GetName()))
		}
	}
}

// checkTailscale: function-tailscale minted exactly one key on the
// (fake) Tailscale API and keeps it in the hub Secret.
func checkTailscale(t *testing.T, ts *tailscaletest.Server, composed map[string]*unstructured.Unstructured) {
	t.Helper()
	active := ts.Active()
	if len(active) != 1 {
		t.Fatalf("Tailscale has %d active keys, want 1 (calls: %v)", len(active), ts.Calls())
	}
	s, ok := composed[tailscaleSecret]
	if !ok {
		t.Fatal("no Tailscale hub Secret")
	}
	key := ts.Key(active[0])
	data, _, _ := unstructured.NestedStringMap(s.Object, "data")
	found := false
	for _, v := range data {
		if v == base64.StdEncoding.EncodeToString([]byte(key.Key)) {
			found = true
		}
	}
	if !found {
		t.Errorf("the hub Secret %s/%s does not hold Tailscale key %s", s.GetNamespace(), s.GetName(), active[0])
	}
}

// deleteClaim deletes the claim and watches the composed resources go. The
// API server's resource version of each deletion orders them; every
// ClusterUsage's user must go before what it uses.
func deleteClaim(ctx context.Context, t *testing.T, h *Hub, claim, xr *unstructured.Unstructured, composed map[string]*unstructured.Unstructured) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()

	// One watch per kind, from now.
	type deletion struct {
		rv   int64
		name string
	}
	var (
		mu      sync.Mutex
		deleted = map[string]deletion{} // by "<Kind>/<name>"
	)
	kinds := map[schema.GroupVersionKind]bool{}
	for _, o := range composed {
		kinds[o.GroupVersionKind()] = true
	}
	var (
		wg       sync.WaitGroup
		watchers []watch.Interface
	)
	defer func() {
		for _, w := range watchers {
			w.Stop()
		}
		wg.Wait()
	}()
	for gvk := range kinds {
		r, err := h.Resource(gvk, "")
		if err != nil {
			t.Fatal(err)
		}
		w, err := r.Watch(ctx, metav1.ListOptions{LabelSelector: labelComposite + "=" + xr.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		watchers = append(watchers, w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ev := range w.ResultChan() {
				o, ok := ev.Object.(*unstructured.Unstructured)
				if !ok || ev.Type != watch.Deleted {
					continue
				}
				rv, _ := strconv.ParseInt(o.GetResourceVersion(), 10, 64)
				mu.Lock()
				deleted[o.GetKind()+"/"+o.GetName()] = deletion{rv: rv, name: harness.ResourceName(o)}
				mu.Unlock()
			}
		}()
	}

	r, err := h.Resource(claimGVK, claim.GetNamespace())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Delete(ctx, claim.GetName(), metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = poll(ctx, "the claim, the XR and every composed resource to be deleted", time.Second, func() (bool, error) {
		for _, o := range append([]*unstructured.Unstructured{claim, xr}, valuesOf(composed)...) {
			got, err := h.Get(ctx, o.GroupVersionKind(), o.GetNamespace(), o.GetName())
			if err != nil || got != nil {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		var left []string
		for _, o := range valuesOf(composed) {
			if got, _ := h.Get(ctx, o.GroupVersionKind(), o.GetNamespace(), o.GetName()); got != nil {
				left = append(left, fmt.Sprintf("%s %s (finalizers %v, in-use %q)", o.GetKind(), harness.ResourceName(o), got.GetFinalizers(), got.GetLabels()["crossplane.io/in-use"]))
			}
		}
		t.Fatalf("%v; left: %s", err, strings.Join(left, ", "))
	}

	// Give the watches a moment to deliver the last events.
	_ = poll(ctx, "every deletion event", time.Second/5, func() (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return len(deleted) >= len(composed), nil
	})
	mu.Lock()
	defer mu.Unlock()
	rvOf := func(o *unstructured.Unstructured) (int64, bool) {
		d, ok := deleted[o.GetKind()+"/"+o.GetName()]
		return d.rv, ok
	}
	usages := 0
	for _, u := range composed {
		if u.GetKind() != "ClusterUsage" {
			continue
		}
		usages++
		of, by := usageEnd(t, u, "of", composed), usageEnd(t, u, "by", composed)
		ofRV, ok1 := rvOf(of)
		byRV, ok2 := rvOf(by)
		if !ok1 || !ok2 {
			t.Errorf("%s: no deletion event for %s or %s", harness.ResourceName(u), harness.ResourceName(of), harness.ResourceName(by))
			continue
		}
		if byRV >= ofRV {
			t.Errorf("%s: %s %s was deleted (rv %d) before its user %s %s (rv %d)", harness.ResourceName(u), of.GetKind(), harness.ResourceName(of), ofRV, by.GetKind(), harness.ResourceName(by), byRV)
		}
	}
	order := make([]deletion, 0, len(deleted))
	for _, d := range deleted {
		order = append(order, d)
	}
	sort.Slice(order, func(i, j int) bool { return order[i].rv < order[j].rv })
	var names []string
	for _, d := range order {
		names = append(names, d.name)
	}
	t.Logf("deletion order (%d ClusterUsages checked): %s", usages, strings.Join(names, ", "))
}

func valuesOf(m map[string]*unstructured.Unstructured) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

// usageEnd finds the composed resource a ClusterUsage's of or by names,
// by resourceRef name or by resourceSelector labels (matchControllerRef).
func usageEnd(t *testing.T, u *unstructured.Unstructured, end string, composed map[string]*unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	m, _, _ := unstructured.NestedMap(u.Object, "spec", end)
	api, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	name, _, _ := unstructured.NestedString(m, "resourceRef", "name")
	labels, _, _ := unstructured.NestedStringMap(m, "resourceSelector", "matchLabels")
	var match []*unstructured.Unstructured
	for _, o := range valuesOf(composed) {
		if o.GetAPIVersion() != api || o.GetKind() != kind {
			continue
		}
		if name != "" && o.GetName() != name {
			continue
		}
		ok := true
		for k, v := range labels {
			ok = ok && o.GetLabels()[k] == v
		}
		if ok {
			match = append(match, o)
		}
	}
	if len(match) != 1 {
		t.Fatalf("%s: spec.%s matches %d composed resources, want 1", harness.ResourceName(u), end, len(match))
	}
	return match[0]
}
