package main

import (
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/internal/compose"
)

// Conditions per part of the platform, on the XR and its claim.
const (
	ConditionEKSReady      = "EKSReady"
	ConditionAKSReady      = "AKSReady"
	ConditionDatabaseReady = "DatabaseReady"
)

// status aggregates the nested XRs and the database; fields stay empty until
// observed.
func (p *platform) status(observed compose.Observed) v1alpha1.XPlatformStatus {
	var st v1alpha1.XPlatformStatus
	if p.eksOn {
		st.EKS = &v1alpha1.PlatformSpokeStatus{
			Ready:       observed.Ready(nameEKS),
			ClusterName: observed.String(nameEKS, "status.clusterName"),
			Endpoint:    observed.String(nameEKS, "status.endpoint"),
			VPCID:       observed.String(nameEKS, "status.vpcId"),
		}
	}
	if p.aksOn {
		st.AKS = &v1alpha1.PlatformSpokeStatus{
			Ready:       observed.Ready(nameAKS),
			ClusterName: observed.String(nameAKS, "status.clusterName"),
			Endpoint:    observed.String(nameAKS, "status.fqdn"),
		}
		if st.AKS.Endpoint != "" {
			st.AKS.Endpoint = "https://" + st.AKS.Endpoint + ":443"
		}
	}
	if p.dbOn {
		d := p.p.Backstage.Database
		st.Database = &v1alpha1.PlatformDatabaseStatus{
			Ready:   observed.Ready(nameDatabase) && observed.Exists(nameDBSecret),
			Address: observed.String(nameDatabase, "status.atProvider.address"),
			Port:    portOf(observed),
			Secret:  d.SecretNamespace + "/" + d.SecretName,
		}
	}
	return st
}

// conditions sets one condition per enabled part saying whether it is ready
// and, when not, why (the nested XR's own ResourcesReady message).
func (p *platform) conditions(rsp *fnv1.RunFunctionResponse, observed compose.Observed, st v1alpha1.XPlatformStatus) {
	if p.eksOn {
		spokeCondition(rsp, observed, ConditionEKSReady, nameEKS, v1alpha1.XEKSClusterKind, st.EKS.Ready)
	}
	if p.aksOn {
		spokeCondition(rsp, observed, ConditionAKSReady, nameAKS, v1alpha1.XAKSClusterKind, st.AKS.Ready)
	}
	if !p.dbOn {
		return
	}
	switch {
	case st.Database.Ready:
		response.ConditionTrue(rsp, ConditionDatabaseReady, "Available").
			WithMessage("PostgreSQL is ready; Backstage reads Secret " + st.Database.Secret).TargetCompositeAndClaim()
	case !observed.Exists(nameDatabase) && observed.String(nameEKS, "status.vpcId") == "" && !observed.Exists(nameDBSubnetGroup):
		response.ConditionFalse(rsp, ConditionDatabaseReady, "WaitingForNetwork").
			WithMessage("waiting for the EKS spoke to report its VPC and private subnets").TargetCompositeAndClaim()
	case !observed.Ready(nameDatabase):
		msg := "the RDS instance is being created"
		if m := conditionMessage(observed, nameDatabase, "Ready"); m != "" {
			msg += ": " + m
		}
		response.ConditionFalse(rsp, ConditionDatabaseReady, "Creating").WithMessage(msg).TargetCompositeAndClaim()
	default:
		response.ConditionFalse(rsp, ConditionDatabaseReady, "WaitingForConnectionDetails").
			WithMessage("the RDS instance is ready; waiting for its connection details to write Secret " + st.Database.Secret).TargetCompositeAndClaim()
	}
}

func spokeCondition(rsp *fnv1.RunFunctionResponse, observed compose.Observed, cond, name, kind string, ready bool) {
	if ready {
		response.ConditionTrue(rsp, cond, "Available").WithMessage("the nested " + kind + " is ready").TargetCompositeAndClaim()
		return
	}
	if !observed.Exists(name) {
		response.ConditionFalse(rsp, cond, "Creating").WithMessage("the nested " + kind + " is not created yet").TargetCompositeAndClaim()
		return
	}
	msg := "the nested " + kind + " is not ready"
	if m := conditionMessage(observed, name, compose.ConditionResourcesReady); m != "" {
		msg += ": " + m
	}
	response.ConditionFalse(rsp, cond, "Creating").WithMessage(msg).TargetCompositeAndClaim()
}

// conditionMessage is the message of an observed resource's condition.
func conditionMessage(observed compose.Observed, name, typ string) string {
	oc, ok := observed[resource.Name(name)]
	if !ok || oc.Resource == nil {
		return ""
	}
	status, _ := oc.Resource.Object["status"].(map[string]any)
	conds, _ := status["conditions"].([]any)
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if t, _ := cm["type"].(string); t == typ {
			m, _ := cm["message"].(string)
			return m
		}
	}
	return ""
}
