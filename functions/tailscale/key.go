package main

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/devsecops/platform-functions/internal/compose"
)

// The hub Secret holds the auth key under DataKey and describes it in
// annotations: everything the function needs to decide, next reconcile, by
// whichever replica, whether to reuse, rotate or revoke. The state lives in
// the observed Secret, never in memory.
const (
	// DataKey is the Secret key of the auth key, the variable Tailscale's
	// containerboot reads.
	DataKey = "TS_AUTHKEY"

	annotationPrefix = "tailscale.devsecops/"
	// AnnotationKeyID is the Tailscale id of the key.
	AnnotationKeyID = annotationPrefix + "key-id"
	// AnnotationCreated and AnnotationExpires are the key's lifetime as
	// the API reported it (RFC 3339).
	AnnotationCreated = annotationPrefix + "key-created"
	AnnotationExpires = annotationPrefix + "key-expires"
	// AnnotationSettings is the fingerprint of the tags and flags the key was
	// minted with; a change of settings replaces the key.
	AnnotationSettings = annotationPrefix + "key-settings"
	// AnnotationRevoke is the id of the key this one replaced: the function
	// revokes it once this key is observed in the Secret, then drops the
	// annotation.
	AnnotationRevoke = annotationPrefix + "revoke-key-id"
)

// authKey is an auth key as the hub Secret stores it.
type authKey struct {
	ID       string
	Key      string // the secret; never logged, never in results or status
	Created  time.Time
	Expires  time.Time
	Settings string
	Revoke   string
}

// observedKey reads the key from the observed hub Secret. It returns nil when
// there is no Secret or it does not hold a complete key (then a new one is
// minted).
func observedKey(observed compose.Observed) *authKey {
	oc, ok := observed[nameSecret]
	if !ok || oc.Resource == nil {
		return nil
	}
	enc, _ := oc.Resource.GetString("data." + DataKey)
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || !strings.HasPrefix(string(raw), "tskey-") {
		return nil
	}
	a := oc.Resource.GetAnnotations()
	k := &authKey{
		ID:       a[AnnotationKeyID],
		Key:      string(raw),
		Settings: a[AnnotationSettings],
		Revoke:   a[AnnotationRevoke],
	}
	k.Created, _ = time.Parse(time.RFC3339, a[AnnotationCreated])
	k.Expires, err = time.Parse(time.RFC3339, a[AnnotationExpires])
	if k.ID == "" || err != nil {
		return nil
	}
	return k
}

// rotatesAfter is when a key is replaced: rotateBefore ahead of its expiry,
// but never in the first half of its life, so a server that grants shorter
// lifetimes than asked for cannot make the function mint on every reconcile.
func (k *authKey) rotatesAfter(rotateBefore time.Duration) time.Time {
	at := k.Expires.Add(-rotateBefore)
	if !k.Created.IsZero() && k.Expires.After(k.Created) {
		if half := k.Created.Add(k.Expires.Sub(k.Created) / 2); at.Before(half) {
			at = half
		}
	}
	return at
}

// decision is what to do with the observed key.
type decision struct {
	// mint is true when a new key is needed.
	mint bool
	// reason says why, for messages.
	reason string
}

// decide compares the observed key with the plan at time now.
func decide(k *authKey, s keySpec, rotateBefore time.Duration, now time.Time) decision {
	switch {
	case k == nil:
		return decision{mint: true, reason: "the spoke has no auth key yet"}
	case !now.Before(k.Expires):
		return decision{mint: true, reason: "auth key " + k.ID + " expired at " + k.Expires.UTC().Format(time.RFC3339)}
	case k.Settings != s.fingerprint():
		return decision{mint: true, reason: "the tags or flags of auth key " + k.ID + " differ from the spoke's settings"}
	case !now.Before(k.rotatesAfter(rotateBefore)):
		return decision{mint: true, reason: "auth key " + k.ID + " expires at " + k.Expires.UTC().Format(time.RFC3339)}
	}
	return decision{}
}

// tags are the key's tags as its settings annotation records them.
func (k *authKey) tags() string {
	for _, part := range strings.Split(k.Settings, ";") {
		if v, ok := strings.CutPrefix(part, "tags="); ok && v != "" {
			return strings.ReplaceAll(v, ",", ", ")
		}
	}
	return "tags unknown"
}
