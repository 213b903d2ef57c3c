package server

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestTrustedRootsWithoutCABundle runs this test binary again where the
// system has no CA bundle, as in the functions' runtime images (only
// /function), and expects trusted roots all the same: the fallback roots
// compiled into every function through this package.
func TestTrustedRootsWithoutCABundle(t *testing.T) {
	if os.Getenv("SERVER_TEST_NO_CA_BUNDLE") == "1" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			t.Fatalf("no system cert pool: %v", err)
		}
		//nolint:staticcheck // Subjects is enough to count the roots.
		if n := len(pool.Subjects()); n < 100 {
			t.Fatalf("%d trusted roots without a CA bundle, want the fallback roots", n)
		}
		return
	}
	empty := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTrustedRootsWithoutCABundle$")
	cmd.Env = append(os.Environ(),
		"SERVER_TEST_NO_CA_BUNDLE=1",
		"SSL_CERT_FILE="+filepath.Join(empty, "none.pem"),
		"SSL_CERT_DIR="+empty,
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
