// Package compose holds what every composition function of the project does
// the same way: collecting typed desired resources in a stable order,
// converting them with composed.From, reading observed resources, deriving
// readiness from observed conditions and building reference selectors.
package compose

import (
	"fmt"
	"sort"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"k8s.io/apimachinery/pkg/runtime"
)

// LabelComponent labels every composed resource with its composition resource
// name, so other resources can select it together with matchControllerRef.
const LabelComponent = "infrastructure.devsecops/component"

// Set is an ordered set of desired composed resources, built from typed
// provider structs.
type Set struct {
	order []resource.Name
	objs  map[resource.Name]runtime.Object
	// readyWhenObserved holds resources without conditions (Secrets,
	// ConfigMaps): they are ready once they exist.
	readyWhenObserved map[resource.Name]bool
}

// NewSet returns an empty Set.
func NewSet() *Set {
	return &Set{objs: map[resource.Name]runtime.Object{}, readyWhenObserved: map[resource.Name]bool{}}
}

// AddReadyWhenObserved adds a resource that has no status conditions, such
// as a Secret: it counts as ready once it is observed.
func (s *Set) AddReadyWhenObserved(name string, obj runtime.Object) {
	s.Add(name, obj)
	s.readyWhenObserved[resource.Name(name)] = true
}

// ready reports whether a member of the set is ready in observed.
func (s *Set) ready(name resource.Name, observed Observed) bool {
	if s.readyWhenObserved[name] {
		return observed.Exists(string(name))
	}
	return observed.Ready(string(name))
}

// Add puts obj in the set under name. Adding a name twice is a programming
// error and panics in tests through Names' uniqueness.
func (s *Set) Add(name string, obj runtime.Object) {
	n := resource.Name(name)
	if _, ok := s.objs[n]; !ok {
		s.order = append(s.order, n)
	}
	s.objs[n] = obj
}

// Has reports whether name is in the set.
func (s *Set) Has(name string) bool { _, ok := s.objs[resource.Name(name)]; return ok }

// Names returns the resource names in the order they were added.
func (s *Set) Names() []resource.Name { return append([]resource.Name(nil), s.order...) }

// Len is the number of resources in the set.
func (s *Set) Len() int { return len(s.order) }

// Merge converts every resource of the set with composed.From, drops the null
// fields upjet's non-omitempty pointers produce, labels it with its name and
// writes it into desired with readiness taken from observed. Resources already
// desired by earlier pipeline steps under other names are kept.
func (s *Set) Merge(desired map[resource.Name]*resource.DesiredComposed, observed Observed) error {
	for _, name := range s.order {
		cd, err := composed.From(s.objs[name])
		if err != nil {
			return fmt.Errorf("cannot convert composed resource %q: %w", name, err)
		}
		cd.Object = PruneNulls(cd.Object)
		PruneEmptyInitProvider(cd.Object)
		// A function never sets a composed resource's status (function spec).
		delete(cd.Object, "status")
		labels := cd.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[LabelComponent] = string(name)
		cd.SetLabels(labels)
		ready := resource.ReadyFalse
		if s.ready(name, observed) {
			ready = resource.ReadyTrue
		}
		desired[name] = &resource.DesiredComposed{Resource: cd, Ready: ready}
	}
	return nil
}

// PruneNulls returns m without null values, recursively. Upjet generates
// required fields as pointers without omitempty; unset, they would be sent as
// null and fail schema validation.
func PruneNulls(m map[string]any) map[string]any {
	for k, v := range m {
		switch t := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			m[k] = PruneNulls(t)
		case []any:
			for i, e := range t {
				if em, ok := e.(map[string]any); ok {
					t[i] = PruneNulls(em)
				}
			}
		}
	}
	return m
}

// PruneEmptyInitProvider drops empty lists and objects from
// spec.initProvider, and spec.initProvider itself when nothing is left. Upjet
// generates some initProvider lists without omitempty (provider-azure's
// Subnet delegation and serviceEndpoints); sent empty, they would be set on
// create and then ignored by every later update.
func PruneEmptyInitProvider(obj map[string]any) {
	spec, _ := obj["spec"].(map[string]any)
	ip, ok := spec["initProvider"].(map[string]any)
	if !ok {
		return
	}
	for k, v := range ip {
		switch t := v.(type) {
		case []any:
			if len(t) == 0 {
				delete(ip, k)
			}
		case map[string]any:
			if len(t) == 0 {
				delete(ip, k)
			}
		}
	}
	if len(ip) == 0 {
		delete(spec, "initProvider")
	}
}

// Observed gives typed access to the observed composed resources.
type Observed map[resource.Name]resource.ObservedComposed

// Exists reports whether the resource has been observed.
func (o Observed) Exists(name string) bool {
	_, ok := o[resource.Name(name)]
	return ok
}

// String returns the string at a field path of an observed resource, or ""
// when the resource or the field is missing.
func (o Observed) String(name, path string) string {
	oc, ok := o[resource.Name(name)]
	if !ok || oc.Resource == nil {
		return ""
	}
	v, err := oc.Resource.GetString(path)
	if err != nil {
		return ""
	}
	return v
}

// Integer returns the integer at a field path of an observed resource and
// whether it was there.
func (o Observed) Integer(name, path string) (int64, bool) {
	oc, ok := o[resource.Name(name)]
	if !ok || oc.Resource == nil {
		return 0, false
	}
	v, err := oc.Resource.GetInteger(path)
	if err != nil {
		return 0, false
	}
	return v, true
}

// Ready reports whether the observed resource has condition Ready=True.
//
// It reads status.conditions from the object's map, as GetCondition would
// (the first condition of type Ready wins), without GetCondition's JSON round
// trip of the whole status: that round trip was a third of a steady-state
// RunFunction (docs/PERFORMANCE.md).
func (o Observed) Ready(name string) bool {
	oc, ok := o[resource.Name(name)]
	if !ok || oc.Resource == nil {
		return false
	}
	status, _ := oc.Resource.Object["status"].(map[string]any)
	conditions, _ := status["conditions"].([]any)
	for _, c := range conditions {
		cm, _ := c.(map[string]any)
		if t, _ := cm["type"].(string); t == string(xpv1.TypeReady) {
			s, _ := cm["status"].(string)
			return s == "True"
		}
	}
	return false
}

// ConnectionDetail returns a connection detail of an observed resource.
func (o Observed) ConnectionDetail(name, key string) []byte {
	oc, ok := o[resource.Name(name)]
	if !ok {
		return nil
	}
	return oc.ConnectionDetails[key]
}

// FirstOf returns the first non-empty value.
func FirstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// NotReady lists, sorted, the names of set members that are not Ready in
// observed (including those not observed yet).
func NotReady(s *Set, observed Observed) []string {
	var out []string
	for _, n := range s.order {
		if !s.ready(n, observed) {
			out = append(out, string(n))
		}
	}
	sort.Strings(out)
	return out
}

// Select returns a selector matching the composed resources of the same XR
// that carry LabelComponent=name.
func Select(name string) *xpv1.Selector {
	return SelectLabels(map[string]string{LabelComponent: name})
}

// SelectLabels returns a selector matching the composed resources of the same
// XR that carry all the labels.
func SelectLabels(labels map[string]string) *xpv1.Selector {
	t := true
	return &xpv1.Selector{MatchLabels: labels, MatchControllerRef: &t}
}

// Tags merges tag maps, later maps winning, into the pointer map upjet wants.
func Tags(maps ...map[string]string) map[string]*string {
	out := map[string]*string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = &v
		}
	}
	return out
}

// Ptr returns a pointer to v.
func Ptr[T any](v T) *T { return &v }
