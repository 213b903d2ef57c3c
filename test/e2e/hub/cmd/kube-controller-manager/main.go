// Command kube-controller-manager is the controller manager of
// k8s.io/kubernetes (cmd/kube-controller-manager, same imports), built from
// the Go module proxy for the end-to-end hub. The hub runs only its garbage
// collector: Crossplane deletes an XR's composed resources through owner
// references, so without it nothing composed is ever deleted.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
