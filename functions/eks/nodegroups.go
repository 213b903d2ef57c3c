package main

import (
	"strconv"
	"strings"

	ec2v1beta2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta2"
	eksv1beta2 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta2"

	"github.com/devsecops/platform-functions/apis/v1alpha1"
	"github.com/devsecops/platform-functions/internal/compose"
)

func nameLaunchTemplate(ng string) string { return "launch-template-" + ng }
func nameNodeGroup(ng string) string      { return "nodegroup-" + ng }

// nodeGroups composes, per node group, a launch template (IMDSv2 required with
// a hop limit of 1, encrypted gp3 root volume) and an EKS managed node group
// in the private subnets. A node group appears once its launch template's
// version is observed (EKS wants a version number), and keeps the version it
// was given if that observation is briefly missing.
func (s *spoke) nodeGroups(set *compose.Set, observed compose.Observed) {
	for _, ng := range s.p.NodeGroups {
		ltName := s.name + "-" + ng.Name
		set.Add(nameLaunchTemplate(ng.Name), s.launchTemplate(ng, ltName))

		version := ""
		if v, ok := observed.Integer(nameLaunchTemplate(ng.Name), "status.atProvider.latestVersion"); ok && v > 0 {
			version = strconv.FormatInt(v, 10)
		}
		version = compose.FirstOf(version, observed.String(nameNodeGroup(ng.Name), "spec.forProvider.launchTemplate.version"))
		if version == "" {
			s.wait(nameNodeGroup(ng.Name), "the version of "+nameLaunchTemplate(ng.Name))
			continue
		}
		set.Add(nameNodeGroup(ng.Name), s.nodeGroup(ng, ltName, version))
	}
}

func (s *spoke) launchTemplate(ng v1alpha1.NodeGroup, name string) *ec2v1beta2.LaunchTemplate {
	// Bottlerocket boots from a small OS volume; workloads use the data volume.
	device := "/dev/xvda"
	if strings.HasPrefix(ng.AMIType, "BOTTLEROCKET") {
		device = "/dev/xvdb"
	}
	nodeTags := s.awsTags(nameNodeGroup(ng.Name), nil)
	return &ec2v1beta2.LaunchTemplate{
		ObjectMeta: s.meta(nil),
		Spec: ec2v1beta2.LaunchTemplateSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: ec2v1beta2.LaunchTemplateParameters_2{
				Region:               &s.region,
				Name:                 &name,
				Description:          compose.Ptr("Nodes of node group " + ng.Name + " of EKS cluster " + s.name),
				UpdateDefaultVersion: compose.Ptr(true),
				MetadataOptions: &ec2v1beta2.LaunchTemplateMetadataOptionsParameters{
					HTTPEndpoint:            compose.Ptr("enabled"),
					HTTPTokens:              compose.Ptr("required"),
					HTTPPutResponseHopLimit: compose.Ptr(1.0),
				},
				BlockDeviceMappings: []ec2v1beta2.BlockDeviceMappingsParameters{{
					DeviceName: &device,
					EBS: &ec2v1beta2.EBSParameters{
						Encrypted:           compose.Ptr("true"),
						DeleteOnTermination: compose.Ptr("true"),
						VolumeSize:          compose.Ptr(float64(ng.DiskSizeGiB)),
						VolumeType:          compose.Ptr("gp3"),
					},
				}},
				TagSpecifications: []ec2v1beta2.TagSpecificationsParameters{
					{ResourceType: compose.Ptr("instance"), Tags: nodeTags},
					{ResourceType: compose.Ptr("volume"), Tags: nodeTags},
				},
				Tags: s.awsTags(nameLaunchTemplate(ng.Name), nil),
			},
		},
	}
}

func (s *spoke) nodeGroup(ng v1alpha1.NodeGroup, ltName, ltVersion string) *eksv1beta2.NodeGroup {
	types := make([]*string, 0, len(ng.InstanceTypes))
	for _, t := range ng.InstanceTypes {
		types = append(types, compose.Ptr(t))
	}
	var labels map[string]*string
	if len(ng.Labels) > 0 {
		labels = compose.Tags(ng.Labels)
	}
	var taints []eksv1beta2.TaintParameters
	for _, t := range ng.Taints {
		tp := eksv1beta2.TaintParameters{Key: compose.Ptr(t.Key), Effect: compose.Ptr(t.Effect)}
		if t.Value != "" {
			tp.Value = compose.Ptr(t.Value)
		}
		taints = append(taints, tp)
	}
	return &eksv1beta2.NodeGroup{
		ObjectMeta: s.metaNamed(ng.Name, nil),
		Spec: eksv1beta2.NodeGroupSpec{
			ResourceSpec: s.resourceSpec(),
			ForProvider: eksv1beta2.NodeGroupParameters{
				Region:              &s.region,
				ClusterNameSelector: compose.Select(nameCluster),
				NodeRoleArnSelector: compose.Select(nameNodeRole),
				SubnetIDSelector:    compose.SelectLabels(tierLabels(tierPrivate)),
				AMIType:             compose.Ptr(ng.AMIType),
				CapacityType:        compose.Ptr(ng.CapacityType),
				InstanceTypes:       types,
				Labels:              labels,
				Taint:               taints,
				LaunchTemplate: &eksv1beta2.LaunchTemplateParameters{
					Name:    &ltName,
					Version: &ltVersion,
				},
				// Min and max are the XR's; the desired size is only the
				// initial one (initProvider), so autoscalers own it later.
				ScalingConfig: &eksv1beta2.ScalingConfigParameters{
					MinSize: compose.Ptr(float64(*ng.MinSize)),
					MaxSize: compose.Ptr(float64(*ng.MaxSize)),
				},
				UpdateConfig: &eksv1beta2.UpdateConfigParameters{
					MaxUnavailablePercentage: compose.Ptr(33.0),
				},
				Tags: s.awsTags(nameNodeGroup(ng.Name), nil),
			},
			InitProvider: eksv1beta2.NodeGroupInitParameters{
				ScalingConfig: &eksv1beta2.ScalingConfigInitParameters{
					DesiredSize: compose.Ptr(float64(*ng.DesiredSize)),
				},
			},
		},
	}
}
