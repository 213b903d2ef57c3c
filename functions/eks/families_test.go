package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/devsecops/platform-functions/internal/fntest"
)

// fullParams exercises every option (examples/eks/xr-full.yaml).
const fullParams = `{
  "region": "us-east-1", "kubernetesVersion": "1.34", "clusterName": "prod-use1", "providerConfigName": "aws-prod",
  "network": {"vpcCidr": "10.20.0.0/16", "availabilityZones": ["us-east-1a","us-east-1b","us-east-1c","us-east-1d"], "serviceCidr": "172.21.0.0/16", "natGateways": "Single"},
  "endpointAccess": {"public": true, "publicAccessCidrs": ["203.0.113.0/24"]},
  "clusterAdmins": ["arn:aws:iam::123456789012:role/platform-admin"],
  "controlPlaneLogTypes": ["api","audit","authenticator","controllerManager","scheduler"],
  "nodeGroups": [
    {"name": "system", "instanceTypes": ["m7i.large"], "desiredSize": 3, "minSize": 3, "maxSize": 6, "diskSizeGiB": 80,
     "labels": {"role": "system"}, "taints": [{"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"}]},
    {"name": "spot-arm", "instanceTypes": ["m7g.large","m6g.large"], "capacityType": "SPOT", "amiType": "BOTTLEROCKET_ARM_64", "desiredSize": 0, "minSize": 0, "maxSize": 10}
  ],
  "cilium": {"enabled": false},
  "addons": ["karpenter"], "karpenter": {"interruptionHandling": false},
  "tags": {"environment": "prod", "managed-by": "platform-team"}
}`

// TestNetwork: subnets are planned from the VPC CIDR, tagged for load
// balancers and Karpenter, and routed through per-zone or single NAT.
func TestNetwork(t *testing.T) {
	t.Run("RoadmapOnePerAZ", func(t *testing.T) {
		rsp := run(t, newRequest("n", roadmapParams, nil))
		if got := fntest.Field(t, rsp, "vpc", "spec.forProvider.cidrBlock"); got != "10.0.0.0/16" {
			t.Errorf("vpc cidr %v", got)
		}
		for zone, want := range map[string][2]string{
			"eu-west-1a": {"10.0.224.0/22", "10.0.0.0/19"},
			"eu-west-1b": {"10.0.228.0/22", "10.0.32.0/19"},
			"eu-west-1c": {"10.0.232.0/22", "10.0.64.0/19"},
		} {
			if got := fntest.Field(t, rsp, "subnet-public-"+zone, "spec.forProvider.cidrBlock"); got != want[0] {
				t.Errorf("public %s: %v, want %s", zone, got, want[0])
			}
			if got := fntest.Field(t, rsp, "subnet-private-"+zone, "spec.forProvider.cidrBlock"); got != want[1] {
				t.Errorf("private %s: %v, want %s", zone, got, want[1])
			}
			if got := fntest.Field(t, rsp, "subnet-private-"+zone, "spec.forProvider.tags"); !hasAll(got, map[string]any{
				"kubernetes.io/role/internal-elb": "1", "karpenter.sh/discovery": "eks-spoke", "kubernetes.io/cluster/eks-spoke": "shared"}) {
				t.Errorf("private %s tags: %v", zone, got)
			}
			if got := fntest.Field(t, rsp, "subnet-public-"+zone, "spec.forProvider.tags"); !hasAll(got, map[string]any{"kubernetes.io/role/elb": "1"}) {
				t.Errorf("public %s tags: %v", zone, got)
			}
			if got := fntest.Field(t, rsp, "subnet-public-"+zone, "spec.forProvider.mapPublicIpOnLaunch"); got != false {
				t.Errorf("public %s maps public IPs on launch", zone)
			}
			if got := fntest.JSON(t, fntest.Field(t, rsp, "route-private-nat-"+zone, "spec.forProvider.natGatewayIdSelector")); got != `{"matchControllerRef":true,"matchLabels":{"infrastructure.devsecops/component":"nat-gateway-`+zone+`"}}` {
				t.Errorf("private route %s: %s", zone, got)
			}
		}
		if got := fntest.Field(t, rsp, "route-public-internet", "spec.forProvider.destinationCidrBlock"); got != "0.0.0.0/0" {
			t.Errorf("public route %v", got)
		}
	})
	t.Run("SingleNAT", func(t *testing.T) {
		rsp := run(t, newRequest("n", fullParams, nil))
		kinds := countKinds(rsp)
		if kinds["NATGateway"] != 1 || kinds["EIP"] != 1 || kinds["Subnet"] != 8 {
			t.Errorf("kinds %v: want 1 NAT, 1 EIP, 8 subnets", kinds)
		}
		for _, z := range []string{"us-east-1a", "us-east-1d"} {
			if got := fntest.JSON(t, fntest.Field(t, rsp, "route-private-nat-"+z, "spec.forProvider.natGatewayIdSelector.matchLabels")); got != `{"infrastructure.devsecops/component":"nat-gateway-us-east-1a"}` {
				t.Errorf("%s routes through %s", z, got)
			}
		}
		if got := fntest.Field(t, rsp, "subnet-private-us-east-1d", "spec.forProvider.cidrBlock"); got != "10.20.96.0/19" {
			t.Errorf("fourth private subnet %v", got)
		}
	})
}

