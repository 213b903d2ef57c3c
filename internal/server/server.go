// Package server holds the command line every function of the project shares:
// the flags the Crossplane function specification asks for, and a gRPC server
// that serves like function-sdk-go's Serve (mTLS by default, reflection, the
// v1 and v1beta1 services, health, Prometheus metrics) and in addition drains
// in-flight calls on SIGTERM, as a Deployment rollout expects.
package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	// Trusted roots inside the binary: the runtime images of make xpkg hold
	// only /function (no CA bundle), so a function calling an HTTPS API
	// (Tailscale, Azure) verifies servers with these. Go uses them only
	// when the system has no roots of its own.
	_ "golang.org/x/crypto/x509roots/fallback"

	function "github.com/crossplane/function-sdk-go"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	fnv1beta1 "github.com/crossplane/function-sdk-go/proto/v1beta1"
	grpcprometheus "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthgrpc "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
)

// Logger is the structured logger functions receive.
type Logger = logging.Logger

// Function is a composition function's gRPC service.
type Function = fnv1.FunctionRunnerServiceServer

// CLI is the command line of every function. In a cluster, Crossplane starts
// the image with no arguments and TLS_SERVER_CERTS_DIR set, so the defaults
// serve mTLS on :9443.
type CLI struct {
	Debug              bool          `short:"d" help:"Emit debug logs in addition to info logs."`
	Network            string        `help:"Network on which to listen for gRPC connections." default:"tcp"`
	Address            string        `help:"Address at which to listen for gRPC connections." default:":9443"`
	TLSCertsDir        string        `help:"Directory containing server certs (tls.key, tls.crt) and the CA used to verify client certificates (ca.crt)" env:"TLS_SERVER_CERTS_DIR"`
	Insecure           bool          `help:"Run without mTLS credentials. Never in a cluster; for crossplane render and tests."`
	MaxRecvMessageSize int           `help:"Maximum size of received messages in MB." default:"4"`
	MetricsAddress     string        `help:"Address of the Prometheus metrics server; empty disables it." default:":8080"`
	DrainTimeout       time.Duration `help:"How long SIGTERM waits for in-flight calls before stopping hard." default:"30s"`
}

// Run builds the function with a logger and serves it until SIGTERM or
// SIGINT, then drains in-flight calls.
func (c *CLI) Run(newFn func(Logger) Function) error {
	log, err := function.NewLogger(c.Debug)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return c.Serve(ctx, log, newFn(log))
}

// Credentials are the server's transport credentials: insecure only when
// asked for, else mTLS from TLSCertsDir requiring client certificates signed
// by its ca.crt.
func (c *CLI) Credentials() (credentials.TransportCredentials, error) {
	if c.Insecure {
		return insecure.NewCredentials(), nil
	}
	if c.TLSCertsDir == "" {
		return nil, errors.New("no TLS certificates: set --tls-certs-dir (Crossplane sets TLS_SERVER_CERTS_DIR), or --insecure for local runs such as crossplane render")
	}
	crt, err := tls.LoadX509KeyPair(filepath.Join(c.TLSCertsDir, "tls.crt"), filepath.Join(c.TLSCertsDir, "tls.key"))
	if err != nil {
		return nil, fmt.Errorf("cannot load the TLS key pair from %s: %w", c.TLSCertsDir, err)
	}
	ca, err := os.ReadFile(filepath.Join(c.TLSCertsDir, "ca.crt")) //nolint:gosec // The directory is the operator's.
	if err != nil {
		return nil, fmt.Errorf("cannot read the client CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("%s holds no PEM certificate", filepath.Join(c.TLSCertsDir, "ca.crt"))
	}
	return credentials.NewTLS(&tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{crt},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	}), nil
}

// Serve serves fn until ctx is done, then stops accepting calls, waits up to
// DrainTimeout for in-flight ones and returns.
func (c *CLI) Serve(ctx context.Context, log Logger, fn Function) error {
	creds, err := c.Credentials()
	if err != nil {
		return err
	}
	lis, err := (&net.ListenConfig{}).Listen(ctx, c.Network, c.Address)
	if err != nil {
		return fmt.Errorf("cannot listen for %s connections at %q: %w", c.Network, c.Address, err)
	}
	return c.serve(ctx, log, fn, creds, lis)
}

func (c *CLI) serve(ctx context.Context, log Logger, fn Function, creds credentials.TransportCredentials, lis net.Listener) error {
	opts := []grpc.ServerOption{grpc.MaxRecvMsgSize(c.MaxRecvMessageSize * 1024 * 1024), grpc.Creds(creds)}
	var metrics *grpcprometheus.ServerMetrics
	if c.MetricsAddress != "" {
		metrics = grpcprometheus.NewServerMetrics()
		opts = append(opts, grpc.ChainUnaryInterceptor(metrics.UnaryServerInterceptor()))
	}
	srv := grpc.NewServer(opts...)
	reflection.Register(srv)
	fnv1.RegisterFunctionRunnerServiceServer(srv, fn)
	fnv1beta1.RegisterFunctionRunnerServiceServer(srv, function.ServeBeta(fn))
	hs := health.NewServer()
	healthgrpc.RegisterHealthServer(srv, hs)

	if metrics != nil {
		reg := prometheus.NewRegistry()
		reg.MustRegister(metrics)
		metrics.InitializeMetrics(srv)
		ms := &http.Server{Addr: c.MetricsAddress, Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 30 * time.Second}
		go func() { _ = ms.ListenAndServe() }() //nolint:errcheck // Metrics are best effort, as in function-sdk-go.
		defer ms.Close()                        //nolint:errcheck // Closing on the way out.
	}

	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		log.Info("Draining in-flight calls before stopping", "timeout", c.DrainTimeout.String())
		hs.Shutdown()
		done := make(chan struct{})
		go func() { srv.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-time.After(c.DrainTimeout):
			log.Info("Drain timeout reached; stopping")
			srv.Stop()
		}
	}()
	if err := srv.Serve(lis); err != nil {
		return fmt.Errorf("cannot serve gRPC: %w", err)
	}
	<-stopped
	return nil
}
