package xrdgen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	xpextv1 "github.com/crossplane/crossplane/v2/apis/apiextensions/v1"
	"github.com/google/go-cmp/cmp"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

var (
	specSchema = extv1.JSONSchemaProps{
		Type:     "object",
		Required: []string{"parameters"},
		Properties: map[string]extv1.JSONSchemaProps{
			"parameters": {
				Type:     "object",
				Required: []string{"region"},
				Properties: map[string]extv1.JSONSchemaProps{
					"region": {Type: "string", Pattern: `^[a-z]+-[0-9]+$`},
					"size":   {Type: "integer", Default: &extv1.JSON{Raw: []byte("3")}, Minimum: ptr.To(1.0)},
				},
			},
		},
	}
	statusSchema = extv1.JSONSchemaProps{
		Type:       "object",
		Properties: map[string]extv1.JSONSchemaProps{"id": {Type: "string"}},
	}
	columns = []extv1.CustomResourceColumnDefinition{{Name: "ID", Type: "string", JSONPath: ".status.id"}}
)

// testCRD is what controller-gen writes for an XR type named kind.
func testCRD(kind, plural string, scope extv1.ResourceScope) *extv1.CustomResourceDefinition {
	return &extv1.CustomResourceDefinition{
		TypeMeta: metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition"},
		Spec: extv1.CustomResourceDefinitionSpec{
			Group: "example.org",
			Names: extv1.CustomResourceDefinitionNames{
				Kind: kind, ListKind: kind + "List", Plural: plural, Singular: strings.ToLower(kind),
				Categories: []string{"crossplane", "composite", "example"},
			},
			Scope: scope,
			Versions: []extv1.CustomResourceDefinitionVersion{{
				Name: "v1alpha1", Served: true, Storage: true,
				AdditionalPrinterColumns: columns,
				Schema: &extv1.CustomResourceValidation{OpenAPIV3Schema: &extv1.JSONSchemaProps{
					Type:        "object",
					Description: kind + " is a test XR.",
					Required:    []string{"spec"},
					Properties: map[string]extv1.JSONSchemaProps{
						"apiVersion": {Type: "string"},
						"kind":       {Type: "string"},
						"metadata":   {Type: "object"},
						"spec":       specSchema,
						"status":     statusSchema,
					},
				}},
			}},
		},
	}
}

func wantVersions(kind string) []CompositeResourceDefinitionVersion {
	return []CompositeResourceDefinitionVersion{{
		Name: "v1alpha1", Referenceable: true, Served: true,
		AdditionalPrinterColumns: columns,
		Schema: &CompositeResourceValidation{OpenAPIV3Schema: extv1.JSONSchemaProps{
			Type:        "object",
			Description: kind + " is a test XR.",
			Required:    []string{"spec"},
			Properties:  map[string]extv1.JSONSchemaProps{"spec": specSchema, "status": statusSchema},
		}},
	}}
}

