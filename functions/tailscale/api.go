package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	tailscale "tailscale.com/client/tailscale/v2"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenPath is the Tailscale OAuth token endpoint, below the base URL.
const tokenPath = "/api/v2/oauth/token"

// scopeAuthKeys is the only OAuth scope the function asks for.
const scopeAuthKeys = "auth_keys"

// Bounds of a server's Retry-After that the function honours as the
// response TTL.
const (
	minRetryAfter = time.Second
	maxRetryAfter = time.Hour
)

// maxMessageLength caps server messages quoted in results.
const maxMessageLength = 200

// oauthClient is the Tailscale OAuth client of the step's credentials.
type oauthClient struct {
	ID      string
	Secret  string
	Tailnet string
	BaseURL string
}

// api is one function run's view of the Tailscale API: the official client,
// authenticated with the OAuth client, plus a recorder of the HTTP exchanges
// so failures can be told apart (the client does not expose status codes or
// Retry-After of failed calls).
type api struct {
	client  *tailscale.Client
	rec     *recorder
	baseURL string
	timeout time.Duration
	secrets []string
}

// newAPI returns an api for one function run. Every call, the OAuth token
// request included, is bounded by ctx, which carries the run's deadline.
func newAPI(ctx context.Context, c oauthClient, timeout time.Duration, base http.RoundTripper) (*api, error) {
	u, err := url.Parse(strings.TrimSuffix(c.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", c.BaseURL)
	}
	if base == nil {
		base = http.DefaultTransport
	}
	rec := &recorder{base: base}
	// No http.Client Timeout: ctx carries the run's deadline to every
	// request, the token request included (a Client Timeout would also make
	// the oauth2 transport log a deprecation on every timeout).
	httpClient := &http.Client{Transport: rec}
	return &api{
		client: &tailscale.Client{
			BaseURL:   u,
			UserAgent: "function-tailscale",
			Tailnet:   c.Tailnet,
			HTTP:      httpClient,
			Auth:      &oauthAuth{ctx: ctx, clientID: c.ID, clientSecret: c.Secret},
		},
		rec:     rec,
		baseURL: u.String(),
		timeout: timeout,
		secrets: []string{c.Secret},
	}, nil
}

// oauthAuth is the OAuth client-credentials flow of tailscale.OAuth with one
// difference: the token request uses the function run's context and HTTP
// client, so it shares the run's deadline and recorder. tailscale.OAuth
// fetches tokens with context.Background and http.DefaultClient, which has no
// timeout: a stalled token endpoint would hang the function.
type oauthAuth struct {
	ctx                    context.Context
	clientID, clientSecret string
}

// HTTPClient implements tailscale.Auth.
func (o *oauthAuth) HTTPClient(orig *http.Client, baseURL string) *http.Client {
	cfg := clientcredentials.Config{
		ClientID:     o.clientID,
		ClientSecret: o.clientSecret,
		TokenURL:     baseURL + tokenPath,
		Scopes:       []string{scopeAuthKeys},
		// Tailscale's token endpoint takes the client in the form body.
		AuthStyle: oauth2.AuthStyleInParams,
	}
	ctx := context.WithValue(o.ctx, oauth2.HTTPClient, orig)
	return &http.Client{
		Transport: &oauth2.Transport{Base: orig.Transport, Source: oauth2.ReuseTokenSource(nil, cfg.TokenSource(ctx))},
	}
}

// recorder remembers the last HTTP exchange of a run: which endpoint was
// called and, if the server answered, its status and Retry-After.
type recorder struct {
	base http.RoundTripper

	mu         sync.Mutex
	path       string
	status     int
	retryAfter string
}

// RoundTrip implements http.RoundTripper.
func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.path, r.status, r.retryAfter = req.URL.Path, 0, ""
	r.mu.Unlock()
	rsp, err := r.base.RoundTrip(req)
	if rsp != nil {
		r.mu.Lock()
		r.status, r.retryAfter = rsp.StatusCode, rsp.Header.Get("Retry-After")
		r.mu.Unlock()
	}
	return rsp, err
}

func (r *recorder) last() (path string, status int, retryAfter string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.path, r.status, r.retryAfter
}

// faultKind classifies a failed Tailscale API call by what the function does
// about it.
type faultKind int

