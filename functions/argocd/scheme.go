package main

import (
	"github.com/crossplane/function-sdk-go/resource/composed"
	corev1 "k8s.io/api/core/v1"
)

// function-argocd composes only core Secrets.
func init() {
	if err := corev1.AddToScheme(composed.Scheme); err != nil {
		panic(err)
	}
}
