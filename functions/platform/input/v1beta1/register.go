package v1beta1

import "k8s.io/apimachinery/pkg/runtime/schema"

// SchemeGroupVersion is the group and version of the function input.
var SchemeGroupVersion = schema.GroupVersion{Group: "platform.fn.devsecops.io", Version: "v1beta1"}