func hasAll(v any, want map[string]any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for k, w := range want {
		if m[k] != w {
			return false
		}
	}
	return true
}

// TestIAMAndKeys: roles trust the right services, AWS managed policies are
// attached by ARN, and the KMS key rotates.
func TestIAMAndKeys(t *testing.T) {
	rsp := run(t, newRequest("iam", roadmapParams, nil))
	cases := map[string]string{
		"role-cluster":              `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`,
		"role-node":                 `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		"karpenter-controller-role": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`,
	}
	for role, trust := range cases {
		if got := fntest.Field(t, rsp, role, "spec.forProvider.assumeRolePolicy"); got != trust {
			t.Errorf("%s trust:\n got %v\nwant %s", role, got, trust)
		}
	}
	if got := fntest.Field(t, rsp, "role-cluster", "metadata.annotations"); fntest.JSON(t, got) != `{"crossplane.io/external-name":"eks-spoke-cluster"}` {
		t.Errorf("cluster role name %v", got)
	}
	for _, p := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy"} {
		if got := fntest.Field(t, rsp, "role-node-attach-"+p, "spec.forProvider.policyArn"); got != "arn:aws:iam::aws:policy/"+p {
			t.Errorf("node policy %s: %v", p, got)
		}
	}
	if got := fntest.Field(t, rsp, "kms-key", "spec.forProvider.enableKeyRotation"); got != true {
		t.Errorf("kms rotation %v", got)
	}
	if got := fntest.Field(t, rsp, "kms-alias", "metadata.annotations"); fntest.JSON(t, got) != `{"crossplane.io/external-name":"alias/eks/eks-spoke"}` {
		t.Errorf("alias %v", got)
	}
	// GovCloud uses its own partition in managed policy ARNs.
	gov := run(t, newRequest("gov", `{"region":"us-gov-west-1"}`, nil))
	if got := fntest.Field(t, gov, "role-cluster-attach-AmazonEKSClusterPolicy", "spec.forProvider.policyArn"); got != "arn:aws-us-gov:iam::aws:policy/AmazonEKSClusterPolicy" {
		t.Errorf("gov policy ARN %v", got)
	}
}

