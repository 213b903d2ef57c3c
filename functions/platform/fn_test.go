package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/devsecops/platform-functions/functions/platform/input/v1beta1"
)

// fullParams is examples/platform/claim.yaml's parameters.
const fullParams = `{
  "eks": {"enabled": true, "parameters": {"region": "eu-west-1", "kubernetesVersion": "1.35",
     "nodeGroups": [{"name": "system", "instanceTypes": ["t3.medium"], "desiredSize": 2, "minSize": 1, "maxSize": 3}],
     "cilium": {"enabled": true, "chainingMode": "aws-cni"}, "addons": ["karpenter", "keda"]}},
  "aks": {"enabled": true, "parameters": {"location": "westeurope", "kubernetesVersion": "1.35",
     "defaultNodePool": {"name": "system", "vmSize": "Standard_D2s_v3", "nodeCount": 2}, "cilium": {"enabled": true}}},
  "backstage": {"database": {"enabled": true, "engineVersion": "15", "instanceClass": "db.t3.micro", "allocatedStorage": 20, "dbName": "backstage", "backupRetentionDays": 7, "deletionProtection": true}},
  "tailscale": {"enabled": true, "authKeySecret": "tailscale-auth"},
  "argocd": {"enabled": true}
}`

const eksOnlyParams = `{"eks": {"parameters": {"region": "eu-west-1", "kubernetesVersion": "1.35"}}, "aks": {"enabled": false}}`

func xrJSON(params string) string {
	return `{"apiVersion":"infrastructure.devsecops/v1alpha1","kind":"XPlatform",
	  "metadata":{"name":"platform-a1b2c","labels":{"crossplane.io/claim-name":"platform","crossplane.io/claim-namespace":"crossplane-system"}},
	  "spec":{"parameters":` + params + `}}`
}

func newRequest(tag, params string, observed map[string]*fnv1.Resource) *fnv1.RunFunctionRequest {
	return &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: tag},
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(xrJSON(params))}, Resources: observed},
	}
}

