package main

import (
	"encoding/base64"
	"strconv"
	"strings"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	rdsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta1"
	rdsv1beta3 "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devsecops/platform-functions/internal/compose"
)

// The Secret keys the roadmap's Backstage values read.
const (
	keyHost     = "POSTGRES_HOST"
	keyPort     = "POSTGRES_PORT"
	keyUser     = "POSTGRES_USER"
	keyPassword = "POSTGRES_PASSWORD"
)

// database composes Backstage's PostgreSQL in the EKS VPC's private subnets.
// The network resources appear once the nested XEKSCluster reports its VPC
// and private subnets and are kept from their own observed spec afterwards;
// the Secret appears once the instance's connection details exist and is kept
// from its own observed data afterwards.
func (p *platform) database(set *compose.Set, observed compose.Observed) {
	if !p.dbOn {
		return
	}
	subnets := observedStrings(observed, nameEKS, "status.privateSubnetIds")
	if len(subnets) == 0 {
		subnets = observedStrings(observed, nameDBSubnetGroup, "spec.forProvider.subnetIds")
	}
	vpcID := compose.FirstOf(observed.String(nameEKS, "status.vpcId"), observed.String(nameDBSecurityGroup, "spec.forProvider.vpcId"))

	if vpcID == "" {
		p.waits.Add(nameDBSecurityGroup, "the EKS spoke's status.vpcId")
	} else {
		p.securityGroup(set, vpcID)
	}
	if len(subnets) == 0 {
		p.waits.Add(nameDBSubnetGroup, "the EKS spoke's status.privateSubnetIds")
	} else {
		p.subnetGroup(set, subnets)
	}
	if !set.Has(nameDBSubnetGroup) || !set.Has(nameDBSecurityGroup) {
		p.waits.Add(nameDatabase, "its subnet group and security group")
		return
	}
	p.instance(set)
	p.usages(set)
	p.secret(set, observed)
}

func (p *platform) region() string { return p.p.EKS.Parameters.Region }

func (p *platform) tags() map[string]*string {
	t := map[string]string{"platform": p.name, "component": "backstage-database"}
	return compose.Tags(p.p.EKS.Parameters.Tags, t)
}

func (p *platform) spec() xpv1.ResourceSpec {
	return xpv1.ResourceSpec{ProviderConfigReference: &xpv1.Reference{Name: p.providerConfig}}
}

// dbIdentifier is the RDS instance identifier: unique per XR, lower case.
// RDS identifiers have at most 63 characters and no trailing hyphen.
func (p *platform) dbIdentifier() string {
	id := p.xrName + "-backstage"
	if len(id) > 50 { // room for the -master-password and -final suffixes' users
		id = strings.TrimRight(id[:50], "-")
	}
	return id
}

func (p *platform) securityGroup(set *compose.Set, vpcID string) {
	set.Add(nameDBSecurityGroup, &ec2v1beta1.SecurityGroup{
		Spec: ec2v1beta1.SecurityGroupSpec{
			ResourceSpec: p.spec(),
			ForProvider: ec2v1beta1.SecurityGroupParameters_2{
				Region:      compose.Ptr(p.region()),
				VPCID:       compose.Ptr(vpcID),
				Name:        compose.Ptr(p.dbIdentifier()),
				Description: compose.Ptr("Backstage PostgreSQL: 5432 from the EKS VPC only"),
				Tags:        p.tags(),
			},
		},
	})
	set.Add(nameDBIngress, &ec2v1beta1.SecurityGroupIngressRule{
		Spec: ec2v1beta1.SecurityGroupIngressRuleSpec{
			ResourceSpec: p.spec(),
			ForProvider: ec2v1beta1.SecurityGroupIngressRuleParameters{
				Region:                  compose.Ptr(p.region()),
				SecurityGroupIDSelector: compose.Select(nameDBSecurityGroup),
				CidrIPv4:                compose.Ptr(p.p.EKS.Parameters.Network.VPCCIDR),
				IPProtocol:              compose.Ptr("tcp"),
				FromPort:                compose.Ptr(float64(postgresPort)),
				ToPort:                  compose.Ptr(float64(postgresPort)),
				Description:             compose.Ptr("PostgreSQL from the EKS VPC (Tailscale subnet router, workloads)"),
				Tags:                    p.tags(),
			},
		},
	})
}

func (p *platform) subnetGroup(set *compose.Set, subnets []string) {
	ids := make([]*string, 0, len(subnets))
	for _, s := range subnets {
		ids = append(ids, compose.Ptr(s))
	}
	set.Add(nameDBSubnetGroup, &rdsv1beta1.SubnetGroup{
		Spec: rdsv1beta1.SubnetGroupSpec{
			ResourceSpec: p.spec(),
			ForProvider: rdsv1beta1.SubnetGroupParameters{
				Region:      compose.Ptr(p.region()),
				SubnetIds:   ids,
				Description: compose.Ptr("Backstage PostgreSQL: the EKS spoke's private subnets"),
				Tags:        p.tags(),
			},
		},
	})
}

