package main

import (
	"context"
	"fmt"
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

	"github.com/devsecops/platform-functions/functions/eks/input/v1beta1"
	"github.com/devsecops/platform-functions/internal/fntest"
)

// roadmapParams is the roadmap's Phase 6 claim with a version EKS accepts.
const roadmapParams = `{
  "region": "eu-west-1",
  "kubernetesVersion": "1.35",
  "nodeGroups": [{"name": "system", "instanceTypes": ["t3.medium"], "desiredSize": 2, "minSize": 1, "maxSize": 3}],
  "cilium": {"enabled": true, "chainingMode": "aws-cni"},
  "tailscale": {"enabled": true, "authKeySecret": "tailscale-auth"},
  "addons": ["karpenter", "keda"]
}`

// testInput is the function input of the package's Composition.
var testInput = &v1beta1.Input{
	ProviderConfigName:       "aws-provider",
	DefaultKubernetesVersion: "1.35",
	ReservedCIDRs:            []string{"10.244.0.0/16", "10.96.0.0/12"},
	DefaultTags:              map[string]string{"managed-by": "crossplane"},
	ArgoCDHubRoleARN:         "arn:aws:iam::210987654321:role/argocd-hub",
}

func xrJSON(params string) string {
	return `{"apiVersion":"infrastructure.devsecops/v1alpha1","kind":"XEKSCluster",
	  "metadata":{"name":"eks-spoke-x1y2z","labels":{"crossplane.io/claim-name":"eks-spoke","crossplane.io/claim-namespace":"crossplane-system"}},
	  "spec":{"parameters":` + params + `}}`
}

func newRequest(tag, params string, observed map[string]*fnv1.Resource) *fnv1.RunFunctionRequest {
	in := testInput.DeepCopy()
	in.SetGroupVersionKind(v1beta1.SchemeGroupVersion.WithKind("Input"))
	return &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: tag},
		Input:    resource.MustStructObject(in),
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

