// Package v1alpha1 holds the composite resource (XR) APIs of platform-functions,
// group infrastructure.devsecops, version v1alpha1.
//
// These Go types are the single source of truth for the XR schemas: the
// CompositeResourceDefinitions under package/ are generated from them
// (go generate ./apis/...) and the composition functions decode XRs into them.
//
// +kubebuilder:object:generate=true
// +groupName=infrastructure.devsecops
// +versionName=v1alpha1
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Group, Version and GroupVersion of the XR APIs.
const (
	Group   = "infrastructure.devsecops"
	Version = "v1alpha1"
)

// GroupVersion is the API group and version of every XR in this package.
var GroupVersion = schema.GroupVersion{Group: Group, Version: Version}
