// Package e2e proves the project on a real hub, offline: a kube-apiserver
// and etcd built from the Go module proxy (module test/e2e/hub), the
// kube-controller-manager's garbage collector, and Crossplane core built
// from the crossplane module go.mod pins, all as local processes on
// loopback. The test installs the providers' CRDs from the provider
// modules, pushes the project's packages (built as `make xpkg` builds them)
// to an in-process OCI registry, installs the Functions and the
// Configuration from there, runs each function binary taken from its
// package with the TLS material Crossplane issued for it, applies the
// roadmap's EKSCluster claim, plays the AWS provider by patching simulated
// status onto the managed resources, and deletes the claim.
//
//	make e2e    # PLATFORM_E2E=1 go test ./test/e2e/ -v
//
// Without PLATFORM_E2E the test skips: it builds a control plane and needs a
// private mount namespace for the hub's hosts file (root, or unprivileged
// user namespaces; CheckNamespaces says which is missing).
package e2e