// TestClusterAndAddons: the control plane's security settings, and the VPC
// CNI's network policy switched by Cilium.
func TestClusterAndAddons(t *testing.T) {
	rounds := converge(t, roadmapParams, 8)
	rsp := rounds[len(rounds)-1]
	want := map[string]any{
		"accessConfig":               map[string]any{"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": false},
		"bootstrapSelfManagedAddons": false,
		"enabledClusterLogTypes":     []any{"api", "audit", "authenticator"},
		"encryptionConfig":           map[string]any{"provider": map[string]any{"keyArn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd"}, "resources": []any{"secrets"}},
		"kubernetesNetworkConfig":    map[string]any{"ipFamily": "ipv4", "serviceIpv4Cidr": "172.20.0.0/16"},
		"region":                     "eu-west-1",
		"roleArnSelector":            map[string]any{"matchControllerRef": true, "matchLabels": map[string]any{"infrastructure.devsecops/component": "role-cluster"}},
		"tags":                       map[string]any{"Name": "eks-spoke-cluster", "infrastructure.devsecops/spoke": "eks-spoke", "managed-by": "crossplane"},
		"version":                    "1.35",
		"vpcConfig": map[string]any{
			"endpointPrivateAccess": true, "endpointPublicAccess": false,
			"subnetIdSelector": map[string]any{"matchControllerRef": true, "matchLabels": map[string]any{"infrastructure.devsecops/subnet-tier": "private"}},
		},
	}
	if diff := cmp.Diff(want, fntest.Field(t, rsp, "cluster", "spec.forProvider")); diff != "" {
		t.Errorf("cluster forProvider: -want +got:\n%s", diff)
	}
	for _, a := range []string{"vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent"} {
		if got := fntest.Field(t, rsp, "addon-"+a, "spec.forProvider.addonName"); got != a {
			t.Errorf("addon %s: %v", a, got)
		}
	}
	if got := fntest.Field(t, rsp, "addon-vpc-cni", "spec.forProvider.configurationValues"); got != `{"enableNetworkPolicy":"false"}` {
		t.Errorf("with Cilium the VPC CNI policy agent must be off: %v", got)
	}
	if got := fntest.Field(t, rsp, "oidc-provider", "spec.forProvider.url"); got != "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC" {
		t.Errorf("oidc url %v", got)
	}

	full := converge(t, fullParams, 8)
	f := full[len(full)-1]
	if got := fntest.JSON(t, fntest.Field(t, f, "cluster", "spec.forProvider.vpcConfig")); got != `{"endpointPrivateAccess":true,"endpointPublicAccess":true,"publicAccessCidrs":["203.0.113.0/24"],"subnetIdSelector":{"matchControllerRef":true,"matchLabels":{"infrastructure.devsecops/subnet-tier":"private"}}}` {
		t.Errorf("public endpoint: %s", got)
	}
	if got := fntest.Field(t, f, "addon-vpc-cni", "spec.forProvider.configurationValues"); got != `{"enableNetworkPolicy":"true"}` {
		t.Errorf("without Cilium the VPC CNI enforces network policy: %v", got)
	}
	if got := fntest.Field(t, f, "cluster", "spec.providerConfigRef.name"); got != "aws-prod" {
		t.Errorf("XR providerConfigName must win over the input: %v", got)
	}
	if got := fntest.Field(t, f, "cluster", "spec.forProvider.tags"); !hasAll(got, map[string]any{"environment": "prod", "managed-by": "platform-team"}) {
		t.Errorf("XR tags must win over default tags: %v", got)
	}
}

// TestClusterAdmins: each admin principal gets an access entry and a
// cluster-scoped admin policy association that waits for its entry.
func TestClusterAdmins(t *testing.T) {
	rsp := run(t, newRequest("admins", fullParams, nil))
	arn := "arn:aws:iam::123456789012:role/platform-admin"
	entry, policy := nameAdminAccessEntry(arn), nameAdminAccessPolicy(arn)
	if entry != "access-entry-admin-"+principalKey(arn) || len(principalKey(arn)) != 8 {
		t.Errorf("names %s %s", entry, policy)
	}
	if got := fntest.JSON(t, fntest.Field(t, rsp, entry, "spec.forProvider")); !strings.Contains(got, `"principalArn":"`+arn+`"`) || !strings.Contains(got, `"type":"STANDARD"`) {
		t.Errorf("access entry %s", got)
	}
	want := map[string]any{
		"accessScope":          map[string]any{"type": "cluster"},
		"clusterNameSelector":  map[string]any{"matchControllerRef": true, "matchLabels": map[string]any{"infrastructure.devsecops/component": "cluster"}},
		"policyArn":            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
		"principalArnSelector": map[string]any{"matchControllerRef": true, "matchLabels": map[string]any{"infrastructure.devsecops/component": entry}},
		"region":               "us-east-1",
	}
	if diff := cmp.Diff(want, fntest.Field(t, rsp, policy, "spec.forProvider")); diff != "" {
		t.Errorf("policy association: -want +got:\n%s", diff)
	}
	none := run(t, newRequest("none", roadmapParams, nil))
	for _, n := range fntest.DesiredNames(none) {
		if strings.HasPrefix(n, "access-") {
			t.Errorf("%s composed without clusterAdmins", n)
		}
	}
}

