package xpkg

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Dependency is one entry of the Configuration's spec.dependsOn.
type Dependency struct {
	APIVersion, Kind, Package, Version string
}

// Dependencies reads spec.dependsOn of crossplane.yaml.
func Dependencies(root string) ([]Dependency, error) {
	objs, err := LoadYAML(filepath.Join(root, ConfigurationMeta))
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 {
		return nil, fmt.Errorf("%s: %d objects, want one Configuration", ConfigurationMeta, len(objs))
	}
	list, _, err := unstructured.NestedSlice(objs[0].Object, "spec", "dependsOn")
	if err != nil {
		return nil, fmt.Errorf("%s: spec.dependsOn: %w", ConfigurationMeta, err)
	}
	var deps []Dependency
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: spec.dependsOn[%d] is not an object", ConfigurationMeta, i)
		}
		s := func(k string) string { v, _ := m[k].(string); return v }
		deps = append(deps, Dependency{APIVersion: s("apiVersion"), Kind: s("kind"), Package: s("package"), Version: s("version")})
	}
	return deps, nil
}

var versionRE = regexp.MustCompile(`^v[0-9]+((alpha|beta)[0-9]+)?$`)

// providerModules maps a provider Go module's API packages to the package of
// the provider that serves an API group: the Upbound family providers are
// one package per group (provider-aws-ec2, provider-azure-network), the
// family's own group (aws, azure) is served by provider-family-<cloud>.
var providerModules = []struct {
	re  *regexp.Regexp
	pkg func(cloudGroup string) string
}{{
	re: regexp.MustCompile(`^github\.com/upbound/provider-(aws|azure|gcp)/v2/apis/(?:cluster|namespaced)/([a-z0-9]+)/`),
	pkg: func(m string) string {
		parts := strings.SplitN(m, "/", 2)
		// apis/cluster/v1beta1 (ProviderConfig) and the family's own group
		// (azure ResourceGroup) are served by the family provider.
		if parts[0] == parts[1] || versionRE.MatchString(parts[1]) {
			return "xpkg.upbound.io/upbound/provider-family-" + parts[0]
		}
		return "xpkg.upbound.io/upbound/provider-" + parts[0] + "-" + parts[1]
	},
}, {
	re:  regexp.MustCompile(`^github\.com/crossplane-contrib/provider-kubernetes/apis/(?:cluster/|namespaced/)?()([a-z0-9]+)/`),
	pkg: func(string) string { return "xpkg.upbound.io/crossplane-contrib/provider-kubernetes" },
}}

// ProviderPackages returns the provider packages serving the provider API
// groups a function's Go code imports (its non-test files), each with the
// importing Go package path; the function composes those kinds, so the
// Configuration must depend on those providers.
func ProviderPackages(root, fn string) (map[string]string, error) {
	out := map[string]string{}
	dir := filepath.Join(root, FunctionsDir, fn)
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			for _, pm := range providerModules {
				if m := pm.re.FindStringSubmatch(ip + "/"); m != nil {
					out[pm.pkg(m[1]+"/"+m[2])] = ip
				}
			}
		}
		return nil
	})
	return out, err
}

// compositionFunctions returns the functionRef names of every Composition's
// pipeline, with the Composition file.
func compositionFunctions(root string) (map[string]string, error) {
	files, err := yamlFiles(filepath.Join(root, CompositionDir))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range files {
		objs, err := LoadYAML(f)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			steps, _, _ := unstructured.NestedSlice(o.Object, "spec", "pipeline")
			for _, s := range steps {
				m, _ := s.(map[string]any)
				ref, _ := m["functionRef"].(map[string]any)
				if n, _ := ref["name"].(string); n != "" {
					rel, _ := filepath.Rel(root, f)
					out[n] = rel
				}
			}
		}
	}
	return out, nil
}

// CheckDependencies checks that crossplane.yaml's dependsOn lets a hub run
// the Configuration: every function of the repository and every function a
// Composition references is a Function dependency whose package ends in
// /<function name>, every provider whose API groups a function imports is a
// Provider dependency, the functions of the repository share one version
// constraint and so do the providers of one family. It returns every
// problem, sorted.
func CheckDependencies(root string) ([]string, error) {
	deps, err := Dependencies(root)
	if err != nil {
		return nil, err
	}
	byPackage := map[string]Dependency{}
	functionDeps := map[string]Dependency{} // by the package's last element
	for _, d := range deps {
		byPackage[d.Package] = d
		if d.Kind == KindFunction {
			functionDeps[path.Base(d.Package)] = d
		}
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	fns, err := Functions(root)
	if err != nil {
		return nil, err
	}
	ownVersions := map[string][]string{}
	for _, fn := range fns {
		name := FunctionPackageName(fn)
		d, ok := functionDeps[name]
		if !ok {
			add("%s: spec.dependsOn has no Function %s (functions/%s): add {apiVersion: pkg.crossplane.io/v1, kind: Function, package: <registry>/%s, version: ...}", ConfigurationMeta, name, fn, name)
		} else {
			ownVersions[d.Version] = append(ownVersions[d.Version], name)
		}
		provs, err := ProviderPackages(root, fn)
		if err != nil {
			return nil, err
		}
		for pkg, imp := range provs {
			if d, ok := byPackage[pkg]; !ok || d.Kind != "Provider" {
				add("%s: spec.dependsOn has no Provider %s, which serves %s that functions/%s composes", ConfigurationMeta, pkg, imp, fn)
			}
		}
	}
	if len(ownVersions) > 1 {
		add("%s: the repository's functions have different version constraints %v; they are released together", ConfigurationMeta, ownVersions)
	}

	refs, err := compositionFunctions(root)
	if err != nil {
		return nil, err
	}
	for n, file := range refs {
		if d, ok := functionDeps[n]; !ok || d.APIVersion == "" {
			add("%s references function %s: %s spec.dependsOn has no Function whose package ends in /%s", file, n, ConfigurationMeta, n)
		}
	}

	families := map[string]map[string][]string{}
	for _, d := range deps {
		if d.Package == "" || d.Version == "" || d.APIVersion == "" || d.Kind == "" {
			add("%s: spec.dependsOn %+v: set apiVersion, kind, package and version", ConfigurationMeta, d)
		}
		if d.Kind != "Provider" {
			continue
		}
		fam := familyOf(d.Package)
		if families[fam] == nil {
			families[fam] = map[string][]string{}
		}
		families[fam][d.Version] = append(families[fam][d.Version], path.Base(d.Package))
	}
	for fam, versions := range families {
		if len(versions) > 1 {
			add("%s: the %s providers have different version constraints %v; a family is installed at one version", ConfigurationMeta, fam, versions)
		}
	}
	sort.Strings(problems)
	return problems, nil
}

// familyOf returns the provider family of a package: provider-aws-ec2 and
// provider-family-aws are in family provider-aws.
func familyOf(pkg string) string {
	base := path.Base(pkg)
	base = strings.Replace(base, "provider-family-", "provider-", 1)
	for _, cloud := range []string{"aws", "azure", "gcp"} {
		if base == "provider-"+cloud || strings.HasPrefix(base, "provider-"+cloud+"-") {
			return path.Dir(pkg) + "/provider-" + cloud
		}
	}
	return pkg
}
