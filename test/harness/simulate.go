package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// SimulatedTransitionTime is the lastTransitionTime of every simulated
// condition. It is fixed so simulated state is deterministic.
const SimulatedTransitionTime = "2024-01-01T00:00:00Z"

// Observation is a composed resource on its way to becoming an observed
// resource. A Rule adds what the provider would report.
type Observation struct {
	// Object is the observed resource being built (a copy of the desired
	// resource).
	Object *Object
	// GVK is the object's group, version and kind.
	GVK schema.GroupVersionKind
	// ResourceName is the composition resource name.
	ResourceName string
	// ID is the external identifier; a rule sets it and the simulator writes
	// it to status.atProvider.id and, if absent, the external-name
	// annotation.
	ID string

	hash [32]byte
}

// Hex returns n lowercase hex characters derived from the kind, composite
// and composition resource name (n <= 64).
func (o *Observation) Hex(n int) string {
	return hex.EncodeToString(o.hash[:])[:n]
}

// Byte returns the i-th byte of the observation's hash (i < 32).
func (o *Observation) Byte(i int) byte { return o.hash[i] }

// UUID returns a deterministic UUID-formatted string.
func (o *Observation) UUID() string {
	h := hex.EncodeToString(o.hash[8:24])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Name returns the crossplane.io/external-name annotation, else
// spec.forProvider.name, else metadata.name.
func (o *Observation) Name() string {
	if n := o.Object.GetAnnotations()[AnnotationExternalName]; n != "" {
		return n
	}
	if n := o.ForProviderString("name"); n != "" {
		return n
	}
	return o.Object.GetName()
}

// ForProvider returns a field of spec.forProvider.
func (o *Observation) ForProvider(path ...string) (any, bool) {
	v, ok, _ := unstructured.NestedFieldCopy(o.Object.Object, append([]string{"spec", "forProvider"}, path...)...)
	return v, ok
}

// ForProviderString returns a string field of spec.forProvider, or "".
func (o *Observation) ForProviderString(path ...string) string {
	v, _ := o.ForProvider(path...)
	s, _ := v.(string)
	return s
}

// Region returns spec.forProvider.region (or location), or "".
func (o *Observation) Region() string {
	if r := o.ForProviderString("region"); r != "" {
		return r
	}
	return o.ForProviderString("location")
}

// Set sets a field below status.atProvider.
func (o *Observation) Set(value any, path ...string) {
	_ = unstructured.SetNestedField(o.Object.Object, value, append([]string{"status", "atProvider"}, path...)...)
}

// CopyFromForProvider copies fields of spec.forProvider to
// status.atProvider when they are set.
func (o *Observation) CopyFromForProvider(fields ...string) {
	for _, f := range fields {
		if v, ok := o.ForProvider(f); ok {
			o.Set(v, f)
		}
	}
}

// Rule adds a provider's observations (status.atProvider, ID) to a managed
// resource.
type Rule func(o *Observation)

// Simulator turns desired composed resources into observed resources as if
// the providers had created them.
type Simulator struct {
	// Rules are keyed by "<group>/<Kind>" of cluster-scoped managed
	// resources, e.g. "ec2.aws.upbound.io/VPC". Namespaced kinds of the same
	// provider (group "<x>.<provider>.m.upbound.io") use the same rules.
	Rules map[string]Rule
	// ProviderRules are fallbacks keyed by group suffix, e.g.
	// ".aws.upbound.io"; the longest matching suffix wins.
	ProviderRules map[string]Rule
	// Schemas, when set, prune status fields the kind's CRD does not declare,
	// as the API server would.
	Schemas *SchemaIndex
}

// NewSimulator returns a Simulator with the default rule tables.
func NewSimulator(schemas *SchemaIndex) *Simulator {
	rules := map[string]Rule{}
	for k, r := range AWSRules() {
		rules[k] = r
	}
	for k, r := range AzureRules() {
		rules[k] = r
	}
	return &Simulator{
		Rules:         rules,
		ProviderRules: map[string]Rule{".aws.upbound.io": AWSDefaultRule, ".azure.upbound.io": AzureDefaultRule},
		Schemas:       schemas,
	}
}

// Simulator returns a Simulator with the default rules that prunes status
// against the provider CRDs.
func (h *Harness) Simulator() (*Simulator, error) {
	idx, err := h.Schemas()
	if err != nil {
		return nil, err
	}
	return NewSimulator(idx), nil
}

// Simulate returns observed resources for the desired composed resources of
// a render, using the default simulator.
func (h *Harness) Simulate(objs []*Object) ([]*Object, error) {
	s, err := h.Simulator()
	if err != nil {
		return nil, err
	}
	return s.Simulate(objs)
}

// Simulate returns an observed copy of every object. Each gets a
// metadata.name when it only has a generateName (generateName followed by
// five characters derived from its composition resource name). Managed
// resources (group ending in .upbound.io) get Ready and Synced conditions,
// status.atProvider from the matching rule, status.atProvider.id and, when
// absent, the external-name annotation; Azure resources also get the names
// and ids they select filled in, as provider-azure resolves references.
// Other objects are returned as they are.
func (s *Simulator) Simulate(objs []*Object) ([]*Object, error) {
	out := make([]*Object, 0, len(objs))
	for _, in := range objs {
		o := in.DeepCopy()
		if o.GetName() == "" && o.GetGenerateName() != "" {
			o.SetName(o.GetGenerateName() + nameSuffix(ResourceName(o)))
		}
		out = append(out, o)
	}
	// Azure resources reference others by name and id: resolve the names
	// first, then observe every resource after those whose ids it selects
	// (see simulate_azure.go). Other resources are observed in input order.
	resolveAzureNames(out)
	observed := map[*Object]bool{}
	for _, i := range observeOrder(out) {
		o := out[i]
		if o.GroupVersionKind().Group == GroupOwnXRs {
			simulateOwnXR(o)
			continue
		}
		if !IsManaged(o) {
			continue
		}
		if isAzure(o) {
			resolveAzureIDs(o, out, observed)
		}
		if err := s.observe(o); err != nil {
			return nil, err
		}
		observed[o] = true
	}
	return out, nil
}

func (s *Simulator) observe(o *Object) error {
	gvk := o.GroupVersionKind()
	obs := &Observation{
		Object:       o,
		GVK:          gvk,
		ResourceName: ResourceName(o),
		hash:         sha256.Sum256([]byte(gvk.Kind + "/" + o.GetLabels()[LabelComposite] + "/" + ResourceName(o) + "/" + o.GetName())),
	}
	if rule := s.rule(gvk.Group, gvk.Kind); rule != nil {
		rule(obs)
	}
	if obs.ID == "" {
		obs.ID = obs.Name()
	}
	obs.Set(obs.ID, "id")
	if o.GetAnnotations()[AnnotationExternalName] == "" {
		a := o.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[AnnotationExternalName] = obs.ID
		o.SetAnnotations(a)
	}
	conds := []any{
		map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": SimulatedTransitionTime},
		map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": SimulatedTransitionTime},
	}
	_ = unstructured.SetNestedSlice(o.Object, conds, "status", "conditions")
	if s.Schemas != nil {
		return s.Schemas.PruneStatus(o)
	}
	return nil
}

// rule finds the rule for a group and kind.
func (s *Simulator) rule(group, kind string) Rule {
	g := clusterGroup(group)
	if r, ok := s.Rules[g+"/"+kind]; ok {
		return r
	}
	var best Rule
	bestLen := 0
	for suffix, r := range s.ProviderRules {
		if strings.HasSuffix(g, suffix) && len(suffix) > bestLen {
			best, bestLen = r, len(suffix)
		}
	}
	return best
}

// clusterGroup maps a namespaced managed resource group
// ("ec2.aws.m.upbound.io") to its cluster-scoped twin ("ec2.aws.upbound.io").
func clusterGroup(g string) string {
	if strings.HasSuffix(g, ".m.upbound.io") {
		return strings.TrimSuffix(g, ".m.upbound.io") + ".upbound.io"
	}
	return g
}
