package xpkg

import (
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/Masterminds/semver"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// hubObjects loads examples/hub, keyed by kind/name.
func hubObjects(t *testing.T, root string) map[string]*Object {
	t.Helper()
	files, err := yamlFiles(filepath.Join(root, HubExamplesDir))
	if err != nil {
		t.Fatal(err)
	}
	objs := map[string]*Object{}
	for _, f := range files {
		list, err := LoadYAML(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range list {
			key := o.GetKind() + "/" + o.GetName()
			if _, dup := objs[key]; dup {
				t.Errorf("%s: %s twice in %s", f, key, HubExamplesDir)
			}
			objs[key] = o
		}
	}
	return objs
}

// splitRef splits registry/repo:tag.
func splitRef(t *testing.T, ref string) (repo, tag string) {
	t.Helper()
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		t.Errorf("package %q has no tag", ref)
		return ref, ""
	}
	return ref[:i], ref[i+1:]
}

// TestHubExamples checks what a hub applies (examples/hub) installs every
// package of the repository consistently with crossplane.yaml.
func TestHubExamples(t *testing.T) {
	root := repoRoot(t)
	hub := hubObjects(t, root)
	deps, err := Dependencies(root)
	if err != nil {
		t.Fatal(err)
	}
	depOf := map[string]Dependency{}
	for _, d := range deps {
		depOf[path.Base(d.Package)] = d
	}

	fns, err := Functions(root)
	if err != nil {
		t.Fatal(err)
	}
	var registry string
	for _, fn := range fns {
		name := FunctionPackageName(fn)
		o, ok := hub["Function/"+name]
		if !ok {
			t.Errorf("%s has no pkg.crossplane.io/v1 Function %s (functions/%s)", HubExamplesDir, name, fn)
			continue
		}
		pkg, _, _ := unstructured.NestedString(o.Object, "spec", "package")
		repo, tag := splitRef(t, pkg)
		d, ok := depOf[name]
		if !ok {
			continue // TestDependencies reports it
		}
		if repo != d.Package {
			t.Errorf("Function %s installs %s, crossplane.yaml depends on %s: Crossplane would install a second copy", name, repo, d.Package)
		}
		checkConstraint(t, name, tag, d.Version)
		registry = path.Dir(d.Package)
		rc, _, _ := unstructured.NestedString(o.Object, "spec", "runtimeConfigRef", "name")
		if _, ok := hub["DeploymentRuntimeConfig/"+rc]; !ok {
			t.Errorf("Function %s: runtimeConfigRef %q is not a DeploymentRuntimeConfig of %s", name, rc, HubExamplesDir)
		}
	}
	for key := range hub {
		if kind, name, _ := strings.Cut(key, "/"); kind == KindFunction {
			if !slices.Contains(fns, strings.TrimPrefix(name, FunctionPrefix)) {
				t.Errorf("%s installs Function %s, which is not a function of this repository", HubExamplesDir, name)
			}
		}
	}

	cfg, ok := hub["Configuration/"+ConfigurationName]
	if !ok {
		t.Fatalf("%s has no Configuration %s", HubExamplesDir, ConfigurationName)
	}
	pkg, _, _ := unstructured.NestedString(cfg.Object, "spec", "package")
	repo, tag := splitRef(t, pkg)
	if registry != "" && repo != registry+"/"+ConfigurationName {
		t.Errorf("Configuration package %s, want %s/%s (where the functions are)", repo, registry, ConfigurationName)
	}
	if _, err := semver.NewVersion(tag); err != nil {
		t.Errorf("Configuration tag %q is not a semantic version: %v", tag, err)
	}

	// The runtime: --debug, resources, the image's user.
	for key, o := range hub {
		if !strings.HasPrefix(key, "DeploymentRuntimeConfig/") {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "deploymentTemplate", "spec", "template", "spec", "containers")
		var found bool
		for _, c := range containers {
			m, _ := c.(map[string]any)
			if m["name"] != "package-runtime" {
				continue
			}
			found = true
			args, _, _ := unstructured.NestedStringSlice(m, "args")
			if !slices.Contains(args, "--debug") {
				t.Errorf("%s: package-runtime args %v, want --debug", key, args)
			}
			if _, ok, _ := unstructured.NestedMap(m, "resources", "requests"); !ok {
				t.Errorf("%s: package-runtime has no resource requests", key)
			}
		}
		if !found {
			t.Errorf("%s: no container named package-runtime (the name Crossplane merges)", key)
		}
		uid, _, _ := unstructured.NestedInt64(o.Object, "spec", "deploymentTemplate", "spec", "template", "spec", "securityContext", "runAsUser")
		if uid != 65532 {
			t.Errorf("%s: pod runAsUser %d, want 65532, the image's user (%s)", key, uid, User)
		}
	}

	// The AWS ProviderConfig of the roadmap, and the one function-eks uses.
	pc, ok := hub["ProviderConfig/aws-provider"]
	if !ok {
		t.Fatalf("%s has no ProviderConfig aws-provider", HubExamplesDir)
	}
	if pc.GetAPIVersion() != "aws.upbound.io/v1beta1" {
		t.Errorf("ProviderConfig aws-provider is %s, want aws.upbound.io/v1beta1", pc.GetAPIVersion())
	}
	ref, _, _ := unstructured.NestedStringMap(pc.Object, "spec", "credentials", "secretRef")
	src, _, _ := unstructured.NestedString(pc.Object, "spec", "credentials", "source")
	want := map[string]string{"namespace": "crossplane-system", "name": "aws-credentials", "key": "credentials"}
	if src != "Secret" || !equalMaps(ref, want) {
		t.Errorf("ProviderConfig aws-provider credentials %s %v, want Secret %v", src, ref, want)
	}
	comps, err := yamlFiles(filepath.Join(root, CompositionDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range comps {
		objs, err := LoadYAML(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			steps, _, _ := unstructured.NestedSlice(o.Object, "spec", "pipeline")
			for _, s := range steps {
				m, _ := s.(map[string]any)
				fn, _, _ := unstructured.NestedString(m, "functionRef", "name")
				pcn, _, _ := unstructured.NestedString(m, "input", "providerConfigName")
				if fn == FunctionPackageName("eks") && pcn != pc.GetName() {
					t.Errorf("%s: function-eks uses ProviderConfig %q, the hub's is %q", filepath.Base(f), pcn, pc.GetName())
				}
			}
		}
	}
}

func checkConstraint(t *testing.T, name, tag, constraint string) {
	t.Helper()
	v, err := semver.NewVersion(tag)
	if err != nil {
		t.Errorf("%s: tag %q is not a semantic version: %v", name, tag, err)
		return
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		t.Errorf("%s: crossplane.yaml constraint %q: %v", name, constraint, err)
		return
	}
	if !c.Check(v) {
		t.Errorf("%s: %s does not satisfy crossplane.yaml's constraint %s", name, tag, constraint)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
