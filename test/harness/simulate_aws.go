package harness

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// AWSAccountID is the account of every simulated AWS ARN.
const AWSAccountID = "123456789012"

// AWSKind describes how provider-aws reports one kind.
type AWSKind struct {
	// IDPrefix, when set, makes the ID AWS-style: prefix + 17 hex digits
	// (e.g. "vpc-" -> vpc-0a1b2c...). Otherwise the ID is the resource's
	// name (see Observation.Name) unless Extra sets one.
	IDPrefix string
	// ARN is the resource part of the ARN, with {id}, {name} and {uuid}
	// replaced. Default: "<lowercase kind>/{id}". "-" means no ARN.
	ARN string
	// Service is the ARN service. Default: the first label of the group.
	Service string
	// Global kinds (IAM) have no region in their ARN.
	Global bool
	// Extra adds kind-specific observations; it runs after ID and ARN are
	// set and may change the ID.
	Extra Rule
}

// Rule returns the simulation rule for the kind.
func (k AWSKind) Rule() Rule {
	return func(o *Observation) {
		if k.IDPrefix != "" {
			o.ID = k.IDPrefix + "0" + o.Hex(16)
		} else {
			o.ID = o.Name()
		}
		if k.ARN != "-" {
			o.Set(awsARN(o, k), "arn")
		}
		if k.Extra != nil {
			k.Extra(o)
		}
	}
}

// AWSDefaultRule covers provider-aws kinds without an entry in AWSRules.
var AWSDefaultRule = AWSKind{}.Rule()

func awsARN(o *Observation, k AWSKind) string {
	service := k.Service
	if service == "" {
		service, _, _ = strings.Cut(o.GVK.Group, ".")
	}
	region := o.Region()
	if k.Global {
		region = ""
	}
	res := k.ARN
	if res == "" {
		res = strings.ToLower(o.GVK.Kind) + "/{id}"
	}
	res = strings.NewReplacer("{id}", o.ID, "{name}", o.Name(), "{uuid}", o.UUID()).Replace(res)
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, AWSAccountID, res)
}