const (
	// faultUnreachable: no connection to the API.
	faultUnreachable faultKind = iota
	// faultTimeout: the API did not answer in time.
	faultTimeout
	// faultCredentials: the OAuth client is missing, incomplete or rejected
	// (HTTP 401/403, or 400 from the token endpoint).
	faultCredentials
	// faultRateLimited: HTTP 429.
	faultRateLimited
	// faultServer: HTTP 5xx.
	faultServer
	// faultRejected: another 4xx, e.g. tags the OAuth client does not own.
	faultRejected
	// faultMalformed: an answer the function cannot use.
	faultMalformed
	// faultRecentMint: a key for this spoke was minted moments ago and is not
	// observed yet; minting another would leak one.
	faultRecentMint
)

// fault is a failed Tailscale API call, described without secrets.
type fault struct {
	kind faultKind
	// op is what the function tried, e.g. "mint an auth key".
	op string
	// status is the HTTP status, 0 without an answer.
	status int
	// retryAfter is the server's Retry-After, if any: how long from now the
	// API is not to be called.
	retryAfter time.Duration
	// waiting is true when the function did not call the API because an
	// earlier Retry-After has not passed.
	waiting bool
	// detail is the server's message or the transport error, sanitized.
	detail string
	// hint tells the user what to do.
	hint string
}

func (f *fault) Error() string {
	var s string
	switch f.kind {
	case faultUnreachable:
		s = fmt.Sprintf("cannot reach the Tailscale API to %s: %s", f.op, f.detail)
	case faultTimeout:
		s = fmt.Sprintf("the Tailscale API did not answer in time to %s: %s", f.op, f.detail)
	case faultRateLimited:
		if f.waiting {
			s = "the Tailscale API rate-limited this spoke; " + f.detail
			break
		}
		s = fmt.Sprintf("the Tailscale API rate-limited the request to %s (HTTP 429", f.op)
		if f.retryAfter > 0 {
			s += ", Retry-After " + f.retryAfter.String()
		}
		s += ")"
		if f.detail != "" {
			s += ": " + f.detail
		}
	case faultRecentMint:
		s = f.detail
	default:
		if f.status != 0 {
			s = fmt.Sprintf("the Tailscale API refused to %s (HTTP %d)", f.op, f.status)
			if f.kind == faultServer {
				s = fmt.Sprintf("the Tailscale API failed to %s (HTTP %d)", f.op, f.status)
			}
			if f.detail != "" {
				s += ": " + f.detail
			}
		} else {
			s = fmt.Sprintf("cannot %s: %s", f.op, f.detail)
		}
	}
	if f.hint != "" {
		s += "; " + f.hint
	}
	return s
}

// credentialsUnusable reports whether the fault means the OAuth client itself
// cannot work, as opposed to a transient or policy problem.
func (f *fault) credentialsUnusable() bool { return f.kind == faultCredentials }

// classify turns an error of the Tailscale client into a fault. op says what
// was tried; the recorder tells which endpoint answered how.
func (a *api) classify(op string, err error) *fault {
	path, status, retryAfter := a.rec.last()
	if strings.HasSuffix(path, tokenPath) {
		op = "get an OAuth token (to " + op + ")"
	}
	f := &fault{op: op, status: status}

	var re *oauth2.RetrieveError
	var apiErr tailscale.APIError
	switch {
	case errors.As(err, &re):
		if re.Response != nil {
			f.status = re.Response.StatusCode
			retryAfter = re.Response.Header.Get("Retry-After")
		}
		f.detail = messageOf(re.Body)
		if f.detail == "" {
			f.detail = strings.TrimSpace(re.ErrorCode + " " + re.ErrorDescription)
		}
	case errors.As(err, &apiErr):
		f.detail = apiErr.Message
	}

	switch {
	case f.status == http.StatusTooManyRequests:
		f.kind = faultRateLimited
		f.retryAfter = parseRetryAfter(retryAfter)
	case f.status >= 500:
		f.kind = faultServer
		f.hint = "retrying on the next reconcile"
	case f.status == http.StatusUnauthorized || f.status == http.StatusForbidden ||
		(f.status == http.StatusBadRequest && strings.HasSuffix(path, tokenPath)):
		f.kind = faultCredentials
		f.hint = "check client_id and client_secret of the OAuth client and that it has the auth_keys scope"
	case f.status >= 400:
		f.kind = faultRejected
	case f.status >= 200 && f.status < 300:
		f.kind = faultMalformed
		f.detail = "the answer could not be read"
	default:
		f.kind, f.detail = transportFault(err, a.baseURL, a.timeout)
	}
	if f.detail == "" && f.status != 0 {
		f.detail = http.StatusText(f.status)
	}
	f.detail = a.sanitize(f.detail)
	return f
}

