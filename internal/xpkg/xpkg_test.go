package xpkg

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		p = filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRuntimeImage(t *testing.T) {
	bin := []byte("\x7fELF not really a binary")
	labels := map[string]string{LabelTitle: "function-x"}
	img, err := RuntimeImage(bin, "arm64", labels)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != "linux" || cfg.Architecture != "arm64" {
		t.Errorf("platform %s/%s, want linux/arm64", cfg.OS, cfg.Architecture)
	}
	if diff := cmp.Diff([]string{"/function"}, cfg.Config.Entrypoint); diff != "" {
		t.Errorf("entrypoint -want +got:\n%s", diff)
	}
	if len(cfg.Config.Cmd) != 0 {
		t.Errorf("cmd %v, want none: Crossplane starts the image without arguments", cfg.Config.Cmd)
	}
	if cfg.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532", cfg.Config.User)
	}
	if _, ok := cfg.Config.ExposedPorts["9443/tcp"]; !ok || len(cfg.Config.ExposedPorts) != 1 {
		t.Errorf("exposed ports %v, want 9443/tcp", cfg.Config.ExposedPorts)
	}
	if !cfg.Created.Time.Equal(Epoch) {
		t.Errorf("created %v, want %v", cfg.Created, Epoch)
	}
	if cfg.Config.Labels[LabelTitle] != "function-x" {
		t.Errorf("labels %v", cfg.Config.Labels)
	}

	// One layer with the binary, root-owned and executable by anyone.
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %d, %v; want 1", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if !h.ModTime.Equal(Epoch) {
			t.Errorf("%s: mtime %v, want %v", h.Name, h.ModTime, Epoch)
		}
		if h.Name == "function" {
			data, _ := io.ReadAll(tr)
			if !bytes.Equal(data, bin) || h.Mode != 0o755 || h.Uid != 0 {
				t.Errorf("function: mode %o uid %d, %d bytes; want the binary, 0755, root", h.Mode, h.Uid, len(data))
			}
		}
		if h.Name == "etc/passwd" {
			data, _ := io.ReadAll(tr)
			if !strings.Contains(string(data), "nonroot:x:65532:65532:") {
				t.Errorf("etc/passwd has no nonroot user:\n%s", data)
			}
		}
	}
	want := []string{"etc/", "etc/group", "etc/passwd", "function", "home/", "home/nonroot/", "tmp/"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("layer entries -want +got:\n%s", diff)
	}

	// Reproducible: the same input gives the same digest; the binary and
	// the platform change it.
	d1, _ := img.Digest()
	again, _ := RuntimeImage(bin, "arm64", map[string]string{LabelTitle: "function-x"})
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Errorf("digests differ for the same input: %s, %s", d1, d2)
	}
	other, _ := RuntimeImage(append(bin, '!'), "arm64", labels)
	d3, _ := other.Digest()
	amd, _ := RuntimeImage(bin, "amd64", labels)
	d4, _ := amd.Digest()
	if d3 == d1 || d4 == d1 {
		t.Errorf("digest does not depend on the binary or the platform: %s %s %s", d1, d3, d4)
	}
}