func TestConvert(t *testing.T) {
	twoStorage := testCRD("XThing", "xthings", extv1.ClusterScoped)
	v2 := *twoStorage.Spec.Versions[0].DeepCopy()
	v2.Name = "v1beta1"
	twoStorage.Spec.Versions = append(twoStorage.Spec.Versions, v2)

	noSpec := testCRD("XThing", "xthings", extv1.ClusterScoped)
	delete(noSpec.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties, "spec")

	noStatus := testCRD("XThing", "xthings", extv1.ClusterScoped)
	delete(noStatus.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties, "status")
	noStatusVersions := wantVersions("XThing")
	delete(noStatusVersions[0].Schema.OpenAPIV3Schema.Properties, "status")

	cases := []struct {
		name    string
		crd     *extv1.CustomResourceDefinition
		xr      XR
		want    *CompositeResourceDefinition
		wantErr string
	}{
		{
			name: "LegacyClusterWithClaim",
			crd:  testCRD("XThing", "xthings", extv1.ClusterScoped),
			xr:   XR{Group: "example.org", Kind: "XThing", Plural: "xthings", ClaimKind: "Thing", ClaimPlural: "things"},
			want: &CompositeResourceDefinition{
				APIVersion: "apiextensions.crossplane.io/v1",
				Kind:       "CompositeResourceDefinition",
				Metadata:   ObjectMeta{Name: "xthings.example.org"},
				Spec: CompositeResourceDefinitionSpec{
					Group:                 "example.org",
					Names:                 extv1.CustomResourceDefinitionNames{Kind: "XThing", Plural: "xthings", Categories: []string{"crossplane", "example"}},
					Scope:                 "LegacyCluster",
					ClaimNames:            &extv1.CustomResourceDefinitionNames{Kind: "Thing", Plural: "things"},
					DefaultCompositionRef: &CompositionReference{Name: "xthings.example.org"},
					Versions:              wantVersions("XThing"),
				},
			},
		},
		{
			name: "ClusterWithoutClaimAndNamedComposition",
			crd:  testCRD("XPlatform", "xplatforms", extv1.ClusterScoped),
			xr:   XR{Group: "example.org", Kind: "XPlatform", Plural: "xplatforms", Scope: ScopeCluster, DefaultComposition: "platform"},
			want: &CompositeResourceDefinition{
				APIVersion: "apiextensions.crossplane.io/v1",
				Kind:       "CompositeResourceDefinition",
				Metadata:   ObjectMeta{Name: "xplatforms.example.org"},
				Spec: CompositeResourceDefinitionSpec{
					Group:                 "example.org",
					Names:                 extv1.CustomResourceDefinitionNames{Kind: "XPlatform", Plural: "xplatforms", Categories: []string{"crossplane", "example"}},
					Scope:                 "Cluster",
					DefaultCompositionRef: &CompositionReference{Name: "platform"},
					Versions:              wantVersions("XPlatform"),
				},
			},
		},
		{
			name: "NoStatusSchema",
			crd:  noStatus,
			xr:   XR{Group: "example.org", Kind: "XThing", Plural: "xthings"},
			want: &CompositeResourceDefinition{
				APIVersion: "apiextensions.crossplane.io/v1",
				Kind:       "CompositeResourceDefinition",
				Metadata:   ObjectMeta{Name: "xthings.example.org"},
				Spec: CompositeResourceDefinitionSpec{
					Group:                 "example.org",
					Names:                 extv1.CustomResourceDefinitionNames{Kind: "XThing", Plural: "xthings", Categories: []string{"crossplane", "example"}},
					Scope:                 "LegacyCluster",
					DefaultCompositionRef: &CompositionReference{Name: "xthings.example.org"},
					Versions:              noStatusVersions,
				},
			},
		},
		{
			name:    "KindMismatch",
			crd:     testCRD("XOther", "xothers", extv1.ClusterScoped),
			xr:      XR{Group: "example.org", Kind: "XThing", Plural: "xthings"},
			wantErr: "want XThing xthings.example.org",
		},
		{
			name:    "ClaimNeedsLegacyCluster",
			crd:     testCRD("XThing", "xthings", extv1.ClusterScoped),
			xr:      XR{Group: "example.org", Kind: "XThing", Plural: "xthings", ClaimKind: "Thing", ClaimPlural: "things", Scope: ScopeCluster},
			wantErr: "only LegacyCluster XRs can offer a claim",
		},
		{
			name:    "ClaimKindWithoutPlural",
			crd:     testCRD("XThing", "xthings", extv1.ClusterScoped),
			xr:      XR{Group: "example.org", Kind: "XThing", Plural: "xthings", ClaimKind: "Thing"},
			wantErr: "set both claim kind and claim plural",
		},
		{
			name:    "NamespacedXRFromClusterType",
			crd:     testCRD("XThing", "xthings", extv1.ClusterScoped),
			xr:      XR{Group: "example.org", Kind: "XThing", Plural: "xthings", Scope: ScopeNamespaced},
			wantErr: "+kubebuilder:resource:scope=Cluster",
		},
		{
			name:    "NoSpecSchema",
			crd:     noSpec,
			xr:      XR{Group: "example.org", Kind: "XThing", Plural: "xthings"},
			wantErr: "has no spec schema",
		},
		{
			name:    "TwoStorageVersions",
			crd:     twoStorage,
			xr:      XR{Group: "example.org", Kind: "XThing", Plural: "xthings"},
			wantErr: "2 storage versions",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Convert(tc.crd, tc.xr)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Convert() error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Convert() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Convert() -want +got:\n%s", diff)
			}
		})
	}
}

