package main

import (
	"encoding/json"
	"strings"

	cwev1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatchevents/v1beta1"
	cwev1beta2 "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatchevents/v1beta2"
	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	eksv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta1"
	sqsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/sqs/v1beta1"

	"github.com/devsecops/platform-functions/internal/compose"
	"github.com/devsecops/platform-functions/internal/iampolicy"
)

// karpenterDiscoveryTag marks the subnets and security group Karpenter's
// EC2NodeClass selects.
const karpenterDiscoveryTag = "karpenter.sh/discovery"

// Composition resource names of Karpenter's prerequisites.
const (
	nameKarpenterControllerRole = "karpenter-controller-role"
	nameKarpenterPolicy         = "policy-karpenter-controller"
	nameKarpenterPodIdentity    = "karpenter-pod-identity"
	nameKarpenterNodeRole       = "karpenter-node-role"
	nameKarpenterAccessEntry    = "karpenter-node-access-entry"
	nameKarpenterQueue          = "karpenter-queue"
	nameKarpenterQueuePolicy    = "karpenter-queue-policy"
	nameKarpenterSGTag          = "karpenter-discovery-security-group-tag"
)

func nameKarpenterRule(event string) string   { return "karpenter-rule-" + event }
func nameKarpenterTarget(event string) string { return "karpenter-target-" + event }

// karpenterNodePolicies are attached to the role of the nodes Karpenter
// launches (as in Karpenter's getting-started CloudFormation).
var karpenterNodePolicies = []string{
	"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy",
	"AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore",
}

// interruptionEvent is an EventBridge rule feeding the interruption queue.
type interruptionEvent struct {
	short      string
	source     string
	detailType string
}

var interruptionEvents = []interruptionEvent{
	{short: "health", source: "aws.health", detailType: "AWS Health Event"},
	{short: "spot", source: "aws.ec2", detailType: "EC2 Spot Instance Interruption Warning"},
	{short: "rebalance", source: "aws.ec2", detailType: "EC2 Instance Rebalance Recommendation"},
	{short: "state", source: "aws.ec2", detailType: "EC2 Instance State-change Notification"},
}

// karpenterPrereqs composes Karpenter's AWS prerequisites: the controller role bound
// to kube-system/karpenter with EKS Pod Identity, the controller policy, the
// node role with an EC2_LINUX access entry, the SQS interruption queue (SSE,
// TLS only) fed by EventBridge rules, and the discovery tag on the cluster
// security group. Parts whose documents need observed ARNs appear once those
// are known and are kept from their own observed spec afterwards.
func (s *spoke) karpenterPrereqs(set *compose.Set, observed compose.Observed) {
	if !s.karpenterOn {
		return
	}
	s.role(set, nameKarpenterControllerRole, s.name+"-karpenter", "Karpenter controller of EKS cluster "+s.name,
		iampolicy.ServiceTrust(iampolicy.Values{"sts:AssumeRole", "sts:TagSession"}, "pods.eks.amazonaws.com"))
	set.Add(nameKarpenterPodIdentity, &eksv1beta1.PodIdentityAssociation{
		ObjectMeta: s.meta(nil),
		Spec: eksv1beta1.PodIdentityAssociationSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: eksv1beta1.PodIdentityAssociationParameters_2{
				Region:              &s.region,
				ClusterNameSelector: compose.Select(nameCluster),
				Namespace:           compose.Ptr("kube-system"),
				ServiceAccount:      compose.Ptr("karpenter"),
				RoleArnSelector:     compose.Select(nameKarpenterControllerRole),
				Tags:                s.awsTags(nameKarpenterPodIdentity, nil),
			},
		},
	})

	s.role(set, nameKarpenterNodeRole, s.name+"-karpenter-node", "Nodes Karpenter launches for EKS cluster "+s.name,
		iampolicy.ServiceTrust(iampolicy.Values{"sts:AssumeRole"}, "ec2.amazonaws.com"))
	for _, p := range karpenterNodePolicies {
		s.attach(set, nameKarpenterNodeRole, p, s.managedPolicyARN(p))
	}
	set.Add(nameKarpenterAccessEntry, &eksv1beta1.AccessEntry{
		ObjectMeta: s.meta(nil),
		Spec: eksv1beta1.AccessEntrySpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: eksv1beta1.AccessEntryParameters{
				Region:                       &s.region,
				ClusterNameSelector:          compose.Select(nameCluster),
				PrincipalArnFromRoleSelector: compose.Select(nameKarpenterNodeRole),
				Type:                         compose.Ptr("EC2_LINUX"),
				Tags:                         s.awsTags(nameKarpenterAccessEntry, nil),
			},
		},
	})

	queueARN := ""
	if s.interruption {
		queueARN = s.interruptionQueue(set, observed)
	}

	// The controller policy names the cluster, node role and queue ARNs.
	clusterARN := observed.String(nameCluster, pathClusterARN)
	nodeRoleARN := observed.String(nameKarpenterNodeRole, "status.atProvider.arn")
	doc := ""
	if clusterARN != "" && nodeRoleARN != "" && (queueARN != "" || !s.interruption) {
		doc = s.karpenterControllerPolicy(accountOf(clusterARN), clusterARN, nodeRoleARN, queueARN).JSON()
	}
	doc = compose.FirstOf(doc, observed.String(nameKarpenterPolicy, "spec.forProvider.policy"))
	if doc == "" {
		s.wait(nameKarpenterPolicy, "the ARNs of "+nameCluster+", "+nameKarpenterNodeRole+" and "+nameKarpenterQueue)
	} else {
		s.policy(set, nameKarpenterPolicy, s.name+"-karpenter-controller", "Karpenter controller of EKS cluster "+s.name, doc)
		s.attach(set, nameKarpenterControllerRole, "karpenter-controller", "")
	}

	// Karpenter's EC2NodeClass selects the cluster security group by tag.
	sg := compose.FirstOf(observed.String(nameCluster, pathClusterSG), observed.String(nameKarpenterSGTag, "spec.forProvider.resourceId"))
	if sg == "" {
		s.wait(nameKarpenterSGTag, "the cluster security group of "+nameCluster)
	} else {
		set.Add(nameKarpenterSGTag, &ec2v1beta1.Tag{
			ObjectMeta: s.meta(nil),
			Spec: ec2v1beta1.TagSpec{
				ResourceSpec: s.resourceSpec(),
				ForProvider: ec2v1beta1.TagParameters{
					Region:     &s.region,
					ResourceID: &sg,
					Key:        compose.Ptr(karpenterDiscoveryTag),
					Value:      &s.name,
				},
			},
		})
	}
}