// TestBadInput: every bad input is one Fatal result naming the field and the
// fix, and nothing is composed (the whole response is compared).
func TestBadInput(t *testing.T) {
	cases := map[string]struct {
		params string
		want   string
	}{
		"UnknownAddon": {
			params: `{"region":"eu-west-1","addons":["karpenter","istio"]}`,
			want:   `spec.parameters.addons[1]: unknown addon "istio"; known addons are alloy, argo-rollouts, cloudflared, karpenter, keda, kyverno, tetragon, vault-secrets-operator`,
		},
		"InvalidVPCCIDR": {
			params: `{"region":"eu-west-1","network":{"vpcCidr":"10.0.0.1/16"}}`,
			want:   `spec.parameters.network.vpcCidr: "10.0.0.1/16" has host bits set; use 10.0.0.0/16`,
		},
		"PublicVPCCIDR": {
			params: `{"region":"eu-west-1","network":{"vpcCidr":"8.8.0.0/16"}}`,
			want:   `spec.parameters.network.vpcCidr: "8.8.0.0/16" is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10)`,
		},
		"VPCTooSmall": {
			params: `{"region":"eu-west-1","network":{"vpcCidr":"10.0.0.0/24"}}`,
			want:   `spec.parameters.network.vpcCidr: "10.0.0.0/24" is a /24; use a prefix between /16 and /22`,
		},
		"ServiceCIDROverlapsVPC": {
			params: `{"region":"eu-west-1","network":{"vpcCidr":"172.20.0.0/16"}}`,
			want:   `spec.parameters.network.serviceCidr: 172.20.0.0/16 overlaps the VPC CIDR 172.20.0.0/16; pick a service range outside the VPC, e.g. 172.20.0.0/16`,
		},
		"VPCOverlapsHubNetwork": {
			params: `{"region":"eu-west-1","network":{"vpcCidr":"10.244.0.0/16"}}`,
			want:   `spec.parameters.network.vpcCidr: 10.244.0.0/16 overlaps 10.244.0.0/16, which the platform reserves (the hub's networks reached over Tailscale); pick another range, e.g. 10.1.0.0/16`,
		},
		"TooFewAZs": {
			params: `{"region":"eu-west-1","network":{"availabilityZones":["eu-west-1a"]}}`,
			want:   `spec.parameters.network.availabilityZones: EKS needs subnets in at least two availability zones; list two or more zones (or set azCount >= 2)`,
		},
		"AZCountOne": {
			params: `{"region":"eu-west-1","network":{"azCount":1}}`,
			want:   `spec.parameters.network.availabilityZones: EKS needs subnets in at least two availability zones; list two or more zones (or set azCount >= 2)`,
		},
		"ZoneOfAnotherRegion": {
			params: `{"region":"eu-west-1","network":{"availabilityZones":["eu-west-1a","us-east-1b"]}}`,
			want:   `spec.parameters.network.availabilityZones[1]: "us-east-1b" is not a zone of region eu-west-1 (such as eu-west-1a)`,
		},
		"DuplicateNodeGroupNames": {
			params: `{"region":"eu-west-1","nodeGroups":[{"name":"system"},{"name":"system"}]}`,
			want:   `spec.parameters.nodeGroups[1].name: "system" is used by another node group; node group names must be unique`,
		},
		"MinAboveMax": {
			params: `{"region":"eu-west-1","nodeGroups":[{"name":"system","minSize":4,"maxSize":3,"desiredSize":3}]}`,
			want:   `spec.parameters.nodeGroups[0].minSize: 4 is greater than maxSize 3; lower minSize or raise maxSize`,
		},
		"DesiredAboveMax": {
			params: `{"region":"eu-west-1","nodeGroups":[{"name":"system","minSize":1,"maxSize":3,"desiredSize":5}]}`,
			want:   `spec.parameters.nodeGroups[0].desiredSize: 5 is outside minSize..maxSize (1..3); set a desiredSize in that range`,
		},
		"DesiredBelowMin": {
			params: `{"region":"eu-west-1","nodeGroups":[{"name":"system","minSize":2,"maxSize":3,"desiredSize":1}]}`,
			want:   `spec.parameters.nodeGroups[0].desiredSize: 1 is outside minSize..maxSize (2..3); set a desiredSize in that range`,
		},
		"VersionNoLongerAccepted": {
			params: `{"region":"eu-west-1","kubernetesVersion":"1.29"}`,
			want:   `spec.parameters.kubernetesVersion: EKS no longer accepts 1.29 (extended support ended 2026-03-23); use one of 1.32, 1.33, 1.34, 1.35`,
		},
		"VersionOlderThanCalendar": {
			params: `{"region":"eu-west-1","kubernetesVersion":"1.20"}`,
			want:   `spec.parameters.kubernetesVersion: EKS no longer accepts 1.20 (older than every version on its calendar as of 2026-12-04); use one of 1.32, 1.33, 1.34, 1.35`,
		},
		"PublicEndpointWithoutCIDRs": {
			params: `{"region":"eu-west-1","endpointAccess":{"public":true}}`,
			want:   `spec.parameters.endpointAccess.publicAccessCidrs: is empty but endpointAccess.public is true; list the CIDRs allowed to reach the public API endpoint (0.0.0.0/0 must be written out explicitly)`,
		},
		"KarpenterContradiction": {
			params: `{"region":"eu-west-1","addons":["karpenter"],"karpenter":{"enabled":false}}`,
			want:   `spec.parameters.karpenter.enabled: is false but addons lists karpenter; remove karpenter from addons or the enabled: false`,
		},
		"BadRegion": {
			params: `{"region":"Ireland"}`,
			want:   `spec.parameters.region: "Ireland" is not an AWS region such as eu-west-1`,
		},
		"ClusterNameTooLong": {
			params: `{"region":"eu-west-1","clusterName":"a-very-long-cluster-name-for-an-eks-spoke"}`,
			want:   `spec.parameters.clusterName: "a-very-long-cluster-name-for-an-eks-spoke" is 41 characters; IAM role names derived from it allow at most 38, so set a shorter clusterName`,
		},
		"BadClusterAdmin": {
			params: `{"region":"eu-west-1","clusterAdmins":["platform-admin"]}`,
			want:   `spec.parameters.clusterAdmins[0]: "platform-admin" is not an IAM role or user ARN such as arn:aws:iam::123456789012:role/platform-admin`,
		},
		"BadHubRole": {
			params: `{"region":"eu-west-1","argocd":{"hubRoleArn":"arn:aws:iam::123456789012:user/argocd"}}`,
			want:   `spec.parameters.argocd.hubRoleArn: "arn:aws:iam::123456789012:user/argocd" is not an IAM role ARN such as arn:aws:iam::123456789012:role/argocd`,
		},
		"UnknownField": {
			params: `{"region":"eu-west-1","nodeGroup":[{"name":"system"}]}`,
			want:   `spec.parameters: unknown field "nodeGroup"; check the field names against the API reference`,
		},
		"WrongType": {
			params: `{"region":"eu-west-1","nodeGroups":[{"name":"system","maxSize":"3"}]}`,
			want:   `spec.parameters: field nodeGroups.maxSize must be int, not string; check the field names against the API reference`,
		},
		"SeveralProblemsAtOnce": {
			params: `{"region":"eu-west-1","addons":["istio"],"nodeGroups":[{"name":"a","minSize":3,"maxSize":1,"desiredSize":1}]}`,
			want:   `2 problems: spec.parameters.nodeGroups[0].minSize: 3 is greater than maxSize 1; lower minSize or raise maxSize; spec.parameters.addons[0]: unknown addon "istio"; known addons are alloy, argo-rollouts, cloudflared, karpenter, keda, kyverno, tetragon, vault-secrets-operator`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// Observed resources exist: a bad edit must not drop them, so the
			// Fatal result leaves desired state as the request gave it.
			observed := map[string]*fnv1.Resource{"vpc": {Resource: resource.MustStructJSON(`{"apiVersion":"ec2.aws.upbound.io/v1beta1","kind":"VPC"}`)}}
			got := run(t, newRequest(name, tc.params, observed))
			if diff := cmp.Diff(fatal(name, tc.want), got, protocmp.Transform()); diff != "" {
				t.Errorf("RunFunction(): -want +got:\n%s", diff)
			}
		})
	}
}

