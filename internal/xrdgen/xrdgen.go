// Package xrdgen turns the CustomResourceDefinitions controller-gen generates
// from the XR Go types into Crossplane CompositeResourceDefinitions (XRDs) and
// Markdown API references.
//
// The Go types under apis/ are the single source of truth for the XR schemas;
// go generate ./apis/... runs Generate, and a test in apis/ runs it again into
// a temporary directory to catch generated files that are out of date.
package xrdgen

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// XRD apiVersion and kind.
const (
	XRDAPIVersion = "apiextensions.crossplane.io/v1"
	XRDKind       = "CompositeResourceDefinition"
)

// XRD scopes (apiextensions.crossplane.io/v1 spec.scope).
const (
	ScopeLegacyCluster = "LegacyCluster"
	ScopeCluster       = "Cluster"
	ScopeNamespaced    = "Namespaced"
)

// crossplaneCategories are the categories Crossplane adds to the XR CRD
// itself; listing them in the XRD would duplicate them in the CRD.
var crossplaneCategories = []string{"composite", "claim"}

// XR names one composite resource whose XRD is generated from its Go type.
type XR struct {
	// Group is the API group of the XR, e.g. infrastructure.devsecops.
	Group string
	// Kind is the XR kind, e.g. XEKSCluster.
	Kind string
	// Plural is the XR resource name, e.g. xeksclusters.
	Plural string
	// ClaimKind is the claim kind, e.g. EKSCluster. Empty means the XR
	// offers no claim.
	ClaimKind string
	// ClaimPlural is the claim resource name, e.g. eksclusters.
	ClaimPlural string
	// Scope is the XRD scope; LegacyCluster when empty. Only LegacyCluster
	// XRs can offer a claim.
	Scope string
	// DefaultComposition names the XRD's defaultCompositionRef. Empty means
	// the Composition is named like the XRD (<plural>.<group>).
	DefaultComposition string
}

// XRDName is the XRD's metadata.name, <plural>.<group>.
func (x XR) XRDName() string { return x.Plural + "." + x.Group }

// CRDFileName is the file controller-gen writes the XR's CRD to.
func (x XR) CRDFileName() string { return x.Group + "_" + x.Plural + ".yaml" }

// XRDFileName is the file the XRD is written to.
func (x XR) XRDFileName() string { return x.XRDName() + ".yaml" }

// DocFileName is the file the API reference is written to.
func (x XR) DocFileName() string { return strings.ToLower(x.Kind) + ".md" }

func (x XR) scope() string {
	if x.Scope == "" {
		return ScopeLegacyCluster
	}
	return x.Scope
}

func (x XR) defaultComposition() string {
	if x.DefaultComposition == "" {
		return x.XRDName()
	}
	return x.DefaultComposition
}

func (x XR) validate() error {
	var errs []error
	for name, v := range map[string]string{"group": x.Group, "kind": x.Kind, "plural": x.Plural} {
		if v == "" {
			errs = append(errs, fmt.Errorf("XR %q: %s is empty", x.Kind, name))
		}
	}
	if x.Plural != strings.ToLower(x.Plural) {
		errs = append(errs, fmt.Errorf("XR %q: plural %q is not lowercase", x.Kind, x.Plural))
	}
	if !slices.Contains([]string{ScopeLegacyCluster, ScopeCluster, ScopeNamespaced}, x.scope()) {
		errs = append(errs, fmt.Errorf("XR %q: unknown scope %q", x.Kind, x.Scope))
	}
	if (x.ClaimKind == "") != (x.ClaimPlural == "") {
		errs = append(errs, fmt.Errorf("XR %q: set both claim kind and claim plural, or neither", x.Kind))
	}
	if x.ClaimKind != "" {
		if x.scope() != ScopeLegacyCluster {
			errs = append(errs, fmt.Errorf("XR %q: only LegacyCluster XRs can offer a claim, scope is %s", x.Kind, x.scope()))
		}
		if x.ClaimKind == x.Kind || x.ClaimPlural == x.Plural {
			errs = append(errs, fmt.Errorf("XR %q: claim names must differ from the XR names", x.Kind))
		}
		if x.ClaimPlural != strings.ToLower(x.ClaimPlural) {
			errs = append(errs, fmt.Errorf("XR %q: claim plural %q is not lowercase", x.Kind, x.ClaimPlural))
		}
	}
	return errors.Join(errs...)
}

