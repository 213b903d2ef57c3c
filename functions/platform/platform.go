package main

import (
	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/functions/platform/input/v1beta1"
	"github.com/devsecops/platform-functions/internal/compose"
	"github.com/devsecops/platform-functions/internal/xr"
)

// Composition resource names.
const (
	nameEKS               = "eks"
	nameAKS               = "aks"
	nameDBSubnetGroup     = "database-subnet-group"
	nameDBSecurityGroup   = "database-security-group"
	nameDBIngress         = "database-ingress-postgres"
	nameDatabase          = "database"
	nameDBSecret          = "database-backstage-secret"
	nameUsageDBEKS        = "usage-database-eks"
	nameUsageSubnetsEKS   = "usage-database-subnet-group-eks"
	nameUsageSGEKS        = "usage-database-security-group-eks"
	defaultProviderConfig = "aws-provider"
	defaultConnectionNS   = "crossplane-system"
	postgresPort          = 5432
)

// platform is the validated, defaulted plan of one XPlatform.
type platform struct {
	p      v1alpha1.PlatformParameters
	name   string // claim name, or XR name without a claim
	xrName string // XR name: unique among cluster-scoped names

	eksOn, aksOn, dbOn bool
	providerConfig     string
	connectionNS       string

	waits compose.Waits
}

// newPlatform validates and defaults params; every problem is reported at once.
func newPlatform(params v1alpha1.PlatformParameters, in *v1beta1.Input, name, xrName string) (*platform, error) {
	params.SetDefaults()
	p := &platform{p: params, name: name, xrName: xrName,
		eksOn: *params.EKS.Enabled, aksOn: *params.AKS.Enabled, dbOn: *params.Backstage.Database.Enabled,
		providerConfig: compose.FirstOf(in.ProviderConfigName, defaultProviderConfig),
		connectionNS:   compose.FirstOf(in.ConnectionSecretNamespace, defaultConnectionNS),
	}
	errs := xr.NewFieldErrors("spec.parameters.")
	if p.eksOn && params.EKS.Parameters == nil {
		errs.Add("eks.parameters", "required while eks.enabled is true; set at least eks.parameters.region, or set eks.enabled: false")
	}
	if p.aksOn && params.AKS.Parameters == nil {
		errs.Add("aks.parameters", "required while aks.enabled is true; set at least aks.parameters.location, or set aks.enabled: false")
	}
	if p.dbOn && !p.eksOn {
		errs.Add("backstage.database.enabled", "the database runs in the EKS spoke's VPC; enable eks or set backstage.database.enabled: false")
	}
	if params.Tailscale.Enabled && params.Tailscale.AuthKeySecret == "" {
		errs.Add("tailscale.authKeySecret", "required while tailscale.enabled is true; name the hub Secret for the spokes' auth keys")
	}
	if p.eksOn && params.EKS.Parameters != nil {
		if params.EKS.Parameters.Region == "" {
			errs.Add("eks.parameters.region", "required; set the AWS region, e.g. eu-west-1")
		}
		if params.EKS.Parameters.ProviderConfigName != "" {
			p.providerConfig = params.EKS.Parameters.ProviderConfigName
		}
	}
	if p.aksOn && params.AKS.Parameters != nil && params.AKS.Parameters.Location == "" {
		errs.Add("aks.parameters.location", "required; set the Azure region, e.g. westeurope")
	}
	d := params.Backstage.Database
	if p.dbOn {
		switch d.EngineVersion {
		case "14", "15", "16", "17":
		default:
			errs.Add("backstage.database.engineVersion", "%q is not offered by RDS for PostgreSQL standard support; use 14, 15, 16 or 17", d.EngineVersion)
		}
		if d.AllocatedStorage < 20 || d.AllocatedStorage > 65536 {
			errs.Add("backstage.database.allocatedStorage", "%d GiB is out of range; use 20 to 65536", d.AllocatedStorage)
		}
		if d.BackupRetentionDays < 1 || d.BackupRetentionDays > 35 {
			errs.Add("backstage.database.backupRetentionDays", "%d is out of range; keep backups 1 to 35 days", d.BackupRetentionDays)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// compose builds the desired resources in a fixed order.
func (p *platform) compose(observed compose.Observed) *compose.Set {
	set := compose.NewSet()
	p.spokes(set)
	p.database(set, observed)
	return set
}
