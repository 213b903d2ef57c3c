// Command function-argocd is a Crossplane composition function that registers
// the spoke cluster composed earlier in the pipeline in the hub's Argo CD.
package main

import (
	"github.com/alecthomas/kong"

	"github.com/devsecops/platform-functions/internal/server"
)

func main() {
	var cli server.CLI
	ctx := kong.Parse(&cli, kong.Name("function-argocd"),
		kong.Description("A Crossplane composition function registering spoke clusters in Argo CD."))
	ctx.FatalIfErrorf(cli.Run(func(l server.Logger) server.Function { return NewFunction(l) }))
}
