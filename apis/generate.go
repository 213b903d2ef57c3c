// Package apis lists what go generate ./apis/... produces from the API Go
// types. The types themselves live in the version packages (v1alpha1).
//
// go generate ./apis/... runs go run ../internal/xrdgen/cmd, which for
// Generation:
//
//   - writes zz_generated.deepcopy.go next to the types of every DeepCopy
//     package (go tool controller-gen object),
//   - writes the function input CRDs the function packages ship
//     (go tool controller-gen crd),
//   - generates the XR CRDs into a temporary directory (go tool
//     controller-gen crd) and converts each into a Crossplane
//     CompositeResourceDefinition under package/xrds and an API reference
//     under docs/api.
//
// TestGeneratedFilesUpToDate runs the same steps into a temporary directory
// and fails when a committed file differs.
package apis

import "github.com/devsecops/platform-functions/internal/xrdgen"

//go:generate go run ../internal/xrdgen/cmd

// GenerateCommand is how to regenerate every generated file.
const GenerateCommand = "go generate ./apis/..."

// Generation lists every generated file's source. Add new XRs (XPlatform) to XRs.
var Generation = xrdgen.Config{
	Command: GenerateCommand,
	DeepCopy: []string{
		"apis/v1alpha1",
		"functions/eks/input/v1beta1",
		"functions/aks/input/v1beta1",
		"functions/argocd/input/v1beta1",
		"functions/tailscale/input/v1beta1",
		"functions/platform/input/v1beta1",
	},
	CRDs: []xrdgen.CRDs{
		{Paths: "./functions/eks/input/...", Dir: "functions/eks/package/input"},
		{Paths: "./functions/argocd/input/...", Dir: "functions/argocd/package/input"},
		{Paths: "./functions/aks/input/...", Dir: "functions/aks/package/input"},
		{Paths: "./functions/tailscale/input/...", Dir: "functions/tailscale/package/input"},
		{Paths: "./functions/platform/input/...", Dir: "functions/platform/package/input"},
	},
	XRPaths: []string{"./apis/v1alpha1/..."},
	XRDDir:  "package/xrds",
	DocDir:  "docs/api",
	XRs: []xrdgen.XR{
		{
			Group:       "infrastructure.devsecops",
			Kind:        "XEKSCluster",
			Plural:      "xeksclusters",
			ClaimKind:   "EKSCluster",
			ClaimPlural: "eksclusters",
			Scope:       xrdgen.ScopeLegacyCluster,
		},
		{
			Group:       "infrastructure.devsecops",
			Kind:        "XAKSCluster",
			Plural:      "xaksclusters",
			ClaimKind:   "AKSCluster",
			ClaimPlural: "aksclusters",
			Scope:       xrdgen.ScopeLegacyCluster,
		},
		{
			Group:       "infrastructure.devsecops",
			Kind:        "XPlatform",
			Plural:      "xplatforms",
			ClaimKind:   "Platform",
			ClaimPlural: "platforms",
			Scope:       xrdgen.ScopeLegacyCluster,
		},
	},
}
