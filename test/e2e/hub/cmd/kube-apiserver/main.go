// Command kube-apiserver is the Kubernetes API server of k8s.io/kubernetes
// (cmd/kube-apiserver, same imports), built from the Go module proxy for the
// end-to-end hub: there is no kube-apiserver binary on the test machines.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
