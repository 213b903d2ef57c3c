package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/functions/tailscale/input/v1beta1"
	"github.com/devsecops/platform-functions/internal/compose"
	spokectx "github.com/devsecops/platform-functions/internal/spoke"
	"github.com/devsecops/platform-functions/internal/xr"
)

// Defaults of the function input, the same as its CRD's.
const (
	defaultCredentialsName   = "tailscale-oauth"
	defaultBaseURL           = "https://api.tailscale.com"
	defaultTimeout           = 10 * time.Second
	defaultNamespace         = "crossplane-system"
	defaultDeliveryNamespace = "tailscale"
	maxTimeout               = time.Minute
)

// clusterNameToken in delivery.providerConfigName is replaced by the spoke's
// cluster name.
const clusterNameToken = "{clusterName}"

// maxDescriptionLength is the longest auth key description Tailscale takes.
const maxDescriptionLength = 50

var reTag = regexp.MustCompile(`^tag:[a-zA-Z0-9][a-zA-Z0-9-]*$`)

// plan is a validated, defaulted request: what the spoke's key must be and
// where it goes.
type plan struct {
	ts v1alpha1.Tailscale
	in *v1beta1.Input
	// xrName identifies the XR in messages.
	xrName string
	// cluster is the spoke's cluster name.
	cluster string
	// clusterReady is true once the spoke's API endpoint is known.
	clusterReady bool
	// secretNamespace and secretName locate the hub Secret.
	secretNamespace, secretName string
	// tags of the key, sorted.
	tags []string
	// description identifies the XR on the key in the Tailscale admin
	// console and lets the function find keys it minted.
	description string
	// providerConfig reaches the spoke; "" when delivery is off.
	providerConfig string
	// deliveryNamespace and deliverySecret locate the Secret in the spoke.
	deliveryNamespace, deliverySecret string
	timeout                           time.Duration
}

// defaultInput fills the input's unset fields with the CRD's defaults:
// crossplane render does not default function inputs.
func defaultInput(in *v1beta1.Input) {
	in.CredentialsName = compose.FirstOf(in.CredentialsName, defaultCredentialsName)
	in.BaseURL = compose.FirstOf(in.BaseURL, defaultBaseURL)
	in.Namespace = compose.FirstOf(in.Namespace, defaultNamespace)
	if in.Delivery != nil {
		in.Delivery.Namespace = compose.FirstOf(in.Delivery.Namespace, defaultDeliveryNamespace)
	}
}