// AWSRules returns the provider-aws rule table, keyed by "<group>/<Kind>".
// Add a kind here when a composition starts using it.
func AWSRules() map[string]Rule {
	kinds := map[string]AWSKind{
		// ec2
		"ec2.aws.upbound.io/VPC": {IDPrefix: "vpc-", ARN: "vpc/{id}", Extra: func(o *Observation) {
			o.CopyFromForProvider("cidrBlock")
			o.Set("rtb-0"+o.Hex(16)[1:]+"0", "mainRouteTableId")
			o.Set("sg-0"+o.Hex(16)[1:]+"1", "defaultSecurityGroupId")
			o.Set("acl-0"+o.Hex(16)[1:]+"2", "defaultNetworkAclId")
			o.Set(AWSAccountID, "ownerId")
		}},
		"ec2.aws.upbound.io/Subnet": {IDPrefix: "subnet-", ARN: "subnet/{id}", Extra: func(o *Observation) {
			o.CopyFromForProvider("cidrBlock", "availabilityZone", "vpcId")
			o.Set(AWSAccountID, "ownerId")
		}},
		"ec2.aws.upbound.io/InternetGateway":          {IDPrefix: "igw-", ARN: "internet-gateway/{id}"},
		"ec2.aws.upbound.io/RouteTable":               {IDPrefix: "rtb-", ARN: "route-table/{id}"},
		"ec2.aws.upbound.io/RouteTableAssociation":    {IDPrefix: "rtbassoc-", ARN: "-"},
		"ec2.aws.upbound.io/Route":                    {IDPrefix: "r-rtb-", ARN: "-"},
		"ec2.aws.upbound.io/SecurityGroup":            {IDPrefix: "sg-", ARN: "security-group/{id}", Extra: ownerID},
		"ec2.aws.upbound.io/SecurityGroupRule":        {IDPrefix: "sgrule-", ARN: "-"},
		"ec2.aws.upbound.io/SecurityGroupIngressRule": {IDPrefix: "sgr-", ARN: "security-group-rule/{id}", Extra: securityGroupRuleID},
		"ec2.aws.upbound.io/SecurityGroupEgressRule":  {IDPrefix: "sgr-", ARN: "security-group-rule/{id}", Extra: securityGroupRuleID},
		"ec2.aws.upbound.io/EIP": {IDPrefix: "eipalloc-", ARN: "elastic-ip/{id}", Extra: func(o *Observation) {
			o.Set(o.ID, "allocationId")
			o.Set(fmt.Sprintf("203.0.113.%d", 1+int(o.Byte(0))%253), "publicIp")
		}},
		"ec2.aws.upbound.io/NATGateway": {IDPrefix: "nat-", ARN: "natgateway/{id}", Extra: func(o *Observation) {
			o.CopyFromForProvider("allocationId", "subnetId", "connectivityType")
			o.Set(fmt.Sprintf("10.0.%d.%d", o.Byte(0), 1+int(o.Byte(1))%253), "privateIp")
		}},
		"ec2.aws.upbound.io/LaunchTemplate": {IDPrefix: "lt-", ARN: "launch-template/{id}", Extra: func(o *Observation) {
			o.Set(int64(1), "latestVersion")
			o.Set(int64(1), "defaultVersion")
		}},

		// eks
		"eks.aws.upbound.io/Cluster": {ARN: "cluster/{id}", Extra: eksCluster},
		"eks.aws.upbound.io/NodeGroup": {Extra: func(o *Observation) {
			cluster := o.ForProviderString("clusterName")
			o.ID = cluster + ":" + o.Name()
			o.Set(awsARN(o, AWSKind{ARN: "nodegroup/" + cluster + "/" + o.Name() + "/{uuid}"}), "arn")
			o.Set("ACTIVE", "status")
		}},
		"eks.aws.upbound.io/Addon": {Extra: func(o *Observation) {
			cluster, addon := o.ForProviderString("clusterName"), o.ForProviderString("addonName")
			o.ID = cluster + ":" + addon
			o.Set(awsARN(o, AWSKind{ARN: "addon/" + cluster + "/" + addon + "/{uuid}"}), "arn")
			o.CopyFromForProvider("addonVersion")
		}},
		"eks.aws.upbound.io/AccessEntry": {Extra: func(o *Observation) {
			cluster, principal := o.ForProviderString("clusterName"), o.ForProviderString("principalArn")
			o.ID = cluster + ":" + principal
			o.Set(awsARN(o, AWSKind{ARN: "access-entry/" + cluster + "/{uuid}"}), "accessEntryArn")
		}},
		"eks.aws.upbound.io/PodIdentityAssociation": {Extra: func(o *Observation) {
			cluster := o.ForProviderString("clusterName")
			id := "a-" + o.Hex(17)
			o.ID = cluster + "," + id
			o.Set(id, "associationId")
			o.Set(awsARN(o, AWSKind{ARN: "podidentityassociation/" + cluster + "/" + id}), "associationArn")
		}},

		// iam
		"iam.aws.upbound.io/Role": {ARN: "role/{id}", Global: true, Extra: func(o *Observation) {
			o.Set("AROA"+strings.ToUpper(o.Hex(17)), "uniqueId")
		}},
		"iam.aws.upbound.io/Policy": {ARN: "policy/{name}", Global: true, Extra: func(o *Observation) {
			o.Set("ANPA"+strings.ToUpper(o.Hex(17)), "policyId")
			o.ID = awsARN(o, AWSKind{ARN: "policy/{name}", Global: true})
		}},
		"iam.aws.upbound.io/InstanceProfile": {ARN: "instance-profile/{id}", Global: true, Extra: func(o *Observation) {
			o.Set("AIPA"+strings.ToUpper(o.Hex(17)), "uniqueId")
		}},
		"iam.aws.upbound.io/OpenIDConnectProvider": {Global: true, Extra: func(o *Observation) {
			url := strings.TrimPrefix(o.ForProviderString("url"), "https://")
			o.ID = awsARN(o, AWSKind{ARN: "oidc-provider/" + url, Global: true})
			o.Set(o.ID, "arn")
		}},
		"iam.aws.upbound.io/RolePolicyAttachment": {ARN: "-", Extra: func(o *Observation) {
			o.ID = o.Name() + "-" + o.Hex(8)
		}},

		// kms
		"kms.aws.upbound.io/Key": {Extra: func(o *Observation) {
			o.ID = o.UUID()
			o.Set(o.ID, "keyId")
			o.Set(awsARN(o, AWSKind{ARN: "key/{id}"}), "arn")
		}},
		"kms.aws.upbound.io/Alias": {Extra: func(o *Observation) {
			name := o.Name()
			if !strings.HasPrefix(name, "alias/") {
				name = "alias/" + name
			}
			o.ID = name
			o.Set(awsARN(o, AWSKind{ARN: "{id}"}), "arn")
		}},

		// sqs
		"sqs.aws.upbound.io/Queue": {ARN: "{name}", Extra: func(o *Observation) {
			url := fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", o.Region(), AWSAccountID, o.Name())
			o.ID = url
			o.Set(url, "url")
		}},
		"sqs.aws.upbound.io/QueuePolicy": {ARN: "-", Extra: func(o *Observation) {
			if u := o.ForProviderString("queueUrl"); u != "" {
				o.ID = u
			}
		}},

		// cloudwatchevents (EventBridge)
		"cloudwatchevents.aws.upbound.io/Rule":   {Service: "events", ARN: "rule/{id}"},
		"cloudwatchevents.aws.upbound.io/Target": {ARN: "-"},

		// rds
		"rds.aws.upbound.io/Instance": {Extra: func(o *Observation) {
			o.Set(awsARN(o, AWSKind{ARN: "db:{name}"}), "arn")
			o.Set("db-"+strings.ToUpper(o.Hex(26)), "resourceId")
			addr := fmt.Sprintf("%s.c%s.%s.rds.amazonaws.com", o.Name(), o.Hex(11), o.Region())
			o.Set(addr, "address")
			o.Set("available", "status")
		}},
		"rds.aws.upbound.io/SubnetGroup":    {ARN: "subgrp:{id}", Service: "rds"},
		"rds.aws.upbound.io/ParameterGroup": {ARN: "pg:{id}", Service: "rds"},
	}
	rules := make(map[string]Rule, len(kinds))
	for k, v := range kinds {
		rules[k] = v.Rule()
	}
	return rules
}