func TestWriteRuntimeTarballIsDeterministic(t *testing.T) {
	img, err := RuntimeImage([]byte("binary"), "amd64", nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar")
	for _, p := range []string{a, b} {
		if err := WriteRuntimeTarball(p, "function-x", "amd64", img); err != nil {
			t.Fatal(err)
		}
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Error("two runtime tarballs of one image differ")
	}
}

const fakeMeta = `apiVersion: meta.pkg.crossplane.io/v1beta1
kind: Function
metadata:
  name: function-x
  annotations:
    meta.crossplane.io/maintainer: m
    meta.crossplane.io/source: github.com/example/x
    meta.crossplane.io/license: Apache-2.0
    meta.crossplane.io/description: d
    meta.crossplane.io/readme: r
`

const fakeCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: inputs.x.fn.example.io
`

func TestStageFunction(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"functions/x/main.go":                         "package main\n",
		"functions/x/package/crossplane.yaml":         fakeMeta,
		"functions/x/package/input/x.yaml":            fakeCRD,
		"functions/x/package/README.md":               "not staged",
		"functions/x/package/examples/something.yaml": "kind: NotAPackageObject\n",
	})
	dir := filepath.Join(t.TempDir(), "pkg")
	if err := StageFunction(root, "x", dir); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"crossplane.yaml", "input/x.yaml"}, listFiles(t, dir)); diff != "" {
		t.Errorf("staged files -want +got:\n%s", diff)
	}
}

func TestStageFunctionRejects(t *testing.T) {
	cases := map[string]struct {
		files map[string]string
		want  string
	}{
		"NoMeta": {
			files: map[string]string{"functions/x/main.go": "package main\n"},
			want:  "write functions/x/package/crossplane.yaml",
		},
		"WrongName": {
			files: map[string]string{"functions/x/package/crossplane.yaml": strings.Replace(fakeMeta, "function-x", "x", 1)},
			want:  `metadata.name "x", want "function-x"`,
		},
		"NoReadme": {
			files: map[string]string{"functions/x/package/crossplane.yaml": strings.Replace(fakeMeta, "    meta.crossplane.io/readme: r\n", "", 1)},
			want:  "missing annotations meta.crossplane.io/readme",
		},
		"NotACRD": {
			files: map[string]string{
				"functions/x/package/crossplane.yaml": fakeMeta,
				"functions/x/package/input/x.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
			},
			want: "is not a CustomResourceDefinition",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, tc.files)
			err := StageFunction(root, "x", filepath.Join(t.TempDir(), "pkg"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestStageConfiguration stages the repository's Configuration: only
// package objects under the package root, only claims and XRs as examples.
func TestStageConfiguration(t *testing.T) {
	root := repoRoot(t)
	pkg, ex := filepath.Join(t.TempDir(), "pkg"), filepath.Join(t.TempDir(), "ex")
	if err := StageConfiguration(root, pkg, ex); err != nil {
		t.Fatal(err)
	}
	for _, f := range listFiles(t, pkg) {
		if f != "crossplane.yaml" && !strings.HasPrefix(f, "xrds/") && !strings.HasPrefix(f, "compositions/") {
			t.Errorf("staged %s: the package root holds crossplane.yaml, xrds/ and compositions/ only", f)
		}
	}
	xrds, _ := yamlFiles(filepath.Join(root, XRDDir))
	comps, _ := yamlFiles(filepath.Join(root, CompositionDir))
	if got, want := len(listFiles(t, pkg)), 1+len(xrds)+len(comps); got != want {
		t.Errorf("staged %d files, want %d (crossplane.yaml, %d XRDs, %d Compositions)", got, want, len(xrds), len(comps))
	}
	kinds, err := xrKinds(root)
	if err != nil {
		t.Fatal(err)
	}
	examples := listFiles(t, ex)
	if len(examples) == 0 {
		t.Error("no examples staged")
	}
	for _, f := range examples {
		if strings.HasPrefix(f, "hub/") || strings.Contains(f, "invalid/") || strings.Contains(f, ".observed") {
			t.Errorf("staged example %s", f)
		}
		objs, err := LoadYAML(filepath.Join(ex, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if !kinds[o.GroupVersionKind().Group+"/"+o.GetKind()] {
				t.Errorf("example %s holds %s, not a claim or XR", f, o.GetKind())
			}
		}
	}
}

// TestDependencies checks crossplane.yaml's dependsOn against the functions,
// the Compositions and the provider API groups the functions import.
func TestDependencies(t *testing.T) {
	problems, err := CheckDependencies(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestCheckDependenciesFindsProblems(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"crossplane.yaml": `apiVersion: meta.pkg.crossplane.io/v1
kind: Configuration
metadata: {name: platform-functions}
spec:
  dependsOn:
    - {apiVersion: pkg.crossplane.io/v1, kind: Provider, package: xpkg.upbound.io/upbound/provider-aws-ec2, version: ">=v2.3.0"}
    - {apiVersion: pkg.crossplane.io/v1, kind: Provider, package: xpkg.upbound.io/upbound/provider-aws-iam, version: ">=v2.4.0"}
    - {apiVersion: pkg.crossplane.io/v1, kind: Function, package: xpkg.crossplane.io/devsecops/function-a, version: ">=v0.1.0"}
`,
		"functions/a/main.go": "package main\n",
		"functions/a/scheme.go": `package main
import (
	_ "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	_ "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
	_ "github.com/upbound/provider-azure/v2/apis/cluster/azure/v1beta1"
)
`,
		"functions/a/x_test.go": "package main\nimport _ \"github.com/upbound/provider-aws/v2/apis/cluster/sqs/v1beta1\"\n",
		"functions/b/main.go":   "package main\nimport _ \"github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2\"\n",
		"package/compositions/c.yaml": `apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata: {name: c}
spec:
  pipeline:
    - {step: a, functionRef: {name: function-a}}
    - {step: ready, functionRef: {name: function-auto-ready}}
`,
	})
	problems, err := CheckDependencies(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"crossplane.yaml: spec.dependsOn has no Function function-b",
		"crossplane.yaml: spec.dependsOn has no Provider xpkg.upbound.io/crossplane-contrib/provider-kubernetes",
		"crossplane.yaml: spec.dependsOn has no Provider xpkg.upbound.io/upbound/provider-aws-kms",
		"crossplane.yaml: spec.dependsOn has no Provider xpkg.upbound.io/upbound/provider-family-azure",
		"crossplane.yaml: the xpkg.upbound.io/upbound/provider-aws providers have different version constraints",
		"package/compositions/c.yaml references function function-auto-ready",
	}
	if len(problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(problems), len(want), strings.Join(problems, "\n"))
	}
	for _, w := range want {
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, w) }) {
			t.Errorf("no problem starting with %q in:\n%s", w, strings.Join(problems, "\n"))
		}
	}
}

// TestBuildFlagsEverywhere checks make build, make xpkg and the Dockerfile
// build function binaries the same way.
func TestBuildFlagsEverywhere(t *testing.T) {
	if got := strings.Join(GoBuildFlags, " "); got != strings.ReplaceAll(ShellBuildFlags, `"`, "") {
		t.Errorf("GoBuildFlags %q and ShellBuildFlags %q differ", got, ShellBuildFlags)
	}
	root := repoRoot(t)
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mk), "GO_BUILD_FLAGS := "+ShellBuildFlags+"\n") {
		t.Errorf("Makefile: want GO_BUILD_FLAGS := %s", ShellBuildFlags)
	}
	if !strings.Contains(string(mk), "CGO_ENABLED=0 $(GO) build $(GO_BUILD_FLAGS) ") {
		t.Error("Makefile: the build target does not run CGO_ENABLED=0 $(GO) build $(GO_BUILD_FLAGS)")
	}
	df, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(df), "CGO_ENABLED=0 ") || !strings.Contains(string(df), "go build "+ShellBuildFlags+" -o /function ") {
		t.Errorf("Dockerfile: want CGO_ENABLED=0 ... go build %s -o /function", ShellBuildFlags)
	}
	for _, want := range []string{"USER 65532:65532", "EXPOSE 9443", `ENTRYPOINT ["/function"]`} {
		if !strings.Contains(string(df), want) {
			t.Errorf("Dockerfile: no %s (the runtime image of make xpkg has it)", want)
		}
	}
}

// TestFunctionMetas checks every function's package metadata.
func TestFunctionMetas(t *testing.T) {
	root := repoRoot(t)
	fns, err := Functions(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range fns {
		t.Run(fn, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "pkg")
			if err := StageFunction(root, fn, dir); err != nil {
				t.Fatal(err)
			}
			inputs, _ := yamlFiles(filepath.Join(dir, "input"))
			if len(inputs) == 0 {
				t.Errorf("functions/%s/%s holds no input CRD", fn, FunctionInputDir)
			}
			m, _ := checkMeta(filepath.Join(dir, ConfigurationMeta), MetaAPIVersionFunction, KindFunction, FunctionPackageName(fn))
			v, _, _ := unstructured.NestedString(m.Object, "spec", "crossplane", "version")
			if v == "" {
				t.Errorf("%s: no spec.crossplane.version constraint", FunctionMeta)
			}
		})
	}
}
