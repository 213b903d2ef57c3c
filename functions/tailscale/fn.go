package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/response"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/functions/tailscale/input/v1beta1"
	"github.com/devsecops/platform-functions/internal/compose"
	spokectx "github.com/devsecops/platform-functions/internal/spoke"
	"github.com/devsecops/platform-functions/internal/xr"
)

// ConditionAuthKey is the XR condition describing the spoke's auth key.
const ConditionAuthKey = "TailscaleAuthKey"

// Condition reasons.
const (
	reasonAvailable = "Available"
	reasonRotation  = "RotationFailing"
	reasonExpired   = "Expired"
	reasonNoKey     = "NoKey"
)

// requirementProviderConfig is the name under which the function asks
// Crossplane for the spoke's provider-kubernetes ProviderConfig.
const requirementProviderConfig = "tailscale-spoke-providerconfig"

// mintGrace is how long a minted key that is not observed in the hub Secret
// yet is waited for before it counts as lost (revoked, then replaced).
const mintGrace = 10 * time.Minute

// Function mints, rotates and delivers the Tailscale auth key of a spoke.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger
	// now is the clock. Rotation is the one decision that depends on time,
	// because a real secret with a real expiry is minted; tests inject it.
	now func() time.Time
	// transport carries the Tailscale API calls; nil means
	// http.DefaultTransport.
	transport http.RoundTripper
}

// NewFunction returns a Function that logs to log and uses the wall clock.
func NewFunction(log logging.Logger) *Function {
	return &Function{log: log, now: time.Now}
}

// RunFunction reads the XR's tailscale settings and the hub Secret observed
// for it, decides whether the key is reused, minted, rotated or revoked,
// talks to the Tailscale API only when it must, and writes the hub Secret,
// the delivery into the spoke, the XR's status.tailscale and a
// TailscaleAuthKey condition. Desired state of earlier steps is passed
// through.
func (f *Function) RunFunction(ctx context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	log := f.log.WithValues("tag", req.GetMeta().GetTag())
	rsp := response.To(req, response.DefaultTTL)

	in := &v1beta1.Input{}
	if err := xr.ReadInput(req, in, "tailscale.fn.devsecops.io/v1beta1"); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	defaultInput(in)

	oxr, err := xr.ReadObserved(req, "composite resource")
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	log = log.WithValues("xr", oxr.Resource.GetName())
	ts, clusterName, err := decodeTailscale(oxr.Resource.Object)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	dxr, err := request.GetDesiredCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, fmt.Errorf("cannot read the desired composite resource: %w", err))
		return rsp, nil
	}
	sc, _, err := spokectx.FromContext(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	p, err := newPlan(in, ts, clusterName, oxr, dxr, sc)
	if err != nil {
		log.Info("rejecting the Tailscale settings", "error", err.Error())
		response.Fatal(rsp, err)
		return rsp, nil
	}
	observedMap, err := request.GetObservedComposedResources(req)
	if err != nil {
		response.Fatal(rsp, fmt.Errorf("cannot read the observed composed resources: %w", err))
		return rsp, nil
	}
	desired, err := request.GetDesiredComposedResources(req)
	if err != nil {
		response.Fatal(rsp, fmt.Errorf("cannot read the desired composed resources: %w", err))
		return rsp, nil
	}

	apiCtx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	r := &run{f: f, ctx: apiCtx, req: req, rsp: rsp, p: p, observed: compose.Observed(observedMap), now: f.now(), log: log}
	if v, _ := oxr.Resource.GetString("status.tailscale.rateLimitedUntil"); v != "" {
		r.rateLimitedUntil, _ = time.Parse(time.RFC3339, v)
	}
	var out outcome
	if ts.Enabled {
		out, err = r.enabled()
	} else {
		out = r.disabled()
	}
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if out.fatal != nil {
		log.Info("cannot mint a Tailscale auth key", "error", out.fatal.Error())
		response.Fatal(rsp, out.fatal)
		return rsp, nil
	}
	if out.warning != nil {
		log.Info("Tailscale API problem", "error", out.warning.Error())
		response.Warning(rsp, out.warning).TargetCompositeAndClaim()
	}
	if out.retryAfter > 0 {
		// Crossplane requeues after the shortest TTL of the pipeline; the
		// XR status (rateLimitedUntil) keeps a longer wait.
		rsp.Meta.Ttl = durationpb.New(out.retryAfter)
	}

	if err := out.set.Merge(desired, r.observed); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if err := response.SetDesiredComposedResources(rsp, desired); err != nil {
		response.Fatal(rsp, fmt.Errorf("cannot set the desired composed resources: %w", err))
		return rsp, nil
	}
	if out.status != nil {
		if err := xr.SetStatus(dxr.Resource.Object, &struct {
			Tailscale *v1alpha1.TailscaleStatus `json:"tailscale,omitempty"`
		}{out.status}); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		if err := response.SetDesiredCompositeResource(rsp, dxr); err != nil {
			response.Fatal(rsp, fmt.Errorf("cannot set the desired composite resource: %w", err))
			return rsp, nil
		}
	}
	if out.condition != nil {
		c := out.condition
		if c.ok {
			response.ConditionTrue(rsp, ConditionAuthKey, c.reason).WithMessage(c.message).TargetCompositeAndClaim()
		} else {
			response.ConditionFalse(rsp, ConditionAuthKey, c.reason).WithMessage(c.message).TargetCompositeAndClaim()
		}
	}
	return rsp, nil
}