// transportFault describes an error that got no HTTP answer.
func transportFault(err error, baseURL string, timeout time.Duration) (faultKind, string) {
	var ne net.Error
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return faultTimeout, fmt.Sprintf("no answer from %s within %s", baseURL, timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return faultUnreachable, baseURL + " refused the connection"
	case errors.As(err, &dnsErr):
		return faultUnreachable, fmt.Sprintf("cannot resolve %s", dnsErr.Name)
	case errors.Is(err, context.Canceled):
		return faultTimeout, "the function run was cancelled"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// url.Error repeats the method and URL; keep the cause.
		err = ue.Err
		for errors.As(err, &ue) {
			err = ue.Err
		}
	}
	return faultUnreachable, fmt.Sprintf("%s: %v", baseURL, err)
}

// messageOf returns the message of a Tailscale JSON error body
// {"message": ...}, or "".
func messageOf(body []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	return m.Message
}

// parseRetryAfter reads a Retry-After header in seconds (the form Tailscale
// sends; an HTTP date counts as absent) and bounds it.
func parseRetryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	d := time.Duration(n) * time.Second
	return min(max(d, minRetryAfter), maxRetryAfter)
}

// reTailscaleSecret matches Tailscale secrets: auth keys, API access tokens
// and OAuth client secrets all start with tskey-.
var reTailscaleSecret = regexp.MustCompile(`tskey-[A-Za-z0-9_-]+`)

// sanitize removes secrets from a message that goes into a result or a log
// line, and caps its length.
func (a *api) sanitize(s string) string {
	for _, secret := range a.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	s = reTailscaleSecret.ReplaceAllString(s, "tskey-[redacted]")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxMessageLength {
		s = s[:maxMessageLength] + "..."
	}
	return s
}

// keySpec is what a minted key must be.
type keySpec struct {
	Tags          []string
	Reusable      bool
	Ephemeral     bool
	Preauthorized bool
	Expiry        time.Duration
	Description   string
}

// mint creates an auth key.
func (a *api) mint(ctx context.Context, s keySpec) (*tailscale.Key, *fault) {
	req := tailscale.CreateKeyRequest{
		ExpirySeconds: int64(s.Expiry / time.Second),
		Description:   s.Description,
	}
	c := &req.Capabilities.Devices.Create
	c.Reusable, c.Ephemeral, c.Preauthorized = s.Reusable, s.Ephemeral, s.Preauthorized
	c.Tags = append([]string(nil), s.Tags...)
	k, err := a.client.Keys().CreateAuthKey(ctx, req)
	if err != nil {
		f := a.classify("mint an auth key", err)
		if f.kind == faultRejected && f.status == http.StatusBadRequest {
			f.hint = fmt.Sprintf("check that the OAuth client owns the tags %s (tagOwners in the tailnet policy file) and may mint auth keys with them", strings.Join(s.Tags, ", "))
		}
		return nil, f
	}
	if k.ID == "" || !strings.HasPrefix(k.Key, "tskey-") {
		return nil, &fault{kind: faultMalformed, op: "mint an auth key", detail: "the answer holds no key id or no tskey- key"}
	}
	a.secrets = append(a.secrets, k.Key)
	return k, nil
}

// revoke deletes a key; a key that no longer exists counts as revoked.
func (a *api) revoke(ctx context.Context, id string) *fault {
	err := a.client.Keys().Delete(ctx, id)
	if err == nil || tailscale.IsNotFound(err) {
		return nil
	}
	return a.classify("revoke auth key "+id, err)
}

// maxKeyLookups bounds the keys fetched one by one when the key list carries
// ids only.
const maxKeyLookups = 50

// activeKeys lists the live keys with the given description, except the
// listed ids. The list endpoint may return ids only; then each key is
// fetched (at most maxKeyLookups).
func (a *api) activeKeys(ctx context.Context, description string, now time.Time, except ...string) ([]tailscale.Key, *fault) {
	keys, err := a.client.Keys().List(ctx, false)
	if err != nil {
		return nil, a.classify("list auth keys", err)
	}
	var out []tailscale.Key
	lookups := 0
	for _, k := range keys {
		if k.ID == "" || contains(except, k.ID) {
			continue
		}
		if k.Description == "" && k.Created.IsZero() {
			if lookups == maxKeyLookups {
				break
			}
			lookups++
			full, err := a.client.Keys().Get(ctx, k.ID)
			if tailscale.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, a.classify("read auth key "+k.ID, err)
			}
			k = *full
		}
		if k.Description != description || k.Invalid || !k.Revoked.IsZero() || (!k.Expires.IsZero() && !k.Expires.After(now)) {
			continue
		}
		out = append(out, k)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v != "" && v == s {
			return true
		}
	}
	return false
}