// CompositeResourceDefinition is the part of Crossplane's
// apiextensions.crossplane.io/v1 CompositeResourceDefinition that xrdgen
// writes. Field names and JSON tags match Crossplane's type.
type CompositeResourceDefinition struct {
	// APIVersion is apiextensions.crossplane.io/v1.
	APIVersion string `json:"apiVersion"`
	// Kind is CompositeResourceDefinition.
	Kind string `json:"kind"`
	// Metadata holds the XRD name.
	Metadata ObjectMeta `json:"metadata"`
	// Spec defines the XR.
	Spec CompositeResourceDefinitionSpec `json:"spec"`
}

// ObjectMeta is the XRD's metadata.
type ObjectMeta struct {
	// Name is <plural>.<group>.
	Name string `json:"name"`
}

// CompositeResourceDefinitionSpec is the XRD's spec.
type CompositeResourceDefinitionSpec struct {
	// Group of the XR.
	Group string `json:"group"`
	// Names of the XR.
	Names extv1.CustomResourceDefinitionNames `json:"names"`
	// Scope of the XR: LegacyCluster, Cluster or Namespaced.
	Scope string `json:"scope"`
	// ClaimNames of the claim, when the XR offers one.
	ClaimNames *extv1.CustomResourceDefinitionNames `json:"claimNames,omitempty"`
	// DefaultCompositionRef names the Composition used when an XR selects
	// none.
	DefaultCompositionRef *CompositionReference `json:"defaultCompositionRef,omitempty"`
	// Versions of the XR.
	Versions []CompositeResourceDefinitionVersion `json:"versions"`
}

// CompositionReference references a Composition by name.
type CompositionReference struct {
	// Name of the Composition.
	Name string `json:"name"`
}

// CompositeResourceDefinitionVersion is one version of the XR.
type CompositeResourceDefinitionVersion struct {
	// Name of the version, e.g. v1alpha1.
	Name string `json:"name"`
	// Referenceable marks the version Compositions target.
	Referenceable bool `json:"referenceable"`
	// Served marks the version as served by the API server.
	Served bool `json:"served"`
	// Deprecated marks the version as deprecated.
	Deprecated bool `json:"deprecated,omitempty"`
	// DeprecationWarning is returned to clients of a deprecated version.
	DeprecationWarning *string `json:"deprecationWarning,omitempty"`
	// Schema of the version.
	Schema *CompositeResourceValidation `json:"schema,omitempty"`
	// AdditionalPrinterColumns are the kubectl get columns.
	AdditionalPrinterColumns []extv1.CustomResourceColumnDefinition `json:"additionalPrinterColumns,omitempty"`
}

// CompositeResourceValidation holds a version's OpenAPI v3 schema.
type CompositeResourceValidation struct {
	// OpenAPIV3Schema is the schema of the XR: spec and status only;
	// Crossplane adds apiVersion, kind, metadata and its own spec and status
	// fields.
	OpenAPIV3Schema extv1.JSONSchemaProps `json:"openAPIV3Schema"`
}