// interruptionQueue composes the SQS queue, its policy and the EventBridge
// rules and targets, and returns the queue's ARN once observed.
func (s *spoke) interruptionQueue(set *compose.Set, observed compose.Observed) string {
	set.Add(nameKarpenterQueue, &sqsv1beta1.Queue{
		ObjectMeta: s.meta(nil),
		Spec: sqsv1beta1.QueueSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: sqsv1beta1.QueueParameters{
				Region:                  &s.region,
				Name:                    compose.Ptr(s.queueName()),
				MessageRetentionSeconds: compose.Ptr(300.0),
				SqsManagedSseEnabled:    compose.Ptr(true),
				Tags:                    s.awsTags(nameKarpenterQueue, nil),
			},
		},
	})
	for _, e := range interruptionEvents {
		pattern, _ := json.Marshal(map[string][]string{"source": {e.source}, "detail-type": {e.detailType}}) //nolint:errchkjson // Strings only.
		set.Add(nameKarpenterRule(e.short), &cwev1beta1.Rule{
			ObjectMeta: s.metaNamed(s.name+"-karpenter-"+e.short, nil),
			Spec: cwev1beta1.RuleSpec{
				ResourceSpec: s.resourceSpec(),
				ForProvider: cwev1beta1.RuleParameters{
					Region:       &s.region,
					Description:  compose.Ptr("Karpenter interruption handling of EKS cluster " + s.name + ": " + e.detailType),
					EventPattern: compose.Ptr(string(pattern)),
					Tags:         s.awsTags(nameKarpenterRule(e.short), nil),
				},
			},
		})
	}

	queueARN := compose.FirstOf(
		observed.String(nameKarpenterQueue, "status.atProvider.arn"),
		observed.String(nameKarpenterTarget(interruptionEvents[0].short), "spec.forProvider.arn"),
	)
	policy := ""
	if queueARN != "" {
		policy = iampolicy.New(
			iampolicy.Statement{
				Sid: "EventBridgeWrite", Effect: "Allow",
				Principal: &iampolicy.Principal{Service: iampolicy.Values{"events.amazonaws.com", "sqs.amazonaws.com"}},
				Action:    iampolicy.Values{"sqs:SendMessage"}, Resource: iampolicy.Values{queueARN},
			},
			iampolicy.Statement{
				Sid: "DenyHTTP", Effect: "Deny",
				Principal: &iampolicy.Principal{AWS: iampolicy.Values{"*"}},
				Action:    iampolicy.Values{"sqs:*"}, Resource: iampolicy.Values{queueARN},
				Condition: iampolicy.Condition{"Bool": {"aws:SecureTransport": {"false"}}},
			},
		).JSON()
	}
	policy = compose.FirstOf(policy, observed.String(nameKarpenterQueuePolicy, "spec.forProvider.policy"))
	if policy == "" {
		s.wait(nameKarpenterQueuePolicy, "the ARN of "+nameKarpenterQueue)
		for _, e := range interruptionEvents {
			s.wait(nameKarpenterTarget(e.short), "the ARN of "+nameKarpenterQueue)
		}
	} else {
		set.Add(nameKarpenterQueuePolicy, &sqsv1beta1.QueuePolicy{
			ObjectMeta: s.meta(nil),
			Spec: sqsv1beta1.QueuePolicySpec{
				ResourceSpec: s.resourceSpec(),
				ForProvider: sqsv1beta1.QueuePolicyParameters{
					Region:           &s.region,
					QueueURLSelector: compose.Select(nameKarpenterQueue),
					Policy:           &policy,
				},
			},
		})
	}
	if queueARN != "" {
		for _, e := range interruptionEvents {
			set.Add(nameKarpenterTarget(e.short), &cwev1beta2.Target{
				ObjectMeta: s.meta(nil),
				Spec: cwev1beta2.TargetSpec{
					ResourceSpec: s.resourceSpec(),
					ForProvider: cwev1beta2.TargetParameters{
						Region:       &s.region,
						RuleSelector: compose.Select(nameKarpenterRule(e.short)),
						TargetID:     compose.Ptr("KarpenterInterruptionQueue"),
						Arn:          &queueARN,
					},
				},
			})
		}
	}
	return queueARN
}