// TestNodeGroups: launch templates enforce IMDSv2 and encrypted volumes; node
// groups keep the desired size in initProvider so autoscalers own it.
func TestNodeGroups(t *testing.T) {
	rounds := converge(t, fullParams, 8)
	rsp := rounds[len(rounds)-1]
	if got := fntest.JSON(t, fntest.Field(t, rsp, "launch-template-system", "spec.forProvider.metadataOptions")); got != `{"httpEndpoint":"enabled","httpPutResponseHopLimit":1,"httpTokens":"required"}` {
		t.Errorf("IMDS: %s", got)
	}
	if got := fntest.JSON(t, fntest.Field(t, rsp, "launch-template-system", "spec.forProvider.blockDeviceMappings")); got != `[{"deviceName":"/dev/xvda","ebs":{"deleteOnTermination":"true","encrypted":"true","volumeSize":80,"volumeType":"gp3"}}]` {
		t.Errorf("AL2023 volume: %s", got)
	}
	if got := fntest.Field(t, rsp, "launch-template-spot-arm", "spec.forProvider.blockDeviceMappings"); fntest.JSON(t, got) != `[{"deviceName":"/dev/xvdb","ebs":{"deleteOnTermination":"true","encrypted":"true","volumeSize":50,"volumeType":"gp3"}}]` {
		t.Errorf("Bottlerocket data volume: %s", fntest.JSON(t, got))
	}
	ng := fntest.Field(t, rsp, "nodegroup-system", "spec").(map[string]any)
	fp := ng["forProvider"].(map[string]any)
	if diff := cmp.Diff(map[string]any{"minSize": float64(3), "maxSize": float64(6)}, fp["scalingConfig"]); diff != "" {
		t.Errorf("scalingConfig: %s", diff)
	}
	if diff := cmp.Diff(map[string]any{"scalingConfig": map[string]any{"desiredSize": float64(3)}}, ng["initProvider"]); diff != "" {
		t.Errorf("initProvider: %s", diff)
	}
	if diff := cmp.Diff(map[string]any{"name": "prod-use1-system", "version": "1"}, fp["launchTemplate"]); diff != "" {
		t.Errorf("launchTemplate: %s", diff)
	}
	if diff := cmp.Diff([]any{map[string]any{"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"}}, fp["taint"]); diff != "" {
		t.Errorf("taints: %s", diff)
	}
	if fp["diskSize"] != nil {
		t.Errorf("diskSize conflicts with a launch template")
	}
	if got := fntest.Field(t, rsp, "nodegroup-spot-arm", "spec.forProvider.capacityType"); got != "SPOT" {
		t.Errorf("capacity %v", got)
	}
}