// decodeTailscale strictly decodes spec.parameters.tailscale of any XR of the
// platform, so a typo is reported even where no API server validated the XR.
// The rest of spec.parameters belongs to the cluster function.
func decodeTailscale(obj map[string]any) (v1alpha1.Tailscale, string, error) {
	ts := v1alpha1.Tailscale{}
	spec, _ := obj["spec"].(map[string]any)
	params, _ := spec["parameters"].(map[string]any)
	clusterName, _ := params["clusterName"].(string)
	raw, ok := params["tailscale"]
	if !ok || raw == nil {
		ts.SetDefaults()
		return ts, clusterName, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return ts, "", fmt.Errorf("cannot read spec.parameters.tailscale: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ts); err != nil {
		return ts, "", fmt.Errorf("spec.parameters.tailscale: %s; check the field names against the API reference", strings.TrimPrefix(err.Error(), "json: "))
	}
	ts.SetDefaults()
	return ts, clusterName, nil
}

// newPlan validates the input and the XR's Tailscale settings. Every problem
// is returned in one error naming the field and the fix.
func newPlan(in *v1beta1.Input, ts v1alpha1.Tailscale, clusterName string, oxr, dxr *resource.Composite, sc *spokectx.Cluster) (*plan, error) {
	errs := xr.NewFieldErrors("")
	p := &plan{ts: ts, in: in, xrName: oxr.Resource.GetName()}

	// The spoke: its cluster function's view first, then the XR.
	desiredCluster, _ := dxr.Resource.GetString("status.clusterName")
	observedCluster, _ := oxr.Resource.GetString("status.clusterName")
	desiredEndpoint, _ := dxr.Resource.GetString("status.endpoint")
	observedEndpoint, _ := oxr.Resource.GetString("status.endpoint")
	p.cluster = compose.FirstOf(desiredCluster, observedCluster, clusterName, xr.ClaimOrName(oxr.Resource))
	p.clusterReady = desiredEndpoint != "" || observedEndpoint != ""
	if sc != nil {
		p.cluster = compose.FirstOf(sc.Name, p.cluster)
		p.clusterReady = sc.Ready()
	}

	// Where the hub Secret goes.
	p.secretName = ts.AuthKeySecret
	p.secretNamespace = compose.FirstOf(oxr.Resource.GetLabels()[xr.LabelClaimNamespace], in.Namespace)
	if ts.Enabled {
		switch {
		case p.secretName == "":
			errs.Add("spec.parameters.tailscale.authKeySecret", "is empty but tailscale.enabled is true; name the Secret that holds the spoke's auth key")
		case len(validation.IsDNS1123Subdomain(p.secretName)) > 0:
			errs.Add("spec.parameters.tailscale.authKeySecret", "%q is not a valid Secret name (lowercase letters, digits, '-' and '.')", p.secretName)
		}
	}

	// The key.
	p.tags = slices.Clone(ts.Tags)
	tagsField := "spec.parameters.tailscale.tags"
	if len(p.tags) == 0 {
		p.tags = slices.Clone(in.DefaultTags)
		tagsField = "the function input's defaultTags"
	}
	slices.Sort(p.tags)
	p.tags = slices.Compact(p.tags)
	if ts.Enabled && len(p.tags) == 0 {
		errs.Add("spec.parameters.tailscale.tags", "is empty and the function input sets no defaultTags; a key minted by an OAuth client must carry tags the client owns, e.g. [tag:k8s-spoke]")
	}
	for _, t := range p.tags {
		if !reTag.MatchString(t) {
			errs.Add(tagsField, "%q is not a Tailscale tag such as tag:k8s-spoke", t)
		}
	}
	if ts.KeyExpiryDays < 1 || ts.KeyExpiryDays > 90 {
		errs.Add("spec.parameters.tailscale.keyExpiryDays", "%d is outside 1..90, the lifetimes Tailscale allows", ts.KeyExpiryDays)
	}
	if ts.RotateBeforeDays < 1 || ts.RotateBeforeDays >= ts.KeyExpiryDays {
		errs.Add("spec.parameters.tailscale.rotateBeforeDays", "%d must be at least 1 and less than keyExpiryDays (%d)", ts.RotateBeforeDays, ts.KeyExpiryDays)
	}
	p.description = keyDescription(oxr)

	// The input.
	if u, err := url.Parse(in.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs.Add("the function input's baseURL", "%q is not an http(s) URL; fix the Composition", in.BaseURL)
	}
	p.timeout = defaultTimeout
	if in.Timeout != nil {
		p.timeout = in.Timeout.Duration
	}
	if p.timeout <= 0 || p.timeout > maxTimeout {
		errs.Add("the function input's timeout", "%s is outside (0s, %s]; fix the Composition", p.timeout, maxTimeout)
	}
	if d := in.Delivery; d != nil {
		p.providerConfig = strings.ReplaceAll(d.ProviderConfigName, clusterNameToken, p.cluster)
		p.deliveryNamespace = d.Namespace
		p.deliverySecret = compose.FirstOf(d.SecretName, p.secretName)
		if p.providerConfig == "" || len(validation.IsDNS1123Subdomain(p.providerConfig)) > 0 {
			errs.Add("the function input's delivery.providerConfigName", "%q (from %q) is not a valid ProviderConfig name; fix the Composition", p.providerConfig, d.ProviderConfigName)
		}
		if len(validation.IsDNS1123Label(p.deliveryNamespace)) > 0 {
			errs.Add("the function input's delivery.namespace", "%q is not a valid namespace name; fix the Composition", p.deliveryNamespace)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// keyDescription identifies an XR on its auth keys: its name (shortened to
// fit Tailscale's 50 characters) and a hash of its kind, namespace and name,
// so keys of two XRs never share a description.
func keyDescription(x *resource.Composite) string {
	id := x.Resource.GetAPIVersion() + "/" + x.Resource.GetKind() + "/" + x.Resource.GetNamespace() + "/" + x.Resource.GetName()
	sum := sha256.Sum256([]byte(id))
	hash := hex.EncodeToString(sum[:4])
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, x.Resource.GetName())
	const prefix = "crossplane "
	if room := maxDescriptionLength - len(prefix) - len(hash) - 1; len(name) > room {
		name = name[:room]
	}
	return prefix + name + " " + hash
}

// spec is the key the plan asks for.
func (p *plan) spec() keySpec {
	return keySpec{
		Tags:          p.tags,
		Reusable:      *p.ts.Reusable,
		Ephemeral:     p.ts.Ephemeral,
		Preauthorized: true,
		Expiry:        time.Duration(p.ts.KeyExpiryDays) * 24 * time.Hour,
		Description:   p.description,
	}
}

// fingerprint is what a key was minted with; a key whose fingerprint differs
// from the plan's is replaced.
func (s keySpec) fingerprint() string {
	return fmt.Sprintf("tags=%s;reusable=%t;ephemeral=%t;preauthorized=%t",
		strings.Join(s.Tags, ","), s.Reusable, s.Ephemeral, s.Preauthorized)
}

// rotateBefore is how long before expiry a key is replaced.
func (p *plan) rotateBefore() time.Duration {
	return time.Duration(p.ts.RotateBeforeDays) * 24 * time.Hour
}
