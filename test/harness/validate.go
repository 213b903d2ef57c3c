package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Validation is the outcome of `crank beta validate`.
type Validation struct {
	// Total, MissingSchemas, Successes and Failures are crank's totals.
	Total, MissingSchemas, Successes, Failures int
	// Errors are crank's "[x]" (validation error) and "[!]" (missing schema,
	// defaulting problem) lines.
	Errors []string
	// Output is crank's complete output.
	Output string
	// Extensions are the schema files given to crank.
	Extensions []string
}

// OK reports whether every object was validated without error.
func (v *Validation) OK() bool {
	return v.Failures == 0 && v.MissingSchemas == 0 && v.Total > 0
}

var totalRE = regexp.MustCompile(`Total (\d+) resources: (\d+) missing schemas, (\d+) success cases, (\d+) failure cases`)

// Validate runs `crank beta validate --error-on-missing-schemas` on objs
// against the XRDs in package/xrds, the provider CRDs of the API groups
// present in objs, schemas for core kinds and Crossplane's own CRDs. The
// core CRDs come from the crossplane module's cluster/crds, pre-seeded into
// a cache directory, so nothing is downloaded.
//
// A returned error means crank could not run or its output was not
// understood; validation failures are reported in the Validation.
func (h *Harness) Validate(objs []*Object) (*Validation, error) {
	if len(objs) == 0 {
		return nil, fmt.Errorf("nothing to validate")
	}
	cacheDir, image, err := h.validateCache()
	if err != nil {
		return nil, err
	}
	idx, err := h.Schemas()
	if err != nil {
		return nil, err
	}
	xrds, err := h.XRDs()
	if err != nil {
		return nil, err
	}
	ext := append(sortedKeys(xrds), idx.FilesFor(objs)...)
	dir, err := h.TempDir("validate")
	if err != nil {
		return nil, err
	}
	res := filepath.Join(dir, "resources.yaml")
	if err := WriteYAML(res, objs); err != nil {
		return nil, err
	}
	args := []string{"beta", "validate", strings.Join(ext, ","), res,
		"--cache-dir=" + cacheDir, "--crossplane-image=" + image,
		"--error-on-missing-schemas", "--skip-success-results"}
	stdout, stderr, runErr := h.runCrank(args...)
	out := string(stdout) + string(stderr)
	v := &Validation{Output: out, Extensions: ext}
	m := totalRE.FindStringSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("crank beta validate printed no totals (%v):\n%s", runErr, out)
	}
	v.Total, _ = strconv.Atoi(m[1])
	v.MissingSchemas, _ = strconv.Atoi(m[2])
	v.Successes, _ = strconv.Atoi(m[3])
	v.Failures, _ = strconv.Atoi(m[4])
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "[x]") || strings.HasPrefix(l, "[!]") {
			v.Errors = append(v.Errors, l)
		}
	}
	if runErr != nil && v.Failures == 0 && v.MissingSchemas == 0 {
		return v, fmt.Errorf("crank beta validate: %w\n%s", runErr, out)
	}
	return v, nil
}

// validateCache creates (once) a crank validate cache directory holding
// Crossplane's core CRDs under the image reference crank looks for, and
// returns it with that image reference.
func (h *Harness) validateCache() (dir, image string, err error) {
	xp, err := h.crossplaneModule()
	if err != nil {
		return "", "", err
	}
	image = "xpkg.crossplane.io/crossplane/crossplane:" + xp.Version
	if h.tmp == "" {
		return "", "", fmt.Errorf("harness is closed")
	}
	dir = filepath.Join(h.tmp, "validate-cache")
	img := filepath.Join(dir, "xpkg.crossplane.io", "crossplane", "crossplane@"+xp.Version)
	h.mu.Lock()
	defer h.mu.Unlock()
	if fileExists(img) {
		return dir, image, nil
	}
	crds, err := filepath.Glob(filepath.Join(xp.Dir, "cluster", "crds", "*.yaml"))
	if err != nil || len(crds) == 0 {
		return "", "", fmt.Errorf("no CRDs in %s/cluster/crds: %v", xp.Dir, err)
	}
	tmp := img + ".tmp"
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", "", err
	}
	for _, c := range crds {
		data, err := os.ReadFile(c)
		if err != nil {
			return "", "", err
		}
		if err := os.WriteFile(filepath.Join(tmp, filepath.Base(c)), data, 0o644); err != nil {
			return "", "", err
		}
	}
	return dir, image, os.Rename(tmp, img)
}
