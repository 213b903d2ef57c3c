package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

// echo answers every call with the request's tag, after delay.
type echo struct {
	fnv1.UnimplementedFunctionRunnerServiceServer
	delay   time.Duration
	started chan struct{}
}

func (e *echo) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	if e.started != nil {
		close(e.started)
	}
	time.Sleep(e.delay)
	return &fnv1.RunFunctionResponse{Meta: &fnv1.ResponseMeta{Tag: req.GetMeta().GetTag()}}, nil
}

// start serves fn with c on a free loopback port and returns its address,
// the cancel that triggers the drain, and a channel with Serve's result.
func start(t *testing.T, c *CLI, fn Function) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	creds, err := c.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.serve(ctx, logging.NewNopLogger(), fn, creds, lis) }()
	t.Cleanup(cancel)
	return lis.Addr().String(), cancel, done
}

func call(addr string, creds credentials.TransportCredentials, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, err
	}
	defer conn.Close() //nolint:errcheck // Test client.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return fnv1.NewFunctionRunnerServiceClient(conn).RunFunction(ctx, req)
}

func TestNoCertificatesIsAnError(t *testing.T) {
	_, err := (&CLI{}).Credentials()
	if err == nil || !strings.Contains(err.Error(), "--tls-certs-dir") || !strings.Contains(err.Error(), "--insecure") {
		t.Fatalf("without certs and without --insecure: %v, want an error naming both flags", err)
	}
}

// pki writes a CA, a server certificate for 127.0.0.1 and a client
// certificate into dir, as Crossplane lays them out.
func pki(t *testing.T, dir string) (client tls.Certificate, roots *x509.CertPool) {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := newKey()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		k := newKey()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	pemOf := func(typ string, b []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}) }
	keyPEM := func(k *ecdsa.PrivateKey) []byte {
		b, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pemOf("EC PRIVATE KEY", b)
	}
	srvDER, srvKey := issue(2, x509.ExtKeyUsageServerAuth)
	cliDER, cliKey := issue(3, x509.ExtKeyUsageClientAuth)
	for name, b := range map[string][]byte{"ca.crt": pemOf("CERTIFICATE", caDER), "tls.crt": pemOf("CERTIFICATE", srvDER), "tls.key": keyPEM(srvKey)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	client, err = tls.X509KeyPair(pemOf("CERTIFICATE", cliDER), keyPEM(cliKey))
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(caCert)
	return client, roots
}

// TestMTLSByDefault: with certificates the server requires a client
// certificate signed by its CA.
func TestMTLSByDefault(t *testing.T) {
	dir := t.TempDir()
	client, roots := pki(t, dir)
	addr, _, _ := start(t, &CLI{TLSCertsDir: dir, MaxRecvMessageSize: 4}, &echo{})
	req := &fnv1.RunFunctionRequest{Meta: &fnv1.RequestMeta{Tag: "mtls"}}

	if _, err := call(addr, credentials.NewTLS(&tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}), req); err == nil {
		t.Errorf("a client without a certificate was served")
	}
	if _, err := call(addr, insecure.NewCredentials(), req); err == nil {
		t.Errorf("a plaintext client was served")
	}
	rsp, err := call(addr, credentials.NewTLS(&tls.Config{RootCAs: roots, Certificates: []tls.Certificate{client}, MinVersion: tls.VersionTLS12}), req)
	if err != nil || rsp.GetMeta().GetTag() != "mtls" {
		t.Errorf("a client with a certificate signed by the CA: %v, %v", rsp, err)
	}
}

// TestDrainsInFlightCalls: on shutdown an in-flight call completes, new
// calls are refused and Serve returns without error.
func TestDrainsInFlightCalls(t *testing.T) {
	fn := &echo{delay: 500 * time.Millisecond, started: make(chan struct{})}
	addr, shutdown, done := start(t, &CLI{Insecure: true, MaxRecvMessageSize: 4, DrainTimeout: 10 * time.Second}, fn)

	inflight := make(chan error, 1)
	go func() {
		rsp, err := call(addr, insecure.NewCredentials(), &fnv1.RunFunctionRequest{Meta: &fnv1.RequestMeta{Tag: "slow"}})
		if err == nil && rsp.GetMeta().GetTag() != "slow" {
			err = status.Error(codes.Internal, "wrong response")
		}
		inflight <- err
	}()
	<-fn.started
	shutdown()

	if err := <-inflight; err != nil {
		t.Errorf("the in-flight call failed during the drain: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve returned %v after a drain, want nil", err)
	}
	if _, err := call(addr, insecure.NewCredentials(), &fnv1.RunFunctionRequest{}); err == nil {
		t.Errorf("a call after the drain was served")
	}
}

// TestMaxRecvMessageSize: a request over the limit is refused with
// ResourceExhausted, one under it is served.
func TestMaxRecvMessageSize(t *testing.T) {
	addr, _, _ := start(t, &CLI{Insecure: true, MaxRecvMessageSize: 1}, &echo{})
	big := &fnv1.RunFunctionRequest{Meta: &fnv1.RequestMeta{Tag: "big"}, Input: &structpb.Struct{Fields: map[string]*structpb.Value{
		"blob": structpb.NewStringValue(strings.Repeat("x", 2*1024*1024)),
	}}}
	if _, err := call(addr, insecure.NewCredentials(), big); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("a 2 MiB request with a 1 MiB limit: %v, want ResourceExhausted", err)
	}
	small := &fnv1.RunFunctionRequest{Meta: &fnv1.RequestMeta{Tag: "small"}}
	if rsp, err := call(addr, insecure.NewCredentials(), small); err != nil || rsp.GetMeta().GetTag() != "small" {
		t.Errorf("a small request: %v, %v", rsp, err)
	}
}
