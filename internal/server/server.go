// Package server holds the command line every function of the project shares:
// the flags the Crossplane function specification asks for and the gRPC
// serving through function-sdk-go.
package server

import (
	// Trusted roots inside the binary: the runtime images of make xpkg hold
	// only /function (no CA bundle), so a function calling an HTTPS API
	// (Tailscale, Azure) verifies servers with these. Go uses them only
	// when the system has no roots of its own.
	_ "golang.org/x/crypto/x509roots/fallback"

	function "github.com/crossplane/function-sdk-go"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// Logger is the structured logger functions receive.
type Logger = logging.Logger

// Function is a composition function's gRPC service.
type Function = fnv1.FunctionRunnerServiceServer

// CLI is the command line of every function. In a cluster, Crossplane starts
// the image with no arguments and TLS_SERVER_CERTS_DIR set, so the defaults
// serve mTLS on :9443.
type CLI struct {
	Debug              bool   `short:"d" help:"Emit debug logs in addition to info logs."`
	Network            string `help:"Network on which to listen for gRPC connections." default:"tcp"`
	Address            string `help:"Address at which to listen for gRPC connections." default:":9443"`
	TLSCertsDir        string `help:"Directory containing server certs (tls.key, tls.crt) and the CA used to verify client certificates (ca.crt)" env:"TLS_SERVER_CERTS_DIR"`
	Insecure           bool   `help:"Run without mTLS credentials. Never in a cluster; for crossplane render and tests."`
	MaxRecvMessageSize int    `help:"Maximum size of received messages in MB." default:"4"`
	MetricsAddress     string `help:"Address of the Prometheus metrics server; empty disables it." default:":8080"`
}

// Run builds the function with a logger and serves it until the server fails.
func (c *CLI) Run(newFn func(Logger) Function) error {
	log, err := function.NewLogger(c.Debug)
	if err != nil {
		return err
	}
	return function.Serve(newFn(log),
		function.Listen(c.Network, c.Address),
		function.MTLSCertificates(c.TLSCertsDir),
		function.Insecure(c.Insecure),
		function.MaxRecvMessageSize(c.MaxRecvMessageSize*1024*1024),
		function.WithMetricsServer(c.MetricsAddress),
	)
}