// outcome is what one run decided.
type outcome struct {
	set        *compose.Set
	status     *v1alpha1.TailscaleStatus
	condition  *condition
	warning    error
	fatal      error
	retryAfter time.Duration
}

type condition struct {
	ok              bool
	reason, message string
}

// run is one RunFunction call.
type run struct {
	f        *Function
	ctx      context.Context
	req      *fnv1.RunFunctionRequest
	rsp      *fnv1.RunFunctionResponse
	p        *plan
	observed compose.Observed
	now      time.Time
	log      logging.Logger
	// rateLimitedUntil is the observed XR's status.tailscale.rateLimitedUntil:
	// the API is not called before then.
	rateLimitedUntil time.Time
}

// rateLimit records a Retry-After in the outcome: the TTL, and the time the
// next runs wait for (status.tailscale.rateLimitedUntil, kept in the XR so
// it holds across reconciles, replicas and restarts).
func (r *run) rateLimit(out *outcome, problem *fault) {
	if problem == nil || problem.kind != faultRateLimited || problem.retryAfter <= 0 {
		return
	}
	out.retryAfter = problem.retryAfter
	until := r.now.Add(problem.retryAfter).UTC().Truncate(time.Second)
	if problem.waiting {
		until = r.rateLimitedUntil.UTC()
	}
	if out.status == nil {
		out.status = &v1alpha1.TailscaleStatus{}
	}
	out.status.RateLimitedUntil = until.Format(time.RFC3339)
}