// Convert derives the XRD of xr from the CRD controller-gen generated for the
// XR's Go type. Only the spec and status schemas (plus the top-level
// description and validation rules) are taken from the CRD: Crossplane adds
// apiVersion, kind, metadata and its own XR machinery fields itself.
func Convert(crd *extv1.CustomResourceDefinition, xr XR) (*CompositeResourceDefinition, error) {
	if err := xr.validate(); err != nil {
		return nil, err
	}
	if crd.Spec.Group != xr.Group || crd.Spec.Names.Kind != xr.Kind || crd.Spec.Names.Plural != xr.Plural {
		return nil, fmt.Errorf("CRD %s defines %s %s.%s, want %s %s.%s", crd.Name,
			crd.Spec.Names.Kind, crd.Spec.Names.Plural, crd.Spec.Group, xr.Kind, xr.Plural, xr.Group)
	}
	if len(crd.Spec.Versions) == 0 {
		return nil, fmt.Errorf("CRD %s has no versions", crd.Name)
	}
	wantScope := extv1.ClusterScoped
	if xr.scope() == ScopeNamespaced {
		wantScope = extv1.NamespaceScoped
	}
	if crd.Spec.Scope != wantScope {
		return nil, fmt.Errorf("XR %s has XRD scope %s but its Go type is marked +kubebuilder:resource:scope=%s, want %s",
			xr.Kind, xr.scope(), crd.Spec.Scope, wantScope)
	}

	xrd := &CompositeResourceDefinition{
		APIVersion: XRDAPIVersion,
		Kind:       XRDKind,
		Metadata:   ObjectMeta{Name: xr.XRDName()},
		Spec: CompositeResourceDefinitionSpec{
			Group: xr.Group,
			Names: extv1.CustomResourceDefinitionNames{
				Kind:       xr.Kind,
				Plural:     xr.Plural,
				Categories: withoutCrossplaneCategories(crd.Spec.Names.Categories),
			},
			Scope:                 xr.scope(),
			DefaultCompositionRef: &CompositionReference{Name: xr.defaultComposition()},
		},
	}
	if xr.ClaimKind != "" {
		xrd.Spec.ClaimNames = &extv1.CustomResourceDefinitionNames{Kind: xr.ClaimKind, Plural: xr.ClaimPlural}
	}

	storage := 0
	for _, v := range crd.Spec.Versions {
		if v.Storage {
			storage++
		}
		if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			return nil, fmt.Errorf("CRD %s version %s has no schema", crd.Name, v.Name)
		}
		root := v.Schema.OpenAPIV3Schema
		spec, ok := root.Properties["spec"]
		if !ok {
			return nil, fmt.Errorf("CRD %s version %s has no spec schema", crd.Name, v.Name)
		}
		props := map[string]extv1.JSONSchemaProps{"spec": spec}
		if status, ok := root.Properties["status"]; ok {
			props["status"] = status
		}
		if v.Subresources != nil && v.Subresources.Scale != nil {
			return nil, fmt.Errorf("CRD %s version %s: XRDs have no scale subresource", crd.Name, v.Name)
		}
		xrd.Spec.Versions = append(xrd.Spec.Versions, CompositeResourceDefinitionVersion{
			Name:                     v.Name,
			Referenceable:            v.Storage,
			Served:                   v.Served,
			Deprecated:               v.Deprecated,
			DeprecationWarning:       v.DeprecationWarning,
			AdditionalPrinterColumns: v.AdditionalPrinterColumns,
			Schema: &CompositeResourceValidation{OpenAPIV3Schema: extv1.JSONSchemaProps{
				Type:         "object",
				Description:  root.Description,
				Properties:   props,
				Required:     []string{"spec"},
				XValidations: root.XValidations,
			}},
		})
	}
	if storage != 1 {
		return nil, fmt.Errorf("CRD %s has %d storage versions, want exactly one (the referenceable version)", crd.Name, storage)
	}
	return xrd, nil
}

func withoutCrossplaneCategories(in []string) []string {
	var out []string
	for _, c := range in {
		if !slices.Contains(crossplaneCategories, c) {
			out = append(out, c)
		}
	}
	return out
}

// ParseCRD decodes one CustomResourceDefinition from YAML, rejecting unknown
// fields.
func ParseCRD(data []byte) (*extv1.CustomResourceDefinition, error) {
	crd := &extv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, crd); err != nil {
		return nil, fmt.Errorf("cannot parse CRD: %w", err)
	}
	if crd.Kind != "CustomResourceDefinition" {
		return nil, fmt.Errorf("cannot parse CRD: kind is %q", crd.Kind)
	}
	return crd, nil
}

// ParseXRD decodes an XRD written by MarshalXRD, rejecting unknown fields.
func ParseXRD(data []byte) (*CompositeResourceDefinition, error) {
	xrd := &CompositeResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, xrd); err != nil {
		return nil, fmt.Errorf("cannot parse XRD: %w", err)
	}
	if xrd.APIVersion != XRDAPIVersion || xrd.Kind != XRDKind {
		return nil, fmt.Errorf("cannot parse XRD: got %s %s, want %s %s", xrd.APIVersion, xrd.Kind, XRDAPIVersion, XRDKind)
	}
	return xrd, nil
}

// MarshalXRD renders xrd as YAML with keys sorted, preceded by a comment
// naming command as the way to regenerate it.
func MarshalXRD(xrd *CompositeResourceDefinition, command string) ([]byte, error) {
	b, err := yaml.Marshal(xrd)
	if err != nil {
		return nil, fmt.Errorf("cannot marshal XRD %s: %w", xrd.Metadata.Name, err)
	}
	header := fmt.Sprintf("# Code generated by %s from the Go types under apis/. DO NOT EDIT.\n", command)
	return append([]byte(header), b...), nil
}