func run(t testing.TB, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionResponse {
	t.Helper()
	rsp, err := NewFunction(logging.NewNopLogger()).RunFunction(context.Background(), req)
	if err != nil {
		t.Fatalf("RunFunction returned an error; errors must be Fatal results: %v", err)
	}
	return rsp
}

func names(rsp *fnv1.RunFunctionResponse) []string {
	var out []string
	for n := range rsp.GetDesired().GetResources() {
		out = append(out, n)
	}
	sortStrings(out)
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// desired returns a desired resource as a map.
func desired(t *testing.T, rsp *fnv1.RunFunctionResponse, name string) map[string]any {
	t.Helper()
	r, ok := rsp.GetDesired().GetResources()[name]
	if !ok {
		t.Fatalf("resource %q not desired; desired: %v", name, names(rsp))
	}
	return r.GetResource().AsMap()
}

func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func condition(rsp *fnv1.RunFunctionResponse, typ string) *fnv1.Condition {
	for _, c := range rsp.GetConditions() {
		if c.GetType() == typ {
			return c
		}
	}
	return nil
}

// observe turns a response's desired resources into observed ones, as
// Crossplane would after applying them, with status patches per name and
// connection details for the database.
func observe(t testing.TB, rsp *fnv1.RunFunctionResponse, status map[string]string, conn map[string][]byte) map[string]*fnv1.Resource {
	t.Helper()
	out := map[string]*fnv1.Resource{}
	for name, r := range rsp.GetDesired().GetResources() {
		m := r.GetResource().AsMap()
		if s, ok := status[name]; ok {
			st := map[string]any{}
			if err := json.Unmarshal([]byte(s), &st); err != nil {
				t.Fatal(err)
			}
			m["status"] = st
		}
		sp, err := structpb.NewStruct(m)
		if err != nil {
			t.Fatal(err)
		}
		o := &fnv1.Resource{Resource: sp}
		if name == nameDatabase && conn != nil {
			o.ConnectionDetails = conn
		}
		out[name] = o
	}
	return out
}

const readyTrue = `"conditions":[{"type":"Ready","status":"True","reason":"Available"}]`

var eksReadyStatus = `{"vpcId":"vpc-0123","privateSubnetIds":["subnet-a","subnet-b","subnet-c"],"clusterName":"platform-eks","endpoint":"https://ABC.eks.amazonaws.com",` + readyTrue + `}`

var conn = map[string][]byte{
	"address": []byte("platform-a1b2c-backstage.abc.eu-west-1.rds.amazonaws.com"), "port": []byte("5432"),
	"username": []byte("backstage"), "password": []byte("s3cret"),
}

// allReady marks every desired resource Ready (with the EKS spoke's status
// and the instance's address).
func allReady(rsp *fnv1.RunFunctionResponse) map[string]string {
	st := map[string]string{}
	for name := range rsp.GetDesired().GetResources() {
		st[name] = `{` + readyTrue + `}`
	}
	st[nameEKS] = eksReadyStatus
	st[nameAKS] = `{"clusterName":"platform-aks","fqdn":"aks.westeurope.azmk8s.io",` + readyTrue + `}`
	st[nameDatabase] = `{"atProvider":{"address":"platform-a1b2c-backstage.abc.eu-west-1.rds.amazonaws.com","port":5432},` + readyTrue + `}`
	return st
}

func fatal(tag, msg string) *fnv1.RunFunctionResponse {
	return &fnv1.RunFunctionResponse{
		Meta: &fnv1.ResponseMeta{Tag: tag, Ttl: durationpb.New(response.DefaultTTL)},
		Results: []*fnv1.Result{{
			Severity: fnv1.Severity_SEVERITY_FATAL,
			Message:  msg,
			Target:   fnv1.Target_TARGET_COMPOSITE.Enum(),
		}},
	}
}

// TestBadInput: one Fatal result naming every problem; nothing composed.
func TestBadInput(t *testing.T) {
	cases := map[string]struct{ params, want string }{
		"DatabaseWithoutEKS": {
			params: `{"eks":{"enabled":false},"aks":{"parameters":{"location":"westeurope"}}}`,
			want:   `spec.parameters.backstage.database.enabled: the database runs in the EKS spoke's VPC; enable eks or set backstage.database.enabled: false`,
		},
		"MissingEverything": {
			params: `{"tailscale":{"enabled":true}}`,
			want: `3 problems: spec.parameters.eks.parameters: required while eks.enabled is true; set at least eks.parameters.region, or set eks.enabled: false; ` +
				`spec.parameters.aks.parameters: required while aks.enabled is true; set at least aks.parameters.location, or set aks.enabled: false; ` +
				`spec.parameters.tailscale.authKeySecret: required while tailscale.enabled is true; name the hub Secret for the spokes' auth keys`,
		},
		"Postgres13": {
			params: `{"eks":{"parameters":{"region":"eu-west-1"}},"aks":{"enabled":false},"backstage":{"database":{"engineVersion":"13"}}}`,
			want:   `spec.parameters.backstage.database.engineVersion: "13" is not offered by RDS for PostgreSQL standard support; use 14, 15, 16 or 17`,
		},
		"BackupsOutOfRange": {
			params: `{"eks":{"parameters":{"region":"eu-west-1"}},"aks":{"enabled":false},"backstage":{"database":{"backupRetentionDays":40,"allocatedStorage":10}}}`,
			want: `2 problems: spec.parameters.backstage.database.allocatedStorage: 10 GiB is out of range; use 20 to 65536; ` +
				`spec.parameters.backstage.database.backupRetentionDays: 40 is out of range; keep backups 1 to 35 days`,
		},
		"UnknownField": {
			params: `{"eks":{"parameters":{"region":"eu-west-1"}},"database":{}}`,
			want:   `spec.parameters: unknown field "database"; check the field names against the API reference`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := run(t, newRequest("bad", tc.params, nil))
			if diff := cmp.Diff(fatal("bad", tc.want), got, protocmp.Transform()); diff != "" {
				t.Errorf("-want +got:\n%s", diff)
			}
		})
	}
}

// TestFirstRender: the nested XRs appear at once with the shared settings;
// the database waits for the EKS spoke's network.
func TestFirstRender(t *testing.T) {
	rsp := run(t, newRequest("t", fullParams, nil))
	if diff := cmp.Diff([]string{nameAKS, nameEKS}, names(rsp)); diff != "" {
		t.Fatalf("desired -want +got:\n%s", diff)
	}
	eks := desired(t, rsp, nameEKS)
	if got := get(eks, "apiVersion"); got != "infrastructure.devsecops/v1alpha1" {
		t.Errorf("eks apiVersion %v", got)
	}
	for path, want := range map[string]any{
		"clusterName": "platform-eks", "region": "eu-west-1",
	} {
		if got := get(eks, "spec", "parameters", path); got != want {
			t.Errorf("eks spec.parameters.%s = %v, want %v", path, got, want)
		}
	}
	if got := get(eks, "spec", "parameters", "tailscale", "authKeySecret"); got != "tailscale-auth-eks" {
		t.Errorf("eks tailscale.authKeySecret = %v", got)
	}
	if got := get(eks, "spec", "parameters", "argocd", "enabled"); got != true {
		t.Errorf("eks argocd.enabled = %v", got)
	}
	aks := desired(t, rsp, nameAKS)
	if got := get(aks, "kind"); got != "XAKSCluster" {
		t.Errorf("aks kind %v", got)
	}
	if got := get(aks, "spec", "parameters", "tailscale", "authKeySecret"); got != "tailscale-auth-aks" {
		t.Errorf("aks tailscale.authKeySecret = %v", got)
	}
	c := condition(rsp, ConditionDatabaseReady)
	if c == nil || c.GetReason() != "WaitingForNetwork" {
		t.Errorf("DatabaseReady = %v, want WaitingForNetwork", c)
	}
	c = condition(rsp, compose_ResourcesReady)
	if c == nil || !strings.Contains(c.GetMessage(), "database-security-group (needs the EKS spoke's status.vpcId)") {
		t.Errorf("ResourcesReady = %v", c)
	}
}

const compose_ResourcesReady = "ResourcesReady"

// TestDatabaseFamily: once the EKS spoke reports its network, the database
// resources appear with the settings the roadmap asks for.
func TestDatabaseFamily(t *testing.T) {
	rsp := run(t, newRequest("t", fullParams, nil))
	rsp = run(t, newRequest("t", fullParams, observe(t, rsp, map[string]string{nameEKS: eksReadyStatus}, nil)))
	want := []string{nameAKS, nameDatabase, nameDBIngress, nameDBSecurityGroup, nameDBSubnetGroup, nameEKS, nameUsageDBEKS, nameUsageSGEKS, nameUsageSubnetsEKS}
	sortStrings(want)
	if diff := cmp.Diff(want, names(rsp)); diff != "" {
		t.Fatalf("desired -want +got:\n%s", diff)
	}
	sg := desired(t, rsp, nameDBSubnetGroup)
	if diff := cmp.Diff([]any{"subnet-a", "subnet-b", "subnet-c"}, get(sg, "spec", "forProvider", "subnetIds")); diff != "" {
		t.Errorf("subnetIds -want +got:\n%s", diff)
	}
	if got := get(desired(t, rsp, nameDBSecurityGroup), "spec", "forProvider", "vpcId"); got != "vpc-0123" {
		t.Errorf("security group vpcId = %v", got)
	}
	in := get(desired(t, rsp, nameDBIngress), "spec", "forProvider").(map[string]any)
	for k, v := range map[string]any{"cidrIpv4": "10.0.0.0/16", "fromPort": 5432.0, "toPort": 5432.0, "ipProtocol": "tcp"} {
		if in[k] != v {
			t.Errorf("ingress %s = %v, want %v", k, in[k], v)
		}
	}
	db := desired(t, rsp, nameDatabase)
	if get(db, "apiVersion") != "rds.aws.upbound.io/v1beta3" {
		t.Errorf("database apiVersion %v", get(db, "apiVersion"))
	}
	fp := get(db, "spec", "forProvider").(map[string]any)
	for k, v := range map[string]any{
		"engine": "postgres", "engineVersion": "15", "instanceClass": "db.t3.micro", "allocatedStorage": 20.0,
		"dbName": "backstage", "storageEncrypted": true, "publiclyAccessible": false, "backupRetentionPeriod": 7.0,
		"deletionProtection": true, "autoGeneratePassword": true, "region": "eu-west-1",
	} {
		if fp[k] != v {
			t.Errorf("database %s = %v, want %v", k, fp[k], v)
		}
	}
	if get(db, "spec", "writeConnectionSecretToRef", "name") == nil {
		t.Error("database has no writeConnectionSecretToRef")
	}
	u := desired(t, rsp, nameUsageDBEKS)
	if get(u, "kind") != "ClusterUsage" || get(u, "spec", "replayDeletion") != true ||
		get(u, "spec", "of", "kind") != "XEKSCluster" || get(u, "spec", "by", "kind") != "Instance" {
		t.Errorf("usage = %v", u)
	}
	if c := condition(rsp, ConditionDatabaseReady); c == nil || c.GetReason() != "Creating" {
		t.Errorf("DatabaseReady = %v, want Creating", c)
	}
}

// TestConvergence: simulating the nested XRs' status and the providers, the
// platform becomes ready with the Backstage Secret written from the
// instance's connection details.
func TestConvergence(t *testing.T) {
	rsp := run(t, newRequest("t", fullParams, nil))
	rounds := 1
	for ; rounds < 10; rounds++ {
		if c := condition(rsp, compose_ResourcesReady); c != nil && c.GetStatus() == fnv1.Status_STATUS_CONDITION_TRUE {
			break
		}
		rsp = run(t, newRequest("t", fullParams, observe(t, rsp, allReady(rsp), conn)))
	}
	c := condition(rsp, compose_ResourcesReady)
	if c.GetStatus() != fnv1.Status_STATUS_CONDITION_TRUE {
		t.Fatalf("not converged after %d rounds: %v", rounds, c)
	}
	t.Logf("converged in %d rounds with %d resources", rounds, len(rsp.GetDesired().GetResources()))
	secret := desired(t, rsp, nameDBSecret)
	data := get(secret, "data").(map[string]any)
	want := map[string]any{}
	for k, v := range map[string]string{keyHost: string(conn["address"]), keyPort: "5432", keyUser: "backstage", keyPassword: "s3cret"} {
		want[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	if diff := cmp.Diff(want, data); diff != "" {
		t.Errorf("secret data -want +got:\n%s", diff)
	}
	if get(secret, "metadata", "namespace") != "backstage" || get(secret, "metadata", "name") != "backstage-postgres" {
		t.Errorf("secret meta %v", get(secret, "metadata"))
	}
	for _, typ := range []string{ConditionEKSReady, ConditionAKSReady, ConditionDatabaseReady} {
		if c := condition(rsp, typ); c.GetStatus() != fnv1.Status_STATUS_CONDITION_TRUE {
			t.Errorf("%s = %v", typ, c)
		}
	}
	st := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)
	if get(st, "database", "address") != string(conn["address"]) || get(st, "database", "port") != 5432.0 || get(st, "eks", "vpcId") != "vpc-0123" || get(st, "aks", "ready") != true {
		t.Errorf("status = %v", st)
	}
}

// TestEKSOnly: AKS disabled composes no XAKSCluster and no AKS condition.
func TestEKSOnly(t *testing.T) {
	rsp := run(t, newRequest("t", eksOnlyParams, nil))
	rsp = run(t, newRequest("t", eksOnlyParams, observe(t, rsp, allReady(rsp), conn)))
	for _, n := range names(rsp) {
		if n == nameAKS {
			t.Error("XAKSCluster composed with aks.enabled false")
		}
	}
	if condition(rsp, ConditionAKSReady) != nil {
		t.Error("AKSReady set with aks.enabled false")
	}
	if !contains(names(rsp), nameDatabase) {
		t.Errorf("database not composed: %v", names(rsp))
	}
	// Defaults: the nested XR is named after the XR's own name.
	if got := get(desired(t, rsp, nameEKS), "spec", "parameters", "clusterName"); got != "platform-eks" {
		t.Errorf("clusterName %v", got)
	}
}

func contains(s []string, v string) bool {
	for _, e := range s {
		if e == v {
			return true
		}
	}
	return false
}

// TestVanishingObservations: once composed, nothing is dropped when the
// nested XR's status or the connection details vanish.
func TestVanishingObservations(t *testing.T) {
	rsp := run(t, newRequest("t", fullParams, nil))
	for i := 0; i < 4; i++ {
		rsp = run(t, newRequest("t", fullParams, observe(t, rsp, allReady(rsp), conn)))
	}
	before := rsp
	// Everything observed, but the EKS status and connection details gone.
	obs := observe(t, before, map[string]string{}, nil)
	after := run(t, newRequest("t", fullParams, obs))
	if diff := cmp.Diff(names(before), names(after)); diff != "" {
		t.Fatalf("resources dropped -before +after:\n%s", diff)
	}
	for _, n := range names(before) {
		b := before.GetDesired().GetResources()[n].GetResource()
		a := after.GetDesired().GetResources()[n].GetResource()
		if diff := cmp.Diff(b, a, protocmp.Transform()); diff != "" {
			t.Errorf("%s changed -before +after:\n%s", n, diff)
		}
	}
}

// TestDeterminism: the same request gives the same response.
func TestDeterminism(t *testing.T) {
	rsp := run(t, newRequest("t", fullParams, nil))
	obs := observe(t, rsp, allReady(rsp), conn)
	a := run(t, newRequest("t", fullParams, obs))
	first, _ := proto.MarshalOptions{Deterministic: true}.Marshal(a)
	for i := range 1000 {
		b := run(t, newRequest("t", fullParams, proto.Clone(&fnv1.State{Resources: obs}).(*fnv1.State).Resources))
		got, _ := proto.MarshalOptions{Deterministic: true}.Marshal(b)
		if !bytes.Equal(first, got) {
			t.Fatalf("run %d differs:\n%s", i, cmp.Diff(a, b, protocmp.Transform()))
		}
	}
}

func BenchmarkRunFunction(b *testing.B) {
	rsp := run(b, newRequest("t", fullParams, nil))
	for i := 0; i < 3; i++ {
		rsp = run(b, newRequest("t", fullParams, observe(b, rsp, allReady(rsp), conn)))
	}
	req := newRequest("t", fullParams, observe(b, rsp, allReady(rsp), conn))
	f := NewFunction(logging.NewNopLogger())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.RunFunction(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestInputAndOverrides: the function input names the ProviderConfig and
// connection Secret namespace; eks.parameters.providerConfigName wins.
func TestInputAndOverrides(t *testing.T) {
	in := &v1beta1.Input{ProviderConfigName: "aws-hub", ConnectionSecretNamespace: "platform-secrets"}
	in.SetGroupVersionKind(v1beta1.SchemeGroupVersion.WithKind("Input"))
	mk := func(params string, observed map[string]*fnv1.Resource) *fnv1.RunFunctionRequest {
		req := newRequest("t", params, observed)
		req.Input = resource.MustStructObject(in)
		return req
	}
	rsp := run(t, mk(eksOnlyParams, nil))
	rsp = run(t, mk(eksOnlyParams, observe(t, rsp, map[string]string{nameEKS: eksReadyStatus}, nil)))
	db := desired(t, rsp, nameDatabase)
	if got := get(db, "spec", "providerConfigRef", "name"); got != "aws-hub" {
		t.Errorf("providerConfigRef = %v, want aws-hub", got)
	}
	if got := get(db, "spec", "writeConnectionSecretToRef", "namespace"); got != "platform-secrets" {
		t.Errorf("writeConnectionSecretToRef.namespace = %v", got)
	}
	override := `{"eks": {"parameters": {"region": "eu-west-1", "providerConfigName": "aws-spoke"}}, "aks": {"enabled": false}}`
	rsp = run(t, mk(override, observe(t, rsp, map[string]string{nameEKS: eksReadyStatus}, nil)))
	if got := get(desired(t, rsp, nameDBSubnetGroup), "spec", "providerConfigRef", "name"); got != "aws-spoke" {
		t.Errorf("providerConfigRef = %v, want aws-spoke", got)
	}
}
