// Command function-aks is a Crossplane composition function that composes an
// Azure Kubernetes Service spoke cluster from an XAKSCluster.
package main

import (
	"github.com/alecthomas/kong"

	"github.com/devsecops/platform-functions/internal/server"
)

func main() {
	var cli server.CLI
	ctx := kong.Parse(&cli, kong.Name("function-aks"),
		kong.Description("A Crossplane composition function composing Azure Kubernetes Service spoke clusters."))
	ctx.FatalIfErrorf(cli.Run(func(l server.Logger) server.Function { return NewFunction(l) }))
}