// TestMarshalXRD checks the YAML is deterministic, round-trips and decodes
// strictly into Crossplane's own XRD type.
func TestMarshalXRD(t *testing.T) {
	xrd, err := Convert(testCRD("XThing", "xthings", extv1.ClusterScoped),
		XR{Group: "example.org", Kind: "XThing", Plural: "xthings", ClaimKind: "Thing", ClaimPlural: "things"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := MarshalXRD(xrd, "go generate ./apis/...")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := MarshalXRD(xrd, "go generate ./apis/...")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("MarshalXRD() is not deterministic:\n%s", cmp.Diff(string(first), string(again)))
		}
	}
	if !strings.HasPrefix(string(first), "# Code generated by go generate ./apis/...") {
		t.Errorf("MarshalXRD() has no generated-code header:\n%s", first)
	}

	back, err := ParseXRD(first)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(xrd, back); diff != "" {
		t.Errorf("ParseXRD(MarshalXRD()) -want +got:\n%s", diff)
	}

	xp := &xpextv1.CompositeResourceDefinition{}
	if err := yaml.UnmarshalStrict(first, xp); err != nil {
		t.Fatalf("Crossplane's XRD type rejects the XRD: %v", err)
	}
	if got, want := xp.GetCompositeGroupVersionKind().String(), "example.org/v1alpha1, Kind=XThing"; got != want {
		t.Errorf("composite GVK = %s, want %s", got, want)
	}
	if got, want := xp.GetClaimGroupVersionKind().String(), "example.org/v1alpha1, Kind=Thing"; got != want {
		t.Errorf("claim GVK = %s, want %s", got, want)
	}
	if got := ptr.Deref(xp.Spec.Scope, ""); got != xpextv1.CompositeResourceScopeLegacyCluster {
		t.Errorf("scope = %q, want LegacyCluster", got)
	}
	schema := &extv1.JSONSchemaProps{}
	if err := yaml.UnmarshalStrict(xp.Spec.Versions[0].Schema.OpenAPIV3Schema.Raw, schema); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(xrd.Spec.Versions[0].Schema.OpenAPIV3Schema, *schema); diff != "" {
		t.Errorf("schema as Crossplane reads it -want +got:\n%s", diff)
	}
}

func TestFields(t *testing.T) {
	s := extv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]extv1.JSONSchemaProps{
			"groups": {
				Type:         "array",
				XListType:    ptr.To("map"),
				XListMapKeys: []string{"name"},
				Default:      &extv1.JSON{Raw: []byte(`[ {"name": "system"} ]`)},
				Items: &extv1.JSONSchemaPropsOrArray{Schema: &extv1.JSONSchemaProps{
					Type:     "object",
					Required: []string{"name"},
					Properties: map[string]extv1.JSONSchemaProps{
						"name": {Type: "string", Description: "Name of\nthe group.", Pattern: "^(a|b)$"},
					},
				}},
			},
			"addons": {
				Type:      "array",
				XListType: ptr.To("set"),
				Items: &extv1.JSONSchemaPropsOrArray{Schema: &extv1.JSONSchemaProps{
					Type: "string",
					Enum: []extv1.JSON{{Raw: []byte(`"x"`)}, {Raw: []byte(`"y"`)}},
				}},
			},
			"tags": {
				Type:                 "object",
				AdditionalProperties: &extv1.JSONSchemaPropsOrBool{Schema: &extv1.JSONSchemaProps{Type: "string", MaxLength: ptr.To[int64](5)}},
			},
			"count": {
				Type: "integer", Minimum: ptr.To(2.0), Maximum: ptr.To(6.0), ExclusiveMaximum: true,
				XValidations: extv1.ValidationRules{{Rule: "self % 2 == 0", Message: "must be even"}},
			},
		},
	}
	want := []Field{
		{Path: "p.addons", Type: "[]string", Validation: []string{"unique items", "each item: one of `\"x\"`, `\"y\"`"}},
		{Path: "p.count", Type: "integer", Validation: []string{">= 2", "< 6", "rule `self % 2 == 0`: must be even"}},
		{Path: "p.groups", Type: "[]object", Default: `[{"name":"system"}]`, Validation: []string{"unique by name"}},
		{Path: "p.groups[].name", Type: "string", Required: true, Validation: []string{"pattern `^(a|b)$`"}, Description: "Name of the group."},
		{Path: "p.tags", Type: "map[string]string", Validation: []string{"each value: max length 5"}},
	}
	if diff := cmp.Diff(want, Fields("p", s)); diff != "" {
		t.Errorf("Fields() -want +got:\n%s", diff)
	}
}