func ownerID(o *Observation) { o.Set(AWSAccountID, "ownerId") }

func securityGroupRuleID(o *Observation) { o.Set(o.ID, "securityGroupRuleId") }

// eksCluster adds what EKS reports for a cluster: endpoint, CA, OIDC issuer
// and cluster security group. v1beta1 uses one-item lists where v1beta2 uses
// objects (vpcConfig); certificateAuthority and identity are lists in both.
func eksCluster(o *Observation) {
	region := o.Region()
	endpointID := strings.ToUpper(o.Hex(32))
	o.Set(fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", endpointID, region), "endpoint")
	o.Set([]any{map[string]any{"data": fakeCAData(o)}}, "certificateAuthority")
	issuer := fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", region, strings.ToUpper(o.Hex(64)[32:]))
	o.Set([]any{map[string]any{"oidc": []any{map[string]any{"issuer": issuer}}}}, "identity")
	sg := "sg-0" + o.Hex(32)[16:32]
	vpc := map[string]any{"clusterSecurityGroupId": sg}
	if v, ok := o.ForProvider("vpcConfig"); ok {
		// Mirror the requested VPC settings, as the provider does.
		switch t := v.(type) {
		case map[string]any:
			for k, fv := range t {
				vpc[k] = fv
			}
		case []any:
			if len(t) > 0 {
				if m, ok := t[0].(map[string]any); ok {
					for k, fv := range m {
						vpc[k] = fv
					}
				}
			}
		}
	}
	if o.GVK.Version == "v1beta1" {
		o.Set([]any{vpc}, "vpcConfig")
	} else {
		o.Set(vpc, "vpcConfig")
	}
	o.Set(o.UUID(), "clusterId")
	o.Set("ACTIVE", "status")
	o.Set("eks.1", "platformVersion")
	o.CopyFromForProvider("version", "roleArn")
}

// fakeCAData returns base64 of a deterministic, PEM-shaped fake certificate.
func fakeCAData(o *Observation) string {
	body := base64.StdEncoding.EncodeToString([]byte("fake certificate authority for " + o.Name() + " " + o.Hex(64)))
	var b strings.Builder
	b.WriteString("-----BEGIN CERTIFICATE-----\n")
	for len(body) > 64 {
		b.WriteString(body[:64] + "\n")
		body = body[64:]
	}
	b.WriteString(body + "\n-----END CERTIFICATE-----\n")
	return base64.StdEncoding.EncodeToString([]byte(b.String()))
}