// instance is the RDS instance: encrypted, private, backed up, deletion
// protected, with a password Crossplane generates into a Secret so that the
// instance's connection details carry it (an RDS-managed password in Secrets
// Manager would not reach the connection details).
func (p *platform) instance(set *compose.Set) {
	d := p.p.Backstage.Database
	spec := p.spec()
	spec.WriteConnectionSecretToReference = &xpv1.SecretReference{Namespace: p.connectionNS, Name: p.dbIdentifier() + "-connection"}
	set.Add(nameDatabase, &rdsv1beta3.Instance{
		Spec: rdsv1beta3.InstanceSpec{
			ResourceSpec: spec,
			ForProvider: rdsv1beta3.InstanceParameters{
				Region:                     compose.Ptr(p.region()),
				Identifier:                 compose.Ptr(p.dbIdentifier()),
				Engine:                     compose.Ptr("postgres"),
				EngineVersion:              compose.Ptr(d.EngineVersion),
				InstanceClass:              compose.Ptr(d.InstanceClass),
				AllocatedStorage:           compose.Ptr(float64(d.AllocatedStorage)),
				StorageType:                compose.Ptr("gp3"),
				StorageEncrypted:           compose.Ptr(true),
				PubliclyAccessible:         compose.Ptr(false),
				DBName:                     compose.Ptr(d.DBName),
				Username:                   compose.Ptr(d.Username),
				AutoGeneratePassword:       compose.Ptr(true),
				PasswordSecretRef:          &xpv1.SecretKeySelector{SecretReference: xpv1.SecretReference{Namespace: p.connectionNS, Name: p.dbIdentifier() + "-master-password"}, Key: "password"},
				BackupRetentionPeriod:      compose.Ptr(float64(d.BackupRetentionDays)),
				DeletionProtection:         compose.Ptr(*d.DeletionProtection),
				CopyTagsToSnapshot:         compose.Ptr(true),
				SkipFinalSnapshot:          compose.Ptr(false),
				FinalSnapshotIdentifier:    compose.Ptr(p.dbIdentifier() + "-final"),
				DBSubnetGroupNameSelector:  compose.Select(nameDBSubnetGroup),
				VPCSecurityGroupIDSelector: compose.Select(nameDBSecurityGroup),
				Tags:                       p.tags(),
			},
		},
	})
}

// secret is the Secret Backstage reads, filled from the instance's
// connection details; without them (render, first runs) it waits, and once
// written it is kept from its own observed data.
func (p *platform) secret(set *compose.Set, observed compose.Observed) {
	d := p.p.Backstage.Database
	data := map[string][]byte{
		keyHost:     firstBytes(observed.ConnectionDetail(nameDatabase, "address"), observedData(observed, keyHost)),
		keyPort:     firstBytes(observed.ConnectionDetail(nameDatabase, "port"), observedData(observed, keyPort)),
		keyUser:     firstBytes(observed.ConnectionDetail(nameDatabase, "username"), observedData(observed, keyUser)),
		keyPassword: firstBytes(observed.ConnectionDetail(nameDatabase, "password"), observedData(observed, keyPassword)),
	}
	for _, k := range []string{keyHost, keyPort, keyUser, keyPassword} {
		if len(data[k]) == 0 {
			p.waits.Add(nameDBSecret, "the database's connection details")
			return
		}
	}
	set.AddReadyWhenObserved(nameDBSecret, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: d.SecretNamespace, Name: d.SecretName},
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	})
}

// usages keep the EKS spoke (its VPC and subnets) until the database
// resources inside it are gone: Crossplane replays their deletion.
func (p *platform) usages(set *compose.Set) {
	for _, u := range []struct{ name, by, apiVersion, kind string }{
		{nameUsageDBEKS, nameDatabase, rdsv1beta3.CRDGroupVersion.String(), rdsv1beta3.Instance_Kind},
		{nameUsageSubnetsEKS, nameDBSubnetGroup, rdsv1beta1.CRDGroupVersion.String(), rdsv1beta1.SubnetGroup_Kind},
		{nameUsageSGEKS, nameDBSecurityGroup, ec2v1beta1.CRDGroupVersion.String(), ec2v1beta1.SecurityGroup_Kind},
	} {
		set.AddReadyWhenObserved(u.name, compose.ClusterUsage(
			compose.UsageRef("infrastructure.devsecops/v1alpha1", "XEKSCluster", nameEKS),
			compose.UsageRef(u.apiVersion, u.kind, u.by)))
	}
}

// observedStrings is a string list of an observed resource, or nil.
func observedStrings(observed compose.Observed, name, path string) []string {
	oc, ok := observed[resource.Name(name)]
	if !ok || oc.Resource == nil {
		return nil
	}
	v, err := oc.Resource.GetStringArray(path)
	if err != nil {
		return nil
	}
	return v
}

// observedData is a key of the observed Backstage Secret's data.
func observedData(observed compose.Observed, key string) []byte {
	s := observed.String(nameDBSecret, "data."+key)
	if s == "" {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

func firstBytes(values ...[]byte) []byte {
	for _, v := range values {
		if len(v) > 0 {
			return v
		}
	}
	return nil
}

// portOf reads the observed instance's port.
func portOf(observed compose.Observed) int64 {
	if n, ok := observed.Integer(nameDatabase, "status.atProvider.port"); ok {
		return n
	}
	if b := observed.ConnectionDetail(nameDatabase, "port"); len(b) > 0 {
		if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			return n
		}
	}
	return 0
}