func TestRenderDoc(t *testing.T) {
	xrd, err := Convert(testCRD("XThing", "xthings", extv1.ClusterScoped),
		XR{Group: "example.org", Kind: "XThing", Plural: "xthings", ClaimKind: "Thing", ClaimPlural: "things"})
	if err != nil {
		t.Fatal(err)
	}
	xrd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["parameters"].Properties["region"] = extv1.JSONSchemaProps{
		Type: "string", Pattern: "^(eu|us)-[0-9]$", Description: "Region\nof the thing.",
	}
	doc := string(RenderDoc(xrd, DocInfo{Command: "go generate ./apis/...", Source: "apis/v1alpha1", XRDPath: "../../package/xrds/xthings.example.org.yaml"}))
	for _, want := range []string{
		"<!-- Code generated by go generate ./apis/... from apis/v1alpha1. DO NOT EDIT. -->\n",
		"| Claim | `Thing` (`things`), namespaced |",
		"[`xthings.example.org.yaml`](../../package/xrds/xthings.example.org.yaml)",
		"| ID | `.status.id` | string | yes |",
		"| `spec.parameters` | object | yes |  |  |  |",
		"| `spec.parameters.region` | string | yes |  | pattern `^(eu\\|us)-[0-9]$` | Region of the thing. |",
		"| `spec.parameters.size` | integer |  | `3` | >= 1 |  |",
		"| `status.id` | string |  |  |  |  |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("RenderDoc() lacks %q:\n%s", want, doc)
		}
	}
}

// TestGenerate runs Generate with a fake controller-gen; apis' staleness
// test runs the real one.
func TestGenerate(t *testing.T) {
	crdYAML, err := yaml.Marshal(testCRD("XThing", "xthings", extv1.ClusterScoped))
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	orig := ControllerGen
	t.Cleanup(func() { ControllerGen = orig })
	ControllerGen = func(_ context.Context, _ string, args ...string) error {
		calls = append(calls, strings.Join(args[:2], " "))
		last := args[len(args)-1]
		switch {
		case strings.HasPrefix(last, "output:object:dir="):
			dir := strings.TrimPrefix(last, "output:object:dir=")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, "zz_generated.deepcopy.go"), []byte("package x\n"), 0o644)
		case args[1] == "paths=./fn/input/...":
			return os.WriteFile(filepath.Join(strings.TrimPrefix(last, "output:crd:dir="), "fn.example.org_inputs.yaml"), []byte("kind: CustomResourceDefinition\n"), 0o644)
		default:
			return os.WriteFile(filepath.Join(strings.TrimPrefix(last, "output:crd:dir="), "example.org_xthings.yaml"), crdYAML, 0o644)
		}
	}
	cfg := Config{
		Command:  "go generate ./apis/...",
		DeepCopy: []string{"apis/v1alpha1"},
		CRDs:     []CRDs{{Paths: "./fn/input/...", Dir: "fn/package/input"}},
		XRPaths:  []string{"./apis/v1alpha1/..."},
		XRDDir:   "package/xrds",
		DocDir:   "docs/api",
		XRs:      []XR{{Group: "example.org", Kind: "XThing", Plural: "xthings", ClaimKind: "Thing", ClaimPlural: "things"}},
	}
	out := t.TempDir()
	files, err := Generate(context.Background(), cfg, t.TempDir(), out)
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{
		"apis/v1alpha1/zz_generated.deepcopy.go",
		"fn/package/input/fn.example.org_inputs.yaml",
		"package/xrds/xthings.example.org.yaml",
		"docs/api/xthing.md",
	}
	if diff := cmp.Diff(wantFiles, files); diff != "" {
		t.Errorf("Generate() files -want +got:\n%s", diff)
	}
	wantCalls := []string{"object paths=./apis/v1alpha1", "crd paths=./fn/input/...", "crd paths=./apis/v1alpha1/..."}
	if diff := cmp.Diff(wantCalls, calls); diff != "" {
		t.Errorf("controller-gen calls -want +got:\n%s", diff)
	}
	b, err := os.ReadFile(filepath.Join(out, "package/xrds/xthings.example.org.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	xrd, err := ParseXRD(b)
	if err != nil {
		t.Fatal(err)
	}
	if xrd.Spec.ClaimNames == nil || xrd.Spec.ClaimNames.Kind != "Thing" {
		t.Errorf("generated XRD claim names = %+v, want kind Thing", xrd.Spec.ClaimNames)
	}
	doc, err := os.ReadFile(filepath.Join(out, "docs/api/xthing.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "(../../package/xrds/xthings.example.org.yaml)") {
		t.Errorf("doc does not link the XRD:\n%s", doc)
	}
}

func TestFindModuleRoot(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := FindModuleRoot(deep)
	if err != nil {
		t.Fatal(err)
	}
	if got != root {
		t.Errorf("FindModuleRoot() = %s, want %s", got, root)
	}
}