// enabled handles a spoke with tailscale.enabled.
func (r *run) enabled() (outcome, error) {
	p := r.p
	out := outcome{set: compose.NewSet()}
	cur := observedKey(r.observed)
	spec := p.spec()
	d := decide(cur, spec, p.rotateBefore(), r.now)

	// Delivery needs the spoke's ProviderConfig. Crossplane resolves the
	// requirement and calls the function again; the API is only called in
	// that final call, so a reconcile never mints twice.
	pcExists, deferAPI := false, false
	if p.providerConfig != "" && p.clusterReady {
		r.rsp.Requirements = &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
			requirementProviderConfig: {
				ApiVersion: "kubernetes.crossplane.io/v1alpha1",
				Kind:       "ProviderConfig",
				Match:      &fnv1.ResourceSelector_MatchName{MatchName: p.providerConfig},
			},
		}}
		pcs, resolved, err := request.GetRequiredResource(r.req, requirementProviderConfig)
		if err != nil {
			return out, fmt.Errorf("cannot read the required ProviderConfig %s: %w", p.providerConfig, err)
		}
		pcExists, deferAPI = len(pcs) > 0, !resolved
	}

	key := cur
	var problem *fault
	if (d.mint || (cur != nil && cur.Revoke != "")) && !deferAPI {
		a, cf := r.client()
		switch {
		case cf != nil:
			problem = cf
		default:
			if cur != nil && cur.Revoke != "" {
				// The successor is stored: revoke the key it replaced.
				if f := a.revoke(r.ctx, cur.Revoke); f != nil {
					problem = f
				} else {
					r.log.Info("revoked replaced auth key", "keyId", cur.Revoke)
					k := *cur
					k.Revoke = ""
					key = &k
				}
			}
			if d.mint && problem == nil {
				k, f := r.mint(a, key, spec)
				if f != nil {
					problem = f
				} else {
					r.log.Info("minted auth key", "keyId", k.ID, "expires", k.Expires, "reason", d.reason, "replaces", k.Revoke)
					key = k
				}
			}
		}
	}

	if problem != nil {
		if key == nil && problem.credentialsUnusable() {
			out.fatal = fmt.Errorf("cannot mint a Tailscale auth key for %s: %s", p.xrName, problem)
			return out, nil
		}
		out.warning = fmt.Errorf("Tailscale auth key of %s: %s", p.xrName, r.consequence(d, key, problem))
	}

	if key == nil {
		msg := "no auth key yet"
		if problem != nil {
			msg = "no auth key: " + problem.Error()
		}
		out.condition = &condition{reason: reasonNoKey, message: msg}
		r.rateLimit(&out, problem)
		return out, nil
	}

	out.set.AddReadyWhenObserved(nameSecret, p.secret(key))
	waits := p.delivery(out.set, r.observed, key, pcExists)

	rotates := key.rotatesAfter(p.rotateBefore())
	out.status = &v1alpha1.TailscaleStatus{
		AuthKeySecret: p.secretNamespace + "/" + p.secretName,
		KeyID:         key.ID,
		KeyExpires:    key.Expires.UTC().Format(time.RFC3339),
		RotatesAfter:  rotates.UTC().Format(time.RFC3339),
	}
	msg := fmt.Sprintf("auth key %s (%s) is in Secret %s, expires %s and is replaced after %s",
		key.ID, key.tags(), out.status.AuthKeySecret, out.status.KeyExpires, out.status.RotatesAfter)
	if r.observed.Ready(nameSpokeSecret) {
		out.status.Delivered = p.deliveryNamespace + "/" + p.deliverySecret
		msg += "; delivered to " + out.status.Delivered + " in the spoke through ProviderConfig " + p.providerConfig
	} else if len(waits) > 0 {
		msg += "; delivery waits: " + strings.Join(waits, ", ")
	} else if out.set.Has(nameSpokeSecret) {
		msg += "; delivering to " + p.deliveryNamespace + "/" + p.deliverySecret + " in the spoke"
	}
	switch {
	case !r.now.Before(key.Expires):
		out.condition = &condition{reason: reasonExpired, message: msg}
	case problem != nil:
		out.condition = &condition{ok: true, reason: reasonRotation, message: msg}
	default:
		out.condition = &condition{ok: true, reason: reasonAvailable, message: msg}
	}
	r.rateLimit(&out, problem)
	return out, nil
}

// consequence explains a failed API call and what the function does about
// it.
func (r *run) consequence(d decision, key *authKey, problem *fault) string {
	var what string
	switch {
	case d.mint:
		what = "cannot mint a new auth key (" + d.reason + "): "
	default:
		what = "cannot revoke a replaced auth key: "
	}
	then := "nothing that needs a key is composed; the next reconcile retries"
	if key != nil {
		then = fmt.Sprintf("keeping auth key %s (expires %s); the next reconcile retries", key.ID, key.Expires.UTC().Format(time.RFC3339))
	}
	if problem.retryAfter > 0 {
		then += " after " + problem.retryAfter.String()
	}
	return what + problem.Error() + "; " + then
}

// disabled handles a spoke without Tailscale: a key still observed is
// revoked, then its Secret is dropped. Until the revocation succeeds the
// Secret is kept, so the key id is not lost.
func (r *run) disabled() outcome {
	out := outcome{set: compose.NewSet()}
	cur := observedKey(r.observed)
	if cur == nil {
		return out
	}
	a, problem := r.client()
	for _, id := range []string{cur.Revoke, cur.ID} {
		if id == "" || problem != nil {
			continue
		}
		if problem = a.revoke(r.ctx, id); problem == nil {
			r.log.Info("revoked auth key of a spoke without Tailscale", "keyId", id)
			if id == cur.Revoke {
				cur.Revoke = ""
			}
		}
	}
	if problem == nil {
		return out
	}
	out.set.AddReadyWhenObserved(nameSecret, r.p.secret(cur))
	out.warning = fmt.Errorf("Tailscale auth key of %s: tailscale is disabled but auth key %s cannot be revoked: %s; keeping its Secret until the next reconcile revokes it", r.p.xrName, cur.ID, problem)
	r.rateLimit(&out, problem)
	return out
}