// TestMissingParameters: an XR without spec.parameters is a Fatal result.
func TestMissingParameters(t *testing.T) {
	req := newRequest("p", `{}`, nil)
	req.Observed.Composite.Resource = resource.MustStructJSON(`{"apiVersion":"infrastructure.devsecops/v1alpha1","kind":"XEKSCluster","metadata":{"name":"x"},"spec":{}}`)
	got := run(t, req)
	if diff := cmp.Diff(fatal("p", "spec.parameters is missing: set at least spec.parameters.region"), got, protocmp.Transform()); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}

// simulate plays the providers: every desired resource becomes observed with
// Ready and Synced conditions and the status fields function-eks reads.
func simulate(rsp *fnv1.RunFunctionResponse) map[string]*fnv1.Resource {
	out := map[string]*fnv1.Resource{}
	for name, r := range rsp.GetDesired().GetResources() {
		obj := r.GetResource().AsMap()
		kind, _ := obj["kind"].(string)
		ext := name
		if md, ok := obj["metadata"].(map[string]any); ok {
			if a, ok := md["annotations"].(map[string]any); ok && a["crossplane.io/external-name"] != nil {
				ext = a["crossplane.io/external-name"].(string)
			}
		}
		ap := map[string]any{"id": strings.ToLower(kind) + "-" + name}
		switch kind {
		case "Role":
			ap["arn"] = "arn:aws:iam::123456789012:role/" + ext
		case "Policy":
			ap["arn"] = "arn:aws:iam::123456789012:policy/" + ext
		case "OpenIDConnectProvider":
			ap["arn"] = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
		case "Key":
			ap["arn"] = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd"
		case "Queue":
			ap["arn"] = "arn:aws:sqs:eu-west-1:123456789012:" + ext
		case "LaunchTemplate":
			ap["latestVersion"] = 1
		case "Cluster":
			ap["arn"] = "arn:aws:eks:eu-west-1:123456789012:cluster/" + ext
			ap["endpoint"] = "https://ABC.gr7.eu-west-1.eks.amazonaws.com"
			ap["identity"] = []any{map[string]any{"oidc": []any{map[string]any{"issuer": "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"}}}}
			ap["vpcConfig"] = map[string]any{"clusterSecurityGroupId": "sg-0abc"}
			ap["certificateAuthority"] = []any{map[string]any{"data": "Q0EtREFUQQ=="}}
		}
		obj["status"] = map[string]any{
			"atProvider": ap,
			"conditions": []any{
				map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": "2026-01-01T00:00:00Z"},
				map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2026-01-01T00:00:00Z"},
			},
		}
		s, err := structpb.NewStruct(obj)
		if err != nil {
			panic(err)
		}
		out[name] = &fnv1.Resource{Resource: s}
	}
	return out
}

// converge renders until ResourcesReady is True and returns each round's response.
func converge(t testing.TB, params string, maxRounds int) []*fnv1.RunFunctionResponse {
	t.Helper()
	var rounds []*fnv1.RunFunctionResponse
	var observed map[string]*fnv1.Resource
	for i := range maxRounds {
		rsp := run(t, newRequest(fmt.Sprint("round-", i), params, observed))
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
				t.Fatalf("round %d: fatal: %s", i, r.GetMessage())
			}
		}
		rounds = append(rounds, rsp)
		if c := condition(rsp, ConditionResourcesReady); c != nil && c.GetStatus() == fnv1.Status_STATUS_CONDITION_TRUE {
			return rounds
		}
		observed = simulate(rsp)
	}
	t.Fatalf("not ready after %d rounds", maxRounds)
	return nil
}

