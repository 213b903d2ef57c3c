// Command function-tailscale is a Crossplane composition function that mints,
// rotates and delivers the Tailscale auth key of a spoke cluster.
package main

import (
	"github.com/alecthomas/kong"

	"github.com/devsecops/platform-functions/internal/server"
)

func main() {
	var cli server.CLI
	ctx := kong.Parse(&cli, kong.Name("function-tailscale"),
		kong.Description("A Crossplane composition function minting, rotating and delivering Tailscale auth keys of spoke clusters."))
	ctx.FatalIfErrorf(cli.Run(func(l server.Logger) server.Function { return NewFunction(l) }))
}