// TestKarpenter: prerequisites exist only when asked for; the interruption
// queue is encrypted and TLS only; the controller policy is scoped.
func TestKarpenter(t *testing.T) {
	off := run(t, newRequest("off", `{"region":"eu-west-1","addons":["keda"]}`, nil))
	for _, n := range fntest.DesiredNames(off) {
		if strings.HasPrefix(n, "karpenter") || strings.Contains(n, "karpenter") {
			t.Errorf("%s composed without karpenter", n)
		}
	}
	if got := fntest.Field(t, off, "subnet-private-eu-west-1a", "spec.forProvider.tags"); hasAll(got, map[string]any{"karpenter.sh/discovery": "eks-spoke"}) {
		t.Errorf("discovery tag without karpenter")
	}
	toggled := run(t, newRequest("toggle", `{"region":"eu-west-1","karpenter":{"enabled":true}}`, nil))
	if _, ok := toggled.GetDesired().GetResources()["karpenter-node-role"]; !ok {
		t.Errorf("karpenter.enabled: true must compose the prerequisites")
	}

	rounds := converge(t, roadmapParams, 8)
	rsp := rounds[len(rounds)-1]
	if got := fntest.Field(t, rsp, "karpenter-queue", "spec.forProvider.sqsManagedSseEnabled"); got != true {
		t.Errorf("queue SSE %v", got)
	}
	qarn := "arn:aws:sqs:eu-west-1:123456789012:karpenter-queue"
	if got := fntest.Field(t, rsp, "karpenter-queue-policy", "spec.forProvider.policy"); got != `{"Version":"2012-10-17","Statement":[`+
		`{"Sid":"EventBridgeWrite","Effect":"Allow","Principal":{"Service":["events.amazonaws.com","sqs.amazonaws.com"]},"Action":"sqs:SendMessage","Resource":"`+qarn+`"},`+
		`{"Sid":"DenyHTTP","Effect":"Deny","Principal":{"AWS":"*"},"Action":"sqs:*","Resource":"`+qarn+`","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}` {
		t.Errorf("queue policy %v", got)
	}
	for _, e := range interruptionEvents {
		if got := fntest.Field(t, rsp, "karpenter-target-"+e.short, "spec.forProvider.arn"); got != qarn {
			t.Errorf("target %s arn %v", e.short, got)
		}
		if got := fntest.Field(t, rsp, "karpenter-rule-"+e.short, "spec.forProvider.eventPattern"); !strings.Contains(got.(string), e.detailType) {
			t.Errorf("rule %s pattern %v", e.short, got)
		}
	}
	if got := fntest.JSON(t, fntest.Field(t, rsp, "karpenter-pod-identity", "spec.forProvider")); !strings.Contains(got, `"namespace":"kube-system"`) || !strings.Contains(got, `"serviceAccount":"karpenter"`) {
		t.Errorf("pod identity %s", got)
	}
	if got := fntest.Field(t, rsp, "karpenter-node-access-entry", "spec.forProvider.type"); got != "EC2_LINUX" {
		t.Errorf("access entry type %v", got)
	}
	if got := fntest.Field(t, rsp, "karpenter-discovery-security-group-tag", "spec.forProvider"); fntest.JSON(t, got) != `{"key":"karpenter.sh/discovery","region":"eu-west-1","resourceId":"sg-0abc","value":"eks-spoke"}` {
		t.Errorf("sg tag %s", fntest.JSON(t, got))
	}
	policy := fntest.Field(t, rsp, "policy-karpenter-controller", "spec.forProvider.policy").(string)
	for _, want := range []string{
		`"Resource":"arn:aws:iam::123456789012:role/eks-spoke-karpenter-node"`,
		`"Resource":"arn:aws:eks:eu-west-1:123456789012:cluster/eks-spoke"`,
		`"Resource":"` + qarn + `"`,
		`"aws:ResourceTag/kubernetes.io/cluster/eks-spoke":"owned"`,
		`"aws:RequestedRegion":"eu-west-1"`,
	} {
		if !strings.Contains(policy, want) {
			t.Errorf("controller policy lacks %s", want)
		}
	}
	if strings.Contains(policy, `"Action":"*"`) || strings.Contains(policy, `"ec2:*"`) || strings.Contains(policy, `"iam:*"`) {
		t.Errorf("controller policy grants wildcard actions")
	}

	// Without interruption handling: no queue, rules or targets.
	full := converge(t, fullParams, 8)
	for _, n := range fntest.DesiredNames(full[len(full)-1]) {
		if strings.HasPrefix(n, "karpenter-queue") || strings.HasPrefix(n, "karpenter-rule") || strings.HasPrefix(n, "karpenter-target") {
			t.Errorf("%s composed with interruptionHandling: false", n)
		}
	}
	if st := full[len(full)-1].GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)["karpenter"].(map[string]any); st["interruptionQueue"] != nil {
		t.Errorf("status names a queue that does not exist: %v", st)
	}
}

// TestKeepsResourcesWhenObservationsVanish: resources built from observed
// data stay, unchanged, when that data is briefly missing.
func TestKeepsResourcesWhenObservationsVanish(t *testing.T) {
	rounds := converge(t, roadmapParams, 8)
	last := rounds[len(rounds)-1]
	observed := simulate(last)
	// The KMS key, launch template, cluster status and queue lose their
	// status (a provider restart, a cache miss).
	for _, n := range []string{"kms-key", "launch-template-system", "cluster", "karpenter-queue", "karpenter-node-role"} {
		delete(observed[n].GetResource().GetFields(), "status")
	}
	delete(observed, "kms-key")
	got := run(t, newRequest("vanish", roadmapParams, observed))
	for _, n := range []string{"cluster", "policy-cluster-encryption", "nodegroup-system", "oidc-provider", "policy-karpenter-controller", "karpenter-queue-policy", "karpenter-target-spot", "karpenter-discovery-security-group-tag"} {
		w, g := last.GetDesired().GetResources()[n], got.GetDesired().GetResources()[n]
		if g == nil {
			t.Errorf("%s was dropped when its observation vanished", n)
			continue
		}
		if diff := cmp.Diff(w.GetResource(), g.GetResource(), protocmp.Transform()); diff != "" {
			t.Errorf("%s changed: -before +after:\n%s", n, diff)
		}
	}
	// The vanished resources are not ready any more; the XR says so.
	if c := condition(got, ConditionResourcesReady); c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE {
		t.Errorf("ResourcesReady %v while kms-key is unobserved", c.GetStatus())
	}
}

