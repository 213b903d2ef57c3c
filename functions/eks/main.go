// Command function-eks is a Crossplane composition function that composes an
// Amazon EKS spoke cluster from an XEKSCluster.
package main

import (
	"github.com/alecthomas/kong"

	"github.com/devsecops/platform-functions/internal/server"
)

func main() {
	var cli server.CLI
	ctx := kong.Parse(&cli, kong.Name("function-eks"),
		kong.Description("A Crossplane composition function composing Amazon EKS spoke clusters."))
	ctx.FatalIfErrorf(cli.Run(func(l server.Logger) server.Function { return NewFunction(l) }))
}
