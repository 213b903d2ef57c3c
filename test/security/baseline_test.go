// Package security is the project's security baseline as executable policy:
// one named rule per control, each checked over every object of the
// converged golden renders of every example (what the functions compose once
// a spoke is up), and each proven able to fail by a mutated copy of an object
// that passes it. docs/RELIABILITY.md maps the rules to their sources.
package security

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// object is one rendered Kubernetes object.
type object map[string]any

func (o object) kind() string { s, _ := o["kind"].(string); return s }

func (o object) group() string {
	av, _ := o["apiVersion"].(string)
	g, _, _ := strings.Cut(av, "/")
	return g
}

// get reads a dotted path; list elements are addressed by index.
func (o object) get(path ...string) any {
	var v any = map[string]any(o)
	for _, p := range path {
		switch t := v.(type) {
		case map[string]any:
			v = t[p]
		default:
			return nil
		}
	}
	return v
}

func (o object) forProvider() object {
	m, _ := o.get("spec", "forProvider").(map[string]any)
	return m
}

func (o object) name() string {
	n, _ := o.get("metadata", "annotations", "crossplane.io/composition-resource-name").(string)
	if n == "" {
		n, _ = o.get("metadata", "name").(string)
	}
	return n
}

func clone(o object) object {
	b, _ := json.Marshal(o)
	var c object
	_ = json.Unmarshal(b, &c)
	return c
}

// rule is one control.
type rule struct {
	name    string
	source  string
	applies func(object) bool
	check   func(object) error
	// violate mutates a passing object so that it fails the rule.
	violate func(object)
}

func kind(group, k string) func(object) bool {
	return func(o object) bool { return o.group() == group && o.kind() == k }
}

func boolAt(o object, want bool, path ...string) error {
	if v, _ := o.forProvider().get(path...).(bool); v != want {
		return fmt.Errorf("%s is %v, want %v", strings.Join(path, "."), o.forProvider().get(path...), want)
	}
	return nil
}