// client reads the OAuth client from the step's credentials and returns the
// API for this run.
func (r *run) client() (*api, *fault) {
	if r.now.Before(r.rateLimitedUntil) {
		return nil, &fault{kind: faultRateLimited, waiting: true, retryAfter: r.rateLimitedUntil.Sub(r.now),
			detail: "not calling it before " + r.rateLimitedUntil.UTC().Format(time.RFC3339) + " (Retry-After)"}
	}
	name := r.p.in.CredentialsName
	creds, err := request.GetCredentials(r.req, name)
	if err != nil {
		return nil, &fault{kind: faultCredentials, op: "read the OAuth client",
			detail: fmt.Sprintf("the Composition step passes no credentials named %s", name),
			hint:   fmt.Sprintf("add credentials [{name: %s, source: Secret, secretRef: {namespace: crossplane-system, name: %s}}] to the step", name, name)}
	}
	get := func(k string) string { return strings.TrimSpace(string(creds.Data[k])) }
	c := oauthClient{ID: get("client_id"), Secret: get("client_secret"), Tailnet: get("tailnet"), BaseURL: compose.FirstOf(get("base_url"), r.p.in.BaseURL)}
	var missing []string
	for k, v := range map[string]string{"client_id": c.ID, "client_secret": c.Secret} {
		if v == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		if len(missing) == 2 {
			missing = []string{"client_id", "client_secret"}
		}
		return nil, &fault{kind: faultCredentials, op: "read the OAuth client",
			detail: fmt.Sprintf("the credentials %s lack %s", name, strings.Join(missing, " and ")),
			hint:   "put the Tailscale OAuth client's client_id and client_secret in the credentials Secret"}
	}
	a, err := newAPI(r.ctx, c, r.p.timeout, r.f.transport)
	if err != nil {
		return nil, &fault{kind: faultCredentials, op: "read the OAuth client",
			detail: fmt.Sprintf("base_url of the credentials %s: %v", name, err)}
	}
	return a, nil
}

// mint mints the spoke's next key. Keys of this spoke that the API knows but
// the hub Secret does not (a reconcile minted one and its Secret was never
// stored) are revoked first; one minted moments ago is waited for instead,
// so a lagging observation never mints a second key.
func (r *run) mint(a *api, cur *authKey, spec keySpec) (*authKey, *fault) {
	var except []string
	if cur != nil {
		except = append(except, cur.ID, cur.Revoke)
	}
	others, f := a.activeKeys(r.ctx, spec.Description, r.now, except...)
	if f != nil {
		return nil, f
	}
	var lost []string
	for _, k := range others {
		if !k.Created.IsZero() && r.now.Sub(k.Created) < mintGrace {
			return nil, &fault{kind: faultRecentMint, detail: fmt.Sprintf(
				"auth key %s of this spoke was minted at %s but is not in Secret %s/%s yet; no other key is minted until it appears or is %s old",
				k.ID, k.Created.UTC().Format(time.RFC3339), r.p.secretNamespace, r.p.secretName, mintGrace)}
		}
		lost = append(lost, k.ID)
	}
	for _, id := range lost {
		if f := a.revoke(r.ctx, id); f != nil {
			return nil, f
		}
		r.log.Info("revoked an auth key of this spoke that was never stored", "keyId", id)
	}
	k, f := a.mint(r.ctx, spec)
	if f != nil {
		return nil, f
	}
	out := &authKey{ID: k.ID, Key: k.Key, Created: k.Created, Expires: k.Expires, Settings: spec.fingerprint()}
	if out.Created.IsZero() {
		out.Created = r.now
	}
	if out.Expires.IsZero() {
		out.Expires = out.Created.Add(spec.Expiry)
	}
	if cur != nil {
		out.Revoke = cur.ID
	}
	return out, nil
}