func condition(rsp *fnv1.RunFunctionResponse, typ string) *fnv1.Condition {
	for _, c := range rsp.GetConditions() {
		if c.GetType() == typ {
			return c
		}
	}
	return nil
}

func countKinds(rsp *fnv1.RunFunctionResponse) map[string]int {
	out := map[string]int{}
	for _, r := range rsp.GetDesired().GetResources() {
		out[r.GetResource().AsMap()["kind"].(string)]++
	}
	return out
}

// TestRoadmapSpokeConverges: the roadmap claim converges to a complete spoke
// in four renders, never drops a resource on the way and then stays stable.
func TestRoadmapSpokeConverges(t *testing.T) {
	rounds := converge(t, roadmapParams, 8)
	if got, want := len(rounds), 4; got != want {
		t.Errorf("rounds to ResourcesReady: got %d, want %d", got, want)
	}
	for i := 1; i < len(rounds); i++ {
		for _, n := range fntest.DesiredNames(rounds[i-1]) {
			if _, ok := rounds[i].GetDesired().GetResources()[n]; !ok {
				t.Errorf("round %d dropped %q", i, n)
			}
		}
	}
	last := rounds[len(rounds)-1]
	want := map[string]int{
		"VPC": 1, "Subnet": 6, "InternetGateway": 1, "EIP": 3, "NATGateway": 3, "RouteTable": 4, "Route": 4, "RouteTableAssociation": 6,
		"Role": 5, "Policy": 2, "RolePolicyAttachment": 10, "Key": 1, "Alias": 1, "AccessPolicyAssociation": 1,
		"Cluster": 1, "Addon": 4, "LaunchTemplate": 1, "NodeGroup": 1, "OpenIDConnectProvider": 1,
		"PodIdentityAssociation": 1, "AccessEntry": 2, "Queue": 1, "QueuePolicy": 1, "Rule": 4, "Target": 4, "Tag": 1,
		// The cluster used by 1 node group and 4 add-ons; 2 cluster role
		// attachments used by the cluster.
		"ClusterUsage": 7,
	}
	if diff := cmp.Diff(want, countKinds(last)); diff != "" {
		t.Errorf("kinds of the converged spoke: -want +got:\n%s", diff)
	}
	for name, r := range last.GetDesired().GetResources() {
		if r.GetReady() != fnv1.Ready_READY_TRUE {
			t.Errorf("%s: ready %v, want READY_TRUE", name, r.GetReady())
		}
	}
	// Once ready, another round gives a byte-identical response.
	again := run(t, newRequest(fmt.Sprint("round-", len(rounds)-1), roadmapParams, simulate(last)))
	if diff := cmp.Diff(last, again, protocmp.Transform()); diff != "" {
		t.Errorf("not stable once ready: -first +second:\n%s", diff)
	}
	// The XR status carries what Argo CD, Karpenter and users need.
	st := last.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)
	for _, k := range []string{"vpcId", "publicSubnetIds", "privateSubnetIds", "clusterName", "clusterArn", "endpoint", "oidcIssuer", "oidcProviderArn", "clusterSecurityGroupId", "nodeRoleArn", "karpenter"} {
		if st[k] == nil {
			t.Errorf("status.%s is missing", k)
		}
	}
	if diff := cmp.Diff(map[string]any{
		"controllerRoleArn": "arn:aws:iam::123456789012:role/eks-spoke-karpenter",
		"nodeRoleName":      "eks-spoke-karpenter-node",
		"interruptionQueue": "eks-spoke-karpenter",
	}, st["karpenter"]); diff != "" {
		t.Errorf("status.karpenter: -want +got:\n%s", diff)
	}
}

