// Package xpkg builds the project's Crossplane packages without a Docker
// engine: for every function (functions/<name>/main.go) a static binary, an
// OCI runtime image made with go-containerregistry and a Function package per
// platform; and the Configuration package of the repository root. The
// packaging itself is `go tool crank xpkg build`, pushing is
// `go tool crank xpkg push`. See docs/PACKAGES.md.
package xpkg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Repository layout, relative to the root.
const (
	// FunctionsDir holds one directory per function; a directory with a
	// main.go is a function.
	FunctionsDir = "functions"
	// FunctionMeta is the Function package metadata, relative to
	// functions/<name>.
	FunctionMeta = "package/crossplane.yaml"
	// FunctionInputDir holds the CRDs of the function input, relative to
	// functions/<name>.
	FunctionInputDir = "package/input"
	// ConfigurationMeta is the Configuration package metadata.
	ConfigurationMeta = "crossplane.yaml"
	// XRDDir and CompositionDir hold the Configuration's objects.
	XRDDir         = "package/xrds"
	CompositionDir = "package/compositions"
	// ExamplesDir holds claims and XRs by area; the ones of a known XRD are
	// the Configuration's examples.
	ExamplesDir = "examples"
	// HubExamplesDir holds what a hub applies to install the packages.
	HubExamplesDir = "examples/hub"
)

// Names of the packages.
const (
	// FunctionPrefix starts every function package name (function spec).
	FunctionPrefix = "function-"
	// ConfigurationName is the Configuration package's name.
	ConfigurationName = "platform-functions"
)

// DefaultArches are the platforms every function package is built for:
// amd64 clusters and KinD hubs on Apple silicon (arm64).
var DefaultArches = []string{"amd64", "arm64"}

// GoBuildFlags are the `go build` flags of every function binary, with
// CGO_ENABLED=0: no file paths, no VCS stamp (the same source gives the same
// binary from a clean or dirty tree, a clone or a tarball), no symbol table
// or DWARF. The Makefile's build target and the Dockerfile use the same
// flags; TestBuildFlagsEverywhere checks it.
var GoBuildFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

// ShellBuildFlags is GoBuildFlags as written in a shell command.
const ShellBuildFlags = `-trimpath -buildvcs=false -ldflags="-s -w"`

// FunctionPackageName returns the package name of the function in
// functions/<name>: function-<name>.
func FunctionPackageName(name string) string { return FunctionPrefix + name }

// Functions lists the functions of the repository: the directory names under
// functions/ that hold a main.go, sorted.
func Functions(root string) ([]string, error) {
	mains, err := filepath.Glob(filepath.Join(root, FunctionsDir, "*", "main.go"))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(mains))
	for _, m := range mains {
		names = append(names, filepath.Base(filepath.Dir(m)))
	}
	sort.Strings(names)
	return names, nil
}

// FindRoot returns the directory of the go.mod enclosing dir.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or above", dir)
		}
	}
}

// Object is a Kubernetes object of any kind.
type Object = unstructured.Unstructured

// ParseYAML parses a stream of YAML documents, skipping empty ones.
func ParseYAML(data []byte) ([]*Object, error) {
	r := kyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []*Object
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read YAML document %d: %w", i, err)
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("cannot parse YAML document %d: %w", i, err)
		}
		if s := strings.TrimSpace(string(j)); s == "null" || s == "{}" || s == "" {
			continue
		}
		o := &Object{}
		if err := o.UnmarshalJSON(j); err != nil {
			return nil, fmt.Errorf("cannot decode YAML document %d: %w", i, err)
		}
		out = append(out, o)
	}
}

// LoadYAML parses a YAML file.
func LoadYAML(path string) ([]*Object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	objs, err := ParseYAML(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return objs, nil
}

// yamlFiles lists the .yaml and .yml files under dir, recursively, sorted.
func yamlFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}
