package main

import (
	iamv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"

	"github.com/devsecops/platform-functions/internal/compose"
	"github.com/devsecops/platform-functions/internal/iampolicy"
)

// Composition resource names of IAM and keys.
const (
	nameClusterRole             = "role-cluster"
	nameNodeRole                = "role-node"
	nameKMSKey                  = "kms-key"
	nameKMSAlias                = "kms-alias"
	nameClusterEncryptionPolicy = "policy-cluster-encryption"
)

func nameAttachment(role, policy string) string { return role + "-attach-" + policy }

// AWS managed policies the roles use, by short name.
var (
	clusterRolePolicies = []string{"AmazonEKSClusterPolicy"}
	nodeRolePolicies    = []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy"}
)

// iam composes the cluster and node roles with their AWS managed policies,
// and the KMS key that envelope-encrypts Kubernetes secrets, with rotation.
func (s *spoke) iam(set *compose.Set, observed compose.Observed) {
	s.role(set, nameClusterRole, s.name+"-cluster", "EKS control plane of "+s.name,
		iampolicy.ServiceTrust(iampolicy.Values{"sts:AssumeRole", "sts:TagSession"}, "eks.amazonaws.com"))
	for _, p := range clusterRolePolicies {
		s.attach(set, nameClusterRole, p, s.managedPolicyARN(p))
	}
	s.role(set, nameNodeRole, s.name+"-node", "EKS managed node groups of "+s.name,
		iampolicy.ServiceTrust(iampolicy.Values{"sts:AssumeRole"}, "ec2.amazonaws.com"))
	for _, p := range nodeRolePolicies {
		s.attach(set, nameNodeRole, p, s.managedPolicyARN(p))
	}

	set.Add(nameKMSKey, &kmsv1beta1.Key{
		ObjectMeta: s.meta(nil),
		Spec: kmsv1beta1.KeySpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: kmsv1beta1.KeyParameters{
				Region:               &s.region,
				Description:          compose.Ptr("Envelope encryption of Kubernetes secrets of EKS cluster " + s.name),
				EnableKeyRotation:    compose.Ptr(true),
				RotationPeriodInDays: compose.Ptr(365.0),
				DeletionWindowInDays: compose.Ptr(30.0),
				KeyUsage:             compose.Ptr("ENCRYPT_DECRYPT"),
				Tags:                 s.awsTags(nameKMSKey, nil),
			},
		},
	})
	set.Add(nameKMSAlias, &kmsv1beta1.Alias{
		ObjectMeta: s.metaNamed("alias/eks/"+s.name, nil),
		Spec: kmsv1beta1.AliasSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: kmsv1beta1.AliasParameters{
				Region:              &s.region,
				TargetKeyIDSelector: compose.Select(nameKMSKey),
			},
		},
	})

	// The cluster role may use the key only once its ARN is known; the policy
	// is then kept, from its own observed document, if the key's observation
	// is briefly missing.
	keyARN := observed.String(nameKMSKey, "status.atProvider.arn")
	doc := ""
	if keyARN != "" {
		doc = iampolicy.New(iampolicy.Allow("ClusterEncryption",
			iampolicy.Values{"kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"},
			iampolicy.Values{keyARN})).JSON()
	}
	doc = compose.FirstOf(doc, observed.String(nameClusterEncryptionPolicy, "spec.forProvider.policy"))
	if doc == "" {
		s.wait(nameClusterEncryptionPolicy, "the ARN of "+nameKMSKey)
	} else {
		s.policy(set, nameClusterEncryptionPolicy, s.name+"-cluster-encryption", "Lets EKS cluster "+s.name+" use its secrets encryption key", doc)
		s.attach(set, nameClusterRole, "cluster-encryption", "")
	}
}

// role composes an IAM role named externalName.
func (s *spoke) role(set *compose.Set, name, externalName, description string, trust iampolicy.Document) {
	set.Add(name, &iamv1beta1.Role{
		ObjectMeta: s.metaNamed(externalName, nil),
		Spec: iamv1beta1.RoleSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: iamv1beta1.RoleParameters{
				AssumeRolePolicy: compose.Ptr(trust.JSON()),
				Description:      &description,
				Tags:             s.awsTags(name, nil),
			},
		},
	})
}

// policy composes a customer managed IAM policy.
func (s *spoke) policy(set *compose.Set, name, externalName, description, doc string) {
	set.Add(name, &iamv1beta1.Policy{
		ObjectMeta: s.metaNamed(externalName, nil),
		Spec: iamv1beta1.PolicySpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: iamv1beta1.PolicyParameters{
				Description: &description,
				Policy:      &doc,
				Tags:        s.awsTags(name, nil),
			},
		},
	})
}

// attach attaches a policy to a composed role: an AWS managed policy by ARN,
// or (arn empty) the composed policy "policy-<short>".
func (s *spoke) attach(set *compose.Set, role, short, arn string) {
	p := iamv1beta1.RolePolicyAttachmentParameters{RoleSelector: compose.Select(role)}
	if arn != "" {
		p.PolicyArn = &arn
	} else {
		p.PolicyArnSelector = compose.Select("policy-" + short)
	}
	set.Add(nameAttachment(role, short), &iamv1beta1.RolePolicyAttachment{
		ObjectMeta: s.meta(nil),
		Spec: iamv1beta1.RolePolicyAttachmentSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider:  p,
		},
	})
}

// managedPolicyARN is the ARN of an AWS managed policy in the spoke's partition.
func (s *spoke) managedPolicyARN(name string) string {
	return "arn:" + s.partition + ":iam::aws:policy/" + name
}