// TestFirstRender pins what is composed before anything is observed, and why
// the rest waits.
func TestFirstRender(t *testing.T) {
	rsp := run(t, newRequest("first", roadmapParams, nil))
	if len(rsp.GetResults()) != 0 {
		t.Errorf("results: %v", rsp.GetResults())
	}
	for name, r := range rsp.GetDesired().GetResources() {
		if r.GetReady() != fnv1.Ready_READY_FALSE {
			t.Errorf("%s: ready %v before being observed, want READY_FALSE", name, r.GetReady())
		}
	}
	for _, n := range []string{"cluster", "nodegroup-system", "oidc-provider", "policy-cluster-encryption", "karpenter-queue-policy", "policy-karpenter-controller", "karpenter-discovery-security-group-tag"} {
		if _, ok := rsp.GetDesired().GetResources()[n]; ok {
			t.Errorf("%s is composed before the data it needs is observed", n)
		}
	}
	c := condition(rsp, ConditionResourcesReady)
	want := &fnv1.Condition{
		Type: ConditionResourcesReady, Status: fnv1.Status_STATUS_CONDITION_FALSE, Reason: "Creating",
		Message: proto.String("0 of 53 composed resources are ready; not ready: " +
			"argocd-access-entry, argocd-access-policy, argocd-role, internet-gateway, karpenter-controller-role, karpenter-node-access-entry and 47 more; not composed yet: policy-cluster-encryption (needs the ARN of kms-key), " +
			"cluster (needs the ARN of kms-key), nodegroup-system (needs the version of launch-template-system), " +
			"karpenter-queue-policy (needs the ARN of karpenter-queue) and 6 more"),
		Target: fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum(),
	}
	if diff := cmp.Diff(want, c, protocmp.Transform()); diff != "" {
		t.Errorf("ResourcesReady: -want +got:\n%s", diff)
	}
}

func nopLogger() logging.Logger { return logging.NewNopLogger() }

// TestUsagesOrderDeletion: the ClusterUsages keep the cluster until its node
// groups and add-ons are gone and the cluster role's attachments until the
// cluster is gone; none is composed before both its resources exist.
func TestUsagesOrderDeletion(t *testing.T) {
	rounds := converge(t, roadmapParams, 8)
	for _, n := range fntest.DesiredNames(rounds[0]) {
		if strings.HasPrefix(n, "usage-") {
			t.Errorf("first render composes %s before anything exists", n)
		}
	}
	sel := func(apiVersion, kind, component string) map[string]any {
		return map[string]any{"apiVersion": apiVersion, "kind": kind, "resourceSelector": map[string]any{
			"matchControllerRef": true, "matchLabels": map[string]any{"infrastructure.devsecops/component": component}}}
	}
	cluster := sel("eks.aws.upbound.io/v1beta2", "Cluster", "cluster")
	want := map[string][2]map[string]any{ // name: of, by
		"usage-cluster-by-nodegroup-system":                           {cluster, sel("eks.aws.upbound.io/v1beta2", "NodeGroup", "nodegroup-system")},
		"usage-cluster-by-addon-coredns":                              {cluster, sel("eks.aws.upbound.io/v1beta1", "Addon", "addon-coredns")},
		"usage-cluster-by-addon-kube-proxy":                           {cluster, sel("eks.aws.upbound.io/v1beta1", "Addon", "addon-kube-proxy")},
		"usage-cluster-by-addon-vpc-cni":                              {cluster, sel("eks.aws.upbound.io/v1beta1", "Addon", "addon-vpc-cni")},
		"usage-cluster-by-addon-eks-pod-identity-agent":               {cluster, sel("eks.aws.upbound.io/v1beta1", "Addon", "addon-eks-pod-identity-agent")},
		"usage-role-cluster-attach-AmazonEKSClusterPolicy-by-cluster": {sel("iam.aws.upbound.io/v1beta1", "RolePolicyAttachment", "role-cluster-attach-AmazonEKSClusterPolicy"), cluster},
		"usage-role-cluster-attach-cluster-encryption-by-cluster":     {sel("iam.aws.upbound.io/v1beta1", "RolePolicyAttachment", "role-cluster-attach-cluster-encryption"), cluster},
	}
	got := map[string][2]map[string]any{}
	for n, r := range rounds[len(rounds)-1].GetDesired().GetResources() {
		m := r.GetResource().AsMap()
		if m["kind"] != "ClusterUsage" {
			continue
		}
		if m["apiVersion"] != "protection.crossplane.io/v1beta1" {
			t.Errorf("%s: apiVersion %v", n, m["apiVersion"])
		}
		spec, _ := m["spec"].(map[string]any)
		if spec["replayDeletion"] != true {
			t.Errorf("%s: replayDeletion %v, want true", n, spec["replayDeletion"])
		}
		of, _ := spec["of"].(map[string]any)
		by, _ := spec["by"].(map[string]any)
		got[n] = [2]map[string]any{of, by}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ClusterUsages (name: of, by) -want +got:\n%s", diff)
	}
}
