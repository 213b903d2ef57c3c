package v1alpha1

// Defaults of XPlatform parameters; they mirror the +kubebuilder:default
// markers (a schema test keeps the two in step).
const (
	DefaultDBEngineVersion       = "15"
	DefaultDBInstanceClass       = "db.t3.micro"
	DefaultDBAllocatedStorage    = 20
	DefaultDBName                = "backstage"
	DefaultDBUsername            = "backstage"
	DefaultDBBackupRetentionDays = 7
	DefaultDBSecretNamespace     = "backstage"
	DefaultDBSecretName          = "backstage-postgres"
)

// SetDefaults fills every unset field of p with its default, including the
// nested spokes' parameters. It never overrides a value the user set.
func (p *PlatformParameters) SetDefaults() {
	if p.EKS.Enabled == nil {
		p.EKS.Enabled = ptr(true)
	}
	if p.EKS.Parameters != nil {
		p.EKS.Parameters.SetDefaults()
	}
	if p.AKS.Enabled == nil {
		p.AKS.Enabled = ptr(true)
	}
	if p.AKS.Parameters != nil {
		p.AKS.Parameters.SetDefaults()
	}
	p.Tailscale.SetDefaults()
	if p.ArgoCD.Enabled == nil {
		p.ArgoCD.Enabled = ptr(true)
	}
	d := &p.Backstage.Database
	if d.Enabled == nil {
		d.Enabled = ptr(true)
	}
	if d.EngineVersion == "" {
		d.EngineVersion = DefaultDBEngineVersion
	}
	if d.InstanceClass == "" {
		d.InstanceClass = DefaultDBInstanceClass
	}
	if d.AllocatedStorage == 0 {
		d.AllocatedStorage = DefaultDBAllocatedStorage
	}
	if d.DBName == "" {
		d.DBName = DefaultDBName
	}
	if d.Username == "" {
		d.Username = DefaultDBUsername
	}
	if d.BackupRetentionDays == 0 {
		d.BackupRetentionDays = DefaultDBBackupRetentionDays
	}
	if d.DeletionProtection == nil {
		d.DeletionProtection = ptr(true)
	}
	if d.SecretNamespace == "" {
		d.SecretNamespace = DefaultDBSecretNamespace
	}
	if d.SecretName == "" {
		d.SecretName = DefaultDBSecretName
	}
}