func set(o object, v any, path ...string) {
	m := map[string]any(o.forProvider())
	for _, p := range path[:len(path)-1] {
		next, _ := m[p].(map[string]any)
		if next == nil {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// policyAllowsAdmin reports whether an IAM policy document allows every
// action on every resource.
func policyAllowsAdmin(doc string) bool {
	var d struct {
		Statement []struct {
			Effect   string
			Action   any
			Resource any
		}
	}
	if json.Unmarshal([]byte(doc), &d) != nil {
		return false
	}
	has := func(v any, s string) bool {
		switch t := v.(type) {
		case string:
			return t == s
		case []any:
			for _, e := range t {
				if e == s {
					return true
				}
			}
		}
		return false
	}
	for _, s := range d.Statement {
		if s.Effect == "Allow" && (has(s.Action, "*") || has(s.Action, "iam:*")) && has(s.Resource, "*") {
			return true
		}
	}
	return false
}

var rules = []rule{
	{
		name: "eks-secrets-encryption", source: "CIS Amazon EKS Benchmark 5.3.1 (encrypt Kubernetes secrets with KMS CMKs)",
		applies: kind("eks.aws.upbound.io", "Cluster"),
		check: func(o object) error {
			res, _ := o.forProvider().get("encryptionConfig", "resources").([]any)
			key, _ := o.forProvider().get("encryptionConfig", "provider", "keyArn").(string)
			if !slices.Contains(res, any("secrets")) || key == "" {
				return errors.New("secrets are not envelope-encrypted with a KMS key")
			}
			return nil
		},
		violate: func(o object) { delete(o.forProvider(), "encryptionConfig") },
	},
	{
		name: "eks-private-endpoint", source: "CIS Amazon EKS Benchmark 5.4.2 (private endpoint enabled, public access disabled or restricted)",
		applies: kind("eks.aws.upbound.io", "Cluster"),
		check: func(o object) error {
			if err := boolAt(o, true, "vpcConfig", "endpointPrivateAccess"); err != nil {
				return err
			}
			if pub, _ := o.forProvider().get("vpcConfig", "endpointPublicAccess").(bool); !pub {
				return nil
			}
			cidrs, _ := o.forProvider().get("vpcConfig", "publicAccessCidrs").([]any)
			if len(cidrs) == 0 || slices.Contains(cidrs, any("0.0.0.0/0")) {
				return fmt.Errorf("public endpoint open to %v", cidrs)
			}
			return nil
		},
		violate: func(o object) {
			set(o, true, "vpcConfig", "endpointPublicAccess")
			set(o, []any{"0.0.0.0/0"}, "vpcConfig", "publicAccessCidrs")
		},
	},
	{
		name: "eks-control-plane-logging", source: "CIS Amazon EKS Benchmark 2.1.1 (enable audit logs)",
		applies: kind("eks.aws.upbound.io", "Cluster"),
		check: func(o object) error {
			logs, _ := o.forProvider().get("enabledClusterLogTypes").([]any)
			for _, want := range []string{"api", "audit", "authenticator"} {
				if !slices.Contains(logs, any(want)) {
					return fmt.Errorf("control-plane log %s is off", want)
				}
			}
			return nil
		},
		violate: func(o object) { set(o, []any{"api"}, "enabledClusterLogTypes") },
	},
	{
		name: "ec2-imdsv2-required", source: "AWS EKS Best Practices, Security: restrict access to the instance metadata (IMDSv2, hop limit 1)",
		applies: kind("ec2.aws.upbound.io", "LaunchTemplate"),
		check: func(o object) error {
			if t, _ := o.forProvider().get("metadataOptions", "httpTokens").(string); t != "required" {
				return fmt.Errorf("httpTokens %q, want required", t)
			}
			if h, _ := o.forProvider().get("metadataOptions", "httpPutResponseHopLimit").(float64); h != 1 {
				return fmt.Errorf("hop limit %v, want 1", h)
			}
			return nil
		},
		violate: func(o object) { set(o, "optional", "metadataOptions", "httpTokens") },
	},
	{
		name: "ec2-ebs-encrypted", source: "CIS AWS Foundations Benchmark v1.4 2.2.1 (EBS volume encryption)",
		applies: kind("ec2.aws.upbound.io", "LaunchTemplate"),
		check: func(o object) error {
			bdm, _ := o.forProvider().get("blockDeviceMappings").([]any)
			if len(bdm) == 0 {
				return errors.New("no block device mapping: the root volume would be unencrypted by default")
			}
			for _, b := range bdm {
				if e, _ := object(b.(map[string]any)).get("ebs", "encrypted").(string); e != "true" {
					return fmt.Errorf("volume %v is not encrypted", object(b.(map[string]any)).get("deviceName"))
				}
			}
			return nil
		},
		violate: func(o object) {
			bdm := o.forProvider().get("blockDeviceMappings").([]any)
			bdm[0].(map[string]any)["ebs"].(map[string]any)["encrypted"] = "false"
		},
	},
	{
		name: "iam-no-admin-policies", source: "CIS AWS Foundations Benchmark v1.4 1.16 (no policies with full *:* administrative privileges)",
		applies: func(o object) bool {
			return o.group() == "iam.aws.upbound.io" && (o.kind() == "Policy" || o.kind() == "RolePolicyAttachment" || o.kind() == "Role")
		},
		check: func(o object) error {
			if arn, _ := o.forProvider().get("policyArn").(string); strings.HasSuffix(arn, ":policy/AdministratorAccess") {
				return errors.New("attaches AdministratorAccess")
			}
			if doc, _ := o.forProvider().get("policy").(string); policyAllowsAdmin(doc) {
				return errors.New("allows * on *")
			}
			return nil
		},
		violate: func(o object) {
			switch o.kind() {
			case "Policy":
				set(o, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, "policy")
			default:
				set(o, "arn:aws:iam::aws:policy/AdministratorAccess", "policyArn")
			}
		},
	},
	{
		name: "kms-key-rotation", source: "CIS AWS Foundations Benchmark v1.4 3.8 (rotation for customer-created KMS keys)",
		applies: kind("kms.aws.upbound.io", "Key"),
		check:   func(o object) error { return boolAt(o, true, "enableKeyRotation") },
		violate: func(o object) { set(o, false, "enableKeyRotation") },
	},
	{
		name: "sqs-encryption", source: "AWS Security Hub SQS.1 (queues encrypted at rest)",
		applies: kind("sqs.aws.upbound.io", "Queue"),
		check: func(o object) error {
			if sse, _ := o.forProvider().get("sqsManagedSseEnabled").(bool); sse {
				return nil
			}
			if k, _ := o.forProvider().get("kmsMasterKeyId").(string); k != "" {
				return nil
			}
			return errors.New("queue is not encrypted at rest")
		},
		violate: func(o object) { set(o, false, "sqsManagedSseEnabled") },
	},
	{
		name: "sqs-tls-only", source: "AWS Security Hub SQS best practice (deny aws:SecureTransport=false)",
		applies: kind("sqs.aws.upbound.io", "QueuePolicy"),
		check: func(o object) error {
			doc, _ := o.forProvider().get("policy").(string)
			if !strings.Contains(doc, `"Effect":"Deny"`) || !strings.Contains(doc, `"aws:SecureTransport":"false"`) {
				return errors.New("the queue policy does not deny non-TLS access")
			}
			return nil
		},
		violate: func(o object) {
			set(o, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*"}]}`, "policy")
		},
	},
	{
		name: "rds-encrypted-private-backed-up-protected", source: "CIS AWS Foundations Benchmark v1.4 2.3.1 and 2.3.3; AWS Security Hub RDS.2, RDS.8, RDS.11",
		applies: kind("rds.aws.upbound.io", "Instance"),
		check: func(o object) error {
			for _, c := range []struct {
				path []string
				want bool
			}{{[]string{"storageEncrypted"}, true}, {[]string{"publiclyAccessible"}, false}, {[]string{"deletionProtection"}, true}} {
				if err := boolAt(o, c.want, c.path...); err != nil {
					return err
				}
			}
			if d, _ := o.forProvider().get("backupRetentionPeriod").(float64); d < 1 {
				return errors.New("no automated backups")
			}
			return nil
		},
		violate: func(o object) { set(o, true, "publiclyAccessible") },
	},
	{
		name: "aks-local-accounts-off", source: "Azure Security Benchmark IM-1 / AKS best practices (local accounts disabled, Entra ID only)",
		applies: kind("containerservice.azure.upbound.io", "KubernetesCluster"),
		check:   func(o object) error { return boolAt(o, true, "localAccountDisabled") },
		violate: func(o object) { set(o, false, "localAccountDisabled") },
	},
	{
		name: "aks-entra-rbac", source: "Azure Security Benchmark PA-7 (Entra ID integration with Azure RBAC for Kubernetes authorization)",
		applies: kind("containerservice.azure.upbound.io", "KubernetesCluster"),
		check: func(o object) error {
			return boolAt(o, true, "azureActiveDirectoryRoleBasedAccessControl", "azureRbacEnabled")
		},
		violate: func(o object) { set(o, false, "azureActiveDirectoryRoleBasedAccessControl", "azureRbacEnabled") },
	},
	{
		name: "aks-workload-identity", source: "Azure AKS security best practices (OIDC issuer and workload identity instead of pod-managed secrets)",
		applies: kind("containerservice.azure.upbound.io", "KubernetesCluster"),
		check: func(o object) error {
			if err := boolAt(o, true, "oidcIssuerEnabled"); err != nil {
				return err
			}
			return boolAt(o, true, "workloadIdentityEnabled")
		},
		violate: func(o object) { set(o, false, "workloadIdentityEnabled") },
	},
	{
		name: "aks-azure-policy", source: "CIS Azure Kubernetes Service Benchmark (Azure Policy add-on for AKS)",
		applies: kind("containerservice.azure.upbound.io", "KubernetesCluster"),
		check:   func(o object) error { return boolAt(o, true, "azurePolicyEnabled") },
		violate: func(o object) { set(o, false, "azurePolicyEnabled") },
	},
	{
		name: "tailscale-key-tagged-expiring", source: "Tailscale best practice: keys for servers carry ACL tags and expire",
		applies: func(o object) bool {
			return o.kind() == "Secret" && o.get("metadata", "annotations", "tailscale.devsecops/key-id") != nil
		},
		check: func(o object) error {
			settings, _ := o.get("metadata", "annotations", "tailscale.devsecops/key-settings").(string)
			if !strings.Contains(settings, "tags=tag:") {
				return fmt.Errorf("key settings %q carry no tag", settings)
			}
			exp, _ := o.get("metadata", "annotations", "tailscale.devsecops/key-expires").(string)
			if _, err := time.Parse(time.RFC3339, exp); err != nil {
				return fmt.Errorf("key has no expiry (%q)", exp)
			}
			return nil
		},
		violate: func(o object) {
			o.get("metadata", "annotations").(map[string]any)["tailscale.devsecops/key-settings"] = "reusable=true"
		},
	},
}

// rendered loads every object of every converged golden render.
func rendered(t *testing.T) []object {
	t.Helper()
	files, err := filepath.Glob("../testdata/golden/*/*.converged.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no converged golden renders (%v)", err)
	}
	var out []object
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range bytes.Split(append([]byte("\n"), b...), []byte("\n---")) {
			var o object
			if err := yaml.Unmarshal(doc, &o); err != nil || o == nil || o.kind() == "" {
				continue
			}
			out = append(out, o)
		}
	}
	return out
}

func TestBaseline(t *testing.T) {
	objs := rendered(t)
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			var applicable []object
			for _, o := range objs {
				if r.applies(o) {
					applicable = append(applicable, o)
				}
			}
			if len(applicable) == 0 {
				t.Skipf("no rendered object is subject to %s (%s)", r.name, r.source)
			}
			for _, o := range applicable {
				if err := r.check(o); err != nil {
					t.Errorf("%s %s violates %s (%s): %v", o.kind(), o.name(), r.name, r.source, err)
				}
			}
			// The rule can fail: a mutated copy of a passing object does.
			bad := clone(applicable[0])
			r.violate(bad)
			if err := r.check(bad); err == nil {
				t.Errorf("%s accepts a %s mutated to violate it", r.name, bad.kind())
			}
		})
	}
}

// TestRDSRuleCanFail proves the RDS rule on a hand-made instance, since no
// example renders one yet.
func TestRDSRuleCanFail(t *testing.T) {
	var r rule
	for _, x := range rules {
		if strings.HasPrefix(x.name, "rds-") {
			r = x
		}
	}
	good := object{"apiVersion": "rds.aws.upbound.io/v1beta3", "kind": "Instance", "spec": map[string]any{"forProvider": map[string]any{
		"storageEncrypted": true, "publiclyAccessible": false, "deletionProtection": true, "backupRetentionPeriod": float64(7)}}}
	if !r.applies(good) {
		t.Fatal("the RDS rule does not apply to an RDS Instance")
	}
	if err := r.check(good); err != nil {
		t.Fatalf("a compliant instance fails: %v", err)
	}
	bad := clone(good)
	r.violate(bad)
	if r.check(bad) == nil {
		t.Error("a public instance passes")
	}
}
