// Command function-platform is a Crossplane composition function that
// composes the whole multi-cloud platform from an XPlatform: nested
// XEKSCluster and XAKSCluster composites and Backstage's PostgreSQL on RDS.
package main

import (
	"github.com/alecthomas/kong"

	"github.com/devsecops/platform-functions/internal/server"
)

func main() {
	var cli server.CLI
	ctx := kong.Parse(&cli, kong.Name("function-platform"),
		kong.Description("A Crossplane composition function composing the multi-cloud platform (EKS, AKS, Backstage's RDS PostgreSQL)."))
	ctx.FatalIfErrorf(cli.Run(func(l server.Logger) server.Function { return NewFunction(l) }))
}