// TestPassesThroughDesiredState: resources earlier pipeline steps desired are
// kept.
func TestPassesThroughDesiredState(t *testing.T) {
	req := newRequest("pass", roadmapParams, nil)
	req.Desired = &fnv1.State{Resources: map[string]*fnv1.Resource{
		"tailscale-auth": {Resource: resource.MustStructJSON(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"tailscale-auth"}}`), Ready: fnv1.Ready_READY_TRUE},
	}}
	rsp := run(t, req)
	if diff := cmp.Diff(req.GetDesired().GetResources()["tailscale-auth"], rsp.GetDesired().GetResources()["tailscale-auth"], protocmp.Transform()); diff != "" {
		t.Errorf("earlier step's resource changed: %s", diff)
	}
}

// TestWarnings: accepted but discouraged input gets a Warning that names the
// field, and the spoke is still composed.
func TestWarnings(t *testing.T) {
	cases := map[string]struct {
		params string
		want   []string
	}{
		"ExtendedSupport": {
			params: `{"region":"eu-west-1","kubernetesVersion":"1.33"}`,
			want:   []string{"spec.parameters.kubernetesVersion: 1.33 is in EKS extended support (extra cost per cluster hour) until 2027-07-29; upgrade to 1.35"},
		},
		"NewerThanCalendar": {
			params: `{"region":"eu-west-1","kubernetesVersion":"1.36"}`,
			want:   []string{"spec.parameters.kubernetesVersion: 1.36 is newer than this function's EKS calendar (as of 2026-12-04); EKS rejects the cluster if it does not offer it yet, 1.35 is known to work"},
		},
		"SpotWithOneType": {
			params: `{"region":"eu-west-1","nodeGroups":[{"name":"spot","capacityType":"SPOT"}]}`,
			want:   []string{"spec.parameters.nodeGroups[0].instanceTypes: a SPOT node group with one instance type is interrupted often; list several types"},
		},
		"None": {params: roadmapParams},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, newRequest(name, tc.params, nil))
			var got []string
			for _, r := range rsp.GetResults() {
				if r.GetSeverity() != fnv1.Severity_SEVERITY_WARNING || r.GetTarget() != fnv1.Target_TARGET_COMPOSITE_AND_CLAIM {
					t.Errorf("unexpected result %v", r)
				}
				got = append(got, r.GetMessage())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("warnings: -want +got:\n%s", diff)
			}
			if len(rsp.GetDesired().GetResources()) == 0 {
				t.Errorf("nothing composed")
			}
		})
	}
}

// TestDeterministic: the same request gives a byte-identical response; Go
// shuffles map iteration on every run, so 200 runs cover many orders.
func TestDeterministic(t *testing.T) {
	rounds := converge(t, fullParams, 8)
	req := newRequest("det", fullParams, simulate(rounds[len(rounds)-2]))
	first, err := proto.MarshalOptions{Deterministic: true}.Marshal(run(t, req))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(run(t, req))
		if !bytes.Equal(first, b) {
			t.Fatalf("run %d differs from the first", i)
		}
	}
}

// TestClusterName: the claim name names the cluster; clusterName overrides it;
// an XR without a claim uses its own name.
func TestClusterName(t *testing.T) {
	for name, tc := range map[string]struct{ xr, want string }{
		"Claim":    {xr: xrJSON(`{"region":"eu-west-1"}`), want: "eks-spoke"},
		"Override": {xr: xrJSON(`{"region":"eu-west-1","clusterName":"blue"}`), want: "blue"},
		"NoClaim":  {xr: `{"apiVersion":"infrastructure.devsecops/v1alpha1","kind":"XEKSCluster","metadata":{"name":"direct-xr"},"spec":{"parameters":{"region":"eu-west-1"}}}`, want: "direct-xr"},
	} {
		t.Run(name, func(t *testing.T) {
			req := newRequest(name, `{}`, nil)
			req.Observed.Composite.Resource = resource.MustStructJSON(tc.xr)
			rsp := run(t, req)
			st := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)
			if st["clusterName"] != tc.want {
				t.Errorf("clusterName %v, want %s", st["clusterName"], tc.want)
			}
			if got := fntest.Field(t, rsp, "role-node", "metadata.annotations"); fntest.JSON(t, got) != fmt.Sprintf(`{"crossplane.io/external-name":"%s-node"}`, tc.want) {
				t.Errorf("node role %v", got)
			}
		})
	}
}

// TestArgoCDAccess: with argocd.enabled the hub's Argo CD role may assume a
// per-cluster role granted cluster admin; the spoke is published in the
// pipeline context for function-argocd once reachable.
func TestArgoCDAccess(t *testing.T) {
	rounds := converge(t, roadmapParams, 8)
	rsp := rounds[len(rounds)-1]
	if got := fntest.Field(t, rsp, "argocd-role", "spec.forProvider.assumeRolePolicy"); got != `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:role/argocd-hub"},"Action":"sts:AssumeRole"}]}` {
		t.Errorf("trust %v", got)
	}
	if got := fntest.JSON(t, fntest.Field(t, rsp, "argocd-access-policy", "spec.forProvider.principalArnSelector.matchLabels")); got != `{"infrastructure.devsecops/component":"argocd-access-entry"}` {
		t.Errorf("association selects %s", got)
	}
	ctx := rsp.GetContext().GetFields()["infrastructure.devsecops/spoke-cluster"].GetStructValue().AsMap()
	want := map[string]any{
		"cloud": "aws", "name": "eks-spoke", "region": "eu-west-1", "kubernetesVersion": "1.35", "argocd": true,
		"endpoint": "https://ABC.gr7.eu-west-1.eks.amazonaws.com", "caData": "Q0EtREFUQQ==",
		"addons": []any{"karpenter", "keda"},
		"aws":    map[string]any{"accountId": "123456789012", "argocdRoleArn": "arn:aws:iam::123456789012:role/eks-spoke-argocd"},
		"metadata": map[string]any{
			"aws_account_id": "123456789012", "aws_cluster_name": "eks-spoke", "aws_region": "eu-west-1", "aws_vpc_id": "vpc-vpc",
			"aws_node_role_arn": "arn:aws:iam::123456789012:role/eks-spoke-node", "aws_oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
			"karpenter_controller_role_arn": "arn:aws:iam::123456789012:role/eks-spoke-karpenter",
			"karpenter_interruption_queue":  "eks-spoke-karpenter", "karpenter_node_role_name": "eks-spoke-karpenter-node",
		},
	}
	if diff := cmp.Diff(want, ctx); diff != "" {
		t.Errorf("spoke context: -want +got:\n%s", diff)
	}

	off := run(t, newRequest("off", `{"region":"eu-west-1","argocd":{"enabled":false}}`, nil))
	for _, n := range fntest.DesiredNames(off) {
		if strings.HasPrefix(n, "argocd") {
			t.Errorf("%s composed with argocd.enabled: false", n)
		}
	}
	noHub := newRequest("nohub", roadmapParams, nil)
	in := testInput.DeepCopy()
	in.ArgoCDHubRoleARN = ""
	noHub.Input = resource.MustStructObject(in)
	got := run(t, noHub)
	if _, ok := got.GetDesired().GetResources()["argocd-role"]; ok || len(got.GetResults()) != 0 {
		t.Errorf("without a hub role no Argo CD role is composed and nothing is reported; results %v", got.GetResults())
	}
	xrHub := newRequest("xrhub", `{"region":"eu-west-1","argocd":{"hubRoleArn":"arn:aws:iam::111122223333:role/argocd"}}`, nil)
	xrHub.Input = resource.MustStructObject(in)
	if got := fntest.Field(t, run(t, xrHub), "argocd-role", "spec.forProvider.assumeRolePolicy"); !strings.Contains(got.(string), "arn:aws:iam::111122223333:role/argocd") {
		t.Errorf("the XR's hubRoleArn must be trusted: %v", got)
	}
}