// queueName is the interruption queue's name, Karpenter's settings.interruptionQueue.
func (s *spoke) queueName() string { return s.name + "-karpenter" }

// karpenterControllerPolicy is Karpenter v1's controller policy (from its
// getting-started CloudFormation), scoped to this cluster, region and account.
func (s *spoke) karpenterControllerPolicy(account, clusterARN, nodeRoleARN, queueARN string) iampolicy.Document {
	arn := func(service, region, acct, res string) string {
		return "arn:" + s.partition + ":" + service + ":" + region + ":" + acct + ":" + res
	}
	ec2 := func(res string) string { return arn("ec2", s.region, "*", res) }
	owned := "aws:ResourceTag/kubernetes.io/cluster/" + s.name
	reqOwned := "aws:RequestTag/kubernetes.io/cluster/" + s.name
	v := func(x ...string) iampolicy.Values { return x }

	st := []iampolicy.Statement{
		{Sid: "AllowScopedEC2InstanceAccessActions", Effect: "Allow",
			Action:   v("ec2:RunInstances", "ec2:CreateFleet"),
			Resource: v(arn("ec2", s.region, "", "image/*"), arn("ec2", s.region, "", "snapshot/*"), ec2("security-group/*"), ec2("subnet/*"), ec2("capacity-reservation/*"))},
		{Sid: "AllowScopedEC2LaunchTemplateAccessActions", Effect: "Allow",
			Action:    v("ec2:RunInstances", "ec2:CreateFleet"),
			Resource:  v(ec2("launch-template/*")),
			Condition: iampolicy.Condition{"StringEquals": {owned: v("owned")}, "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": v("*")}}},
		{Sid: "AllowScopedEC2InstanceActionsWithTags", Effect: "Allow",
			Action:   v("ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"),
			Resource: v(ec2("fleet/*"), ec2("instance/*"), ec2("volume/*"), ec2("network-interface/*"), ec2("launch-template/*"), ec2("spot-instances-request/*"), ec2("capacity-reservation/*")),
			Condition: iampolicy.Condition{
				"StringEquals": {reqOwned: v("owned"), "aws:RequestTag/eks:eks-cluster-name": v(s.name)},
				"StringLike":   {"aws:RequestTag/karpenter.sh/nodepool": v("*")}}},
		{Sid: "AllowScopedResourceCreationTagging", Effect: "Allow",
			Action:   v("ec2:CreateTags"),
			Resource: v(ec2("fleet/*"), ec2("instance/*"), ec2("volume/*"), ec2("network-interface/*"), ec2("launch-template/*"), ec2("spot-instances-request/*")),
			Condition: iampolicy.Condition{
				"StringEquals": {reqOwned: v("owned"), "aws:RequestTag/eks:eks-cluster-name": v(s.name), "ec2:CreateAction": v("RunInstances", "CreateFleet", "CreateLaunchTemplate")},
				"StringLike":   {"aws:RequestTag/karpenter.sh/nodepool": v("*")}}},
		{Sid: "AllowScopedResourceTagging", Effect: "Allow",
			Action:   v("ec2:CreateTags"),
			Resource: v(ec2("instance/*")),
			Condition: iampolicy.Condition{
				"StringEquals":              {owned: v("owned")},
				"StringLike":                {"aws:ResourceTag/karpenter.sh/nodepool": v("*")},
				"StringEqualsIfExists":      {"aws:RequestTag/eks:eks-cluster-name": v(s.name)},
				"ForAllValues:StringEquals": {"aws:TagKeys": v("eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name")}}},
		{Sid: "AllowScopedDeletion", Effect: "Allow",
			Action:    v("ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"),
			Resource:  v(ec2("instance/*"), ec2("launch-template/*")),
			Condition: iampolicy.Condition{"StringEquals": {owned: v("owned")}, "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": v("*")}}},
		{Sid: "AllowRegionalReadActions", Effect: "Allow",
			Action: v("ec2:DescribeCapacityReservations", "ec2:DescribeImages", "ec2:DescribeInstances", "ec2:DescribeInstanceTypeOfferings",
				"ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplates", "ec2:DescribeSecurityGroups", "ec2:DescribeSpotPriceHistory", "ec2:DescribeSubnets"),
			Resource:  v("*"),
			Condition: iampolicy.Condition{"StringEquals": {"aws:RequestedRegion": v(s.region)}}},
		{Sid: "AllowSSMReadActions", Effect: "Allow",
			Action: v("ssm:GetParameter"), Resource: v(arn("ssm", s.region, "", "parameter/aws/service/*"))},
		{Sid: "AllowPricingReadActions", Effect: "Allow",
			Action: v("pricing:GetProducts"), Resource: v("*")},
		{Sid: "AllowPassingInstanceRole", Effect: "Allow",
			Action: v("iam:PassRole"), Resource: v(nodeRoleARN),
			Condition: iampolicy.Condition{"StringEquals": {"iam:PassedToService": v("ec2.amazonaws.com")}}},
		{Sid: "AllowScopedInstanceProfileCreationActions", Effect: "Allow",
			Action: v("iam:CreateInstanceProfile"), Resource: v(arn("iam", "", account, "instance-profile/*")),
			Condition: iampolicy.Condition{
				"StringEquals": {reqOwned: v("owned"), "aws:RequestTag/eks:eks-cluster-name": v(s.name), "aws:RequestTag/topology.kubernetes.io/region": v(s.region)},
				"StringLike":   {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": v("*")}}},
		{Sid: "AllowScopedInstanceProfileTagActions", Effect: "Allow",
			Action: v("iam:TagInstanceProfile"), Resource: v(arn("iam", "", account, "instance-profile/*")),
			Condition: iampolicy.Condition{
				"StringEquals": {owned: v("owned"), "aws:ResourceTag/topology.kubernetes.io/region": v(s.region), reqOwned: v("owned"), "aws:RequestTag/eks:eks-cluster-name": v(s.name), "aws:RequestTag/topology.kubernetes.io/region": v(s.region)},
				"StringLike":   {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": v("*"), "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": v("*")}}},
		{Sid: "AllowScopedInstanceProfileActions", Effect: "Allow",
			Action:   v("iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"),
			Resource: v(arn("iam", "", account, "instance-profile/*")),
			Condition: iampolicy.Condition{
				"StringEquals": {owned: v("owned"), "aws:ResourceTag/topology.kubernetes.io/region": v(s.region)},
				"StringLike":   {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": v("*")}}},
		{Sid: "AllowInstanceProfileReadActions", Effect: "Allow",
			Action: v("iam:GetInstanceProfile", "iam:ListInstanceProfiles"), Resource: v(arn("iam", "", account, "instance-profile/*"))},
		{Sid: "AllowAPIServerEndpointDiscovery", Effect: "Allow",
			Action: v("eks:DescribeCluster"), Resource: v(clusterARN)},
	}
	if queueARN != "" {
		st = append(st, iampolicy.Statement{Sid: "AllowInterruptionQueueActions", Effect: "Allow",
			Action: v("sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"), Resource: v(queueARN)})
	}
	return iampolicy.New(st...)
}

// accountOf returns the account id of an ARN (arn:partition:service:region:account:resource).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return "*"
	}
	return parts[4]
}
