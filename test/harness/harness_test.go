package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// h runs function-fakevpc (testdata/fnvpc) against the fake repository in
// testdata/repo.
var h *Harness

func TestMain(m *testing.M) {
	mod, err := FindModuleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	h, err = New(Options{
		Root:       "testdata/repo",
		ModuleRoot: mod,
		Functions:  map[string]string{"function-fakevpc": "./test/harness/testdata/fnvpc"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := h.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func cases(t *testing.T) map[string]*Case {
	t.Helper()
	cs, err := h.Cases()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*Case{}
	for _, c := range cs {
		m[c.Name] = c
	}
	return m
}

func TestCasesAndClaimConversion(t *testing.T) {
	cs := cases(t)
	if len(cs) != 2 || cs["examples/net/claim.yaml"] == nil || cs["examples/net/xr.yaml"] == nil {
		t.Fatalf("want the claim and the XR example (not invalid/ nor credentials), got %v", sortedKeys(cs))
	}
	c := cs["examples/net/claim.yaml"]
	xr := c.XR
	if xr.GetKind() != "XNetwork" || xr.GetNamespace() != "" {
		t.Errorf("claim converted to %s in namespace %q, want cluster-scoped XNetwork", xr.GetKind(), xr.GetNamespace())
	}
	if !strings.HasPrefix(xr.GetName(), "demo-") || len(xr.GetName()) != len("demo-")+5 {
		t.Errorf("XR name %q, want demo-<5 chars>", xr.GetName())
	}
	again, _, _ := ClaimToXR(c.Source, mustXRDs(t))
	if again.GetName() != xr.GetName() {
		t.Errorf("XR name not deterministic: %s then %s", xr.GetName(), again.GetName())
	}
	if l := xr.GetLabels(); l[LabelClaimName] != "demo" || l[LabelClaimNamespace] != "team-a" {
		t.Errorf("claim labels: %v", l)
	}
	ref, _, _ := unstructured.NestedStringMap(xr.Object, "spec", "claimRef")
	want := map[string]string{"apiVersion": "harness.devsecops.test/v1alpha1", "kind": "Network", "name": "demo", "namespace": "team-a"}
	for k, v := range want {
		if ref[k] != v {
			t.Errorf("claimRef.%s = %q, want %q", k, ref[k], v)
		}
	}
	if filepath.Base(c.Credentials) != CredentialsFile {
		t.Errorf("credentials not found: %q", c.Credentials)
	}
	if filepath.Base(c.Composition) != "xnetworks.yaml" {
		t.Errorf("composition: %q", c.Composition)
	}
	if got := c.Golden("golden", ".converged"); got != filepath.Join("golden", "net", "claim.converged.yaml") {
		t.Errorf("golden path %q", got)
	}
}

func mustXRDs(t *testing.T) map[string]*Object {
	t.Helper()
	x, err := h.XRDs()
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestRenderValidateSimulate(t *testing.T) {
	c := cases(t)["examples/net/claim.yaml"]
	out, _, err := h.RenderCase(c)
	if err != nil {
		t.Fatal(err)
	}
	if out.Ready() {
		t.Error("XR Ready on the first render")
	}
	if len(out.Composed) != 1 || out.Composed[0].GetKind() != "VPC" || ResourceName(out.Composed[0]) != "vpc" {
		t.Fatalf("want one VPC, got %s", KindCounts(out.Composed))
	}
	// --xrd applied the schema default; -x kept the spec.
	if cidr, _, _ := unstructured.NestedString(out.XR.Object, "spec", "parameters", "cidrBlock"); cidr != "10.0.0.0/16" {
		t.Errorf("XR spec.parameters.cidrBlock = %q, want the XRD default", cidr)
	}
	v, err := h.Validate(append([]*Object{c.Source}, out.Objects()...))
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Total != 3 {
		t.Errorf("validation: %+v\n%s", v, v.Output)
	}

	obs, err := h.Simulate(out.Composed)
	if err != nil {
		t.Fatal(err)
	}
	vpc := obs[0]
	id, _, _ := unstructured.NestedString(vpc.Object, "status", "atProvider", "id")
	arn, _, _ := unstructured.NestedString(vpc.Object, "status", "atProvider", "arn")
	cidr, _, _ := unstructured.NestedString(vpc.Object, "status", "atProvider", "cidrBlock")
	if !strings.HasPrefix(id, "vpc-0") || len(id) != len("vpc-")+17 {
		t.Errorf("VPC id %q", id)
	}
	if arn != "arn:aws:ec2:eu-west-1:"+AWSAccountID+":vpc/"+id {
		t.Errorf("VPC arn %q", arn)
	}
	if cidr != "10.0.0.0/16" {
		t.Errorf("VPC atProvider.cidrBlock %q", cidr)
	}
	if ConditionStatus(vpc, "Ready") != "True" || ConditionStatus(vpc, "Synced") != "True" {
		t.Errorf("VPC conditions: %v", vpc.Object["status"])
	}
	if vpc.GetName() == "" || !strings.HasPrefix(vpc.GetName(), out.Composed[0].GetGenerateName()) {
		t.Errorf("VPC name %q (generateName %q)", vpc.GetName(), out.Composed[0].GetGenerateName())
	}
	if vpc.GetAnnotations()[AnnotationExternalName] != id || ResourceName(vpc) != "vpc" {
		t.Errorf("annotations: %v", vpc.GetAnnotations())
	}
	if _, ok := out.Composed[0].Object["status"]; ok {
		t.Error("Simulate modified its input")
	}
	again, _ := h.Simulate(out.Composed)
	a, _ := EncodeYAML(obs)
	b, _ := EncodeYAML(again)
	if string(a) != string(b) {
		t.Errorf("Simulate not deterministic:\n%s", UnifiedDiff("a", "b", string(a), string(b)))
	}
	if v, err := h.Validate(obs); err != nil || !v.OK() {
		t.Errorf("simulated resources do not validate: %v %+v", err, v)
	}
}

func TestConverge(t *testing.T) {
	for name, c := range cases(t) {
		t.Run(name, func(t *testing.T) {
			conv, err := h.ConvergeCase(c, 6)
			if err != nil {
				t.Fatal(err)
			}
			if conv.ReadyRound != 3 || len(conv.Rounds) != 4 {
				t.Errorf("ready in round %d after %d renders, want 3 and 4", conv.ReadyRound, len(conv.Rounds))
			}
			final := conv.Final()
			if KindCounts(final.Composed) != "Secret x1, Subnet x1, VPC x1" {
				t.Errorf("final composed: %s", KindCounts(final.Composed))
			}
			vpcID, _, _ := unstructured.NestedString(final.XR.Object, "status", "vpcId")
			if !strings.HasPrefix(vpcID, "vpc-") {
				t.Errorf("XR status.vpcId %q", vpcID)
			}
			objs := append(final.Objects(), conv.FinalObserved()...)
			v, err := h.Validate(objs)
			if err != nil {
				t.Fatal(err)
			}
			if !v.OK() {
				t.Errorf("validation: %+v\n%s", v, v.Output)
			}
		})
	}
}

func TestConvergeFailsWhenNotReady(t *testing.T) {
	c := cases(t)["examples/net/xr.yaml"]
	_, err := h.ConvergeCase(c, 2)
	if err == nil || !strings.Contains(err.Error(), "not Ready after 2 rounds") {
		t.Errorf("want not Ready error, got %v", err)
	}
}

func TestValidateReportsProblems(t *testing.T) {
	objs, err := ParseYAML([]byte(`
apiVersion: ec2.aws.upbound.io/v1beta1
kind: VPC
metadata: {name: bad}
spec:
  forProvider: {region: eu-west-1, cidrBlock: 10.0.0.0/16, notAField: true}
---
apiVersion: example.org/v1
kind: Unknown
metadata: {name: nope}
`))
	if err != nil {
		t.Fatal(err)
	}
	v, err := h.Validate(objs)
	if err != nil {
		t.Fatal(err)
	}
	if v.Failures != 1 || v.MissingSchemas != 1 || v.OK() || len(v.Errors) < 2 {
		t.Errorf("want 1 failure and 1 missing schema, got %+v", v)
	}
}

func TestRenderReportsFunctionErrors(t *testing.T) {
	c := cases(t)["examples/net/xr.yaml"]
	_, _, err := h.Render(c.XR, filepath.Join(h.Root, "package/xrds/xnetworks.yaml"), nil, "")
	if err == nil {
		t.Error("rendering with an XRD as the composition did not fail")
	}
}

func TestPrune(t *testing.T) {
	v := map[string]any{"a": "x", "b": map[string]any{"c": 1, "d": 2}, "e": []any{map[string]any{"f": 1, "g": 2}}, "m": map[string]any{"k": "v"}}
	sc := map[string]any{"properties": map[string]any{
		"a": map[string]any{"type": "string"},
		"b": map[string]any{"properties": map[string]any{"c": map[string]any{}}},
		"e": map[string]any{"items": map[string]any{"properties": map[string]any{"g": map[string]any{}}}},
		"m": map[string]any{"additionalProperties": map[string]any{"type": "string"}},
	}}
	got := fmt.Sprint(prune(v, sc))
	if want := "map[a:x b:map[c:1] e:[map[g:2]] m:map[k:v]]"; got != want {
		t.Errorf("prune = %s, want %s", got, want)
	}
}

func TestSimulateAWSKinds(t *testing.T) {
	desired, err := ParseYAML([]byte(`
apiVersion: eks.aws.upbound.io/v1beta2
kind: Cluster
metadata:
  generateName: spoke-
  annotations: {crossplane.io/composition-resource-name: cluster}
  labels: {crossplane.io/composite: spoke}
spec:
  forProvider:
    region: eu-west-1
    version: "1.33"
    roleArnSelector: {matchControllerRef: true}
    vpcConfig: {endpointPrivateAccess: true, subnetIdSelector: {matchControllerRef: true}}
---
apiVersion: eks.aws.upbound.io/v1beta1
kind: Cluster
metadata:
  name: legacy
  annotations: {crossplane.io/composition-resource-name: legacy-cluster}
spec:
  forProvider: {region: us-east-1, roleArn: "arn:aws:iam::123456789012:role/x", vpcConfig: [{subnetIds: [subnet-1]}]}
---
apiVersion: iam.aws.upbound.io/v1beta1
kind: Role
metadata:
  name: spoke-cluster
  annotations: {crossplane.io/composition-resource-name: cluster-role}
spec:
  forProvider: {assumeRolePolicy: "{}"}
---
apiVersion: ec2.aws.upbound.io/v1beta2
kind: LaunchTemplate
metadata:
  generateName: spoke-
  annotations: {crossplane.io/composition-resource-name: nodes-lt}
spec:
  forProvider: {region: eu-west-1}
---
apiVersion: sqs.aws.upbound.io/v1beta1
kind: Queue
metadata:
  name: spoke-interruptions
  annotations: {crossplane.io/composition-resource-name: queue}
spec:
  forProvider: {region: eu-west-1}
---
apiVersion: kms.aws.upbound.io/v1beta1
kind: Key
metadata:
  generateName: spoke-
  annotations: {crossplane.io/composition-resource-name: secrets-key}
spec:
  forProvider: {region: eu-west-1}
---
apiVersion: ec2.aws.upbound.io/v1beta1
kind: RouteTableAssociation
metadata:
  generateName: spoke-
  annotations: {crossplane.io/composition-resource-name: rta-a}
spec:
  forProvider: {region: eu-west-1, subnetId: subnet-1, routeTableId: rtb-1}
---
apiVersion: ec2.aws.m.upbound.io/v1beta1
kind: VPC
metadata:
  name: namespaced
  namespace: team-a
  annotations: {crossplane.io/composition-resource-name: nvpc}
spec:
  forProvider: {region: eu-west-1, cidrBlock: 10.1.0.0/16}
---
apiVersion: v1
kind: Secret
metadata:
  name: kubeconfig
  namespace: default
  annotations: {crossplane.io/composition-resource-name: kubeconfig}
stringData: {a: b}
`))
	if err != nil {
		t.Fatal(err)
	}
	obs, err := h.Simulate(desired)
	if err != nil {
		t.Fatal(err)
	}
	get := func(i int, path ...string) any {
		v, _, _ := unstructured.NestedFieldNoCopy(obs[i].Object, append([]string{"status", "atProvider"}, path...)...)
		return v
	}
	ap := func(i int, f string) string { s, _ := get(i, f).(string); return s }
	cluster := obs[0]
	if !strings.HasPrefix(cluster.GetName(), "spoke-") || len(cluster.GetName()) != len("spoke-")+5 {
		t.Errorf("cluster name %q", cluster.GetName())
	}
	name := cluster.GetName()
	if ap(0, "id") != name || ap(0, "arn") != "arn:aws:eks:eu-west-1:123456789012:cluster/"+name {
		t.Errorf("cluster id/arn: %q %q", ap(0, "id"), ap(0, "arn"))
	}
	if e := ap(0, "endpoint"); !strings.HasPrefix(e, "https://") || !strings.HasSuffix(e, ".gr7.eu-west-1.eks.amazonaws.com") {
		t.Errorf("endpoint %q", e)
	}
	ca, _ := get(0, "certificateAuthority").([]any)
	issuer, _, _ := unstructured.NestedSlice(obs[0].Object, "status", "atProvider", "identity")
	if len(ca) != 1 || len(issuer) != 1 {
		t.Errorf("certificateAuthority %v identity %v", ca, issuer)
	}
	sg, _, _ := unstructured.NestedString(obs[0].Object, "status", "atProvider", "vpcConfig", "clusterSecurityGroupId")
	if !strings.HasPrefix(sg, "sg-0") {
		t.Errorf("v1beta2 vpcConfig.clusterSecurityGroupId %q", sg)
	}
	if l, _ := get(1, "vpcConfig").([]any); len(l) != 1 {
		t.Errorf("v1beta1 vpcConfig should be a one-item list: %v", get(1, "vpcConfig"))
	}
	if ap(2, "arn") != "arn:aws:iam::123456789012:role/spoke-cluster" || !strings.HasPrefix(ap(2, "uniqueId"), "AROA") {
		t.Errorf("role arn %q uniqueId %q", ap(2, "arn"), ap(2, "uniqueId"))
	}
	if v, _ := get(3, "latestVersion").(int64); v != 1 || !strings.HasPrefix(ap(3, "id"), "lt-0") {
		t.Errorf("launch template latestVersion %v id %q", get(3, "latestVersion"), ap(3, "id"))
	}
	if ap(4, "url") != "https://sqs.eu-west-1.amazonaws.com/123456789012/spoke-interruptions" || ap(4, "arn") != "arn:aws:sqs:eu-west-1:123456789012:spoke-interruptions" {
		t.Errorf("queue url %q arn %q", ap(4, "url"), ap(4, "arn"))
	}
	if k := ap(5, "keyId"); len(k) != 36 || ap(5, "arn") != "arn:aws:kms:eu-west-1:123456789012:key/"+k {
		t.Errorf("kms keyId %q arn %q", k, ap(5, "arn"))
	}
	if get(6, "arn") != nil || !strings.HasPrefix(ap(6, "id"), "rtbassoc-") {
		t.Errorf("route table association: arn %v id %q", get(6, "arn"), ap(6, "id"))
	}
	if ap(7, "cidrBlock") != "10.1.0.0/16" || !strings.HasPrefix(ap(7, "id"), "vpc-") {
		t.Errorf("namespaced VPC: %v", obs[7].Object["status"])
	}
	if _, ok := obs[8].Object["status"]; ok || ConditionStatus(obs[8], "Ready") != "" {
		t.Errorf("Secret got a status: %v", obs[8].Object)
	}
	v, err := h.Validate(obs)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() {
		t.Errorf("simulated resources do not validate: %+v\n%s", v, v.Output)
	}
}
