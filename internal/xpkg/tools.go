package xpkg

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Tools runs the go command and the crossplane CLI of the module: crank is
// the Go tool pinned in go.mod (`go tool crank`), resolved once to the
// binary in the Go build cache (`go tool -n crank`).
type Tools struct {
	// Root is the module root; commands run there.
	Root string
	// Go is the go command. Default: go from PATH, else $GOROOT/bin/go.
	Go string

	once  sync.Once
	crank string
	err   error
}

func (t *Tools) goBinary() string {
	if t.Go != "" {
		return t.Go
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if gr := os.Getenv("GOROOT"); gr != "" {
		return filepath.Join(gr, "bin", "go")
	}
	return "go"
}

// run runs a command in the module root with extra environment variables
// and returns its stdout; the error carries stderr.
func (t *Tools) run(ctx context.Context, env []string, bin string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.Root
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s %s: %w\n%s%s", filepath.Base(bin), strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes(), nil
}

// Crank returns the path of the crossplane CLI binary, building it with
// `go tool -n crank` the first time (cached by the go command afterwards).
func (t *Tools) Crank(ctx context.Context) (string, error) {
	t.once.Do(func() {
		out, err := t.run(ctx, nil, t.goBinary(), "tool", "-n", "crank")
		if err != nil {
			t.err = fmt.Errorf("cannot build the crossplane CLI (go tool crank): %w", err)
			return
		}
		t.crank = strings.TrimSpace(string(out))
	})
	return t.crank, t.err
}

// RunCrank runs the crossplane CLI.
func (t *Tools) RunCrank(ctx context.Context, args ...string) ([]byte, error) {
	crank, err := t.Crank(ctx)
	if err != nil {
		return nil, err
	}
	return t.run(ctx, nil, crank, args...)
}

// BuildFunction builds ./functions/<name> as a static linux/arch binary
// with GoBuildFlags into out.
func (t *Tools) BuildFunction(ctx context.Context, name, arch, out string) error {
	args := append([]string{"build"}, GoBuildFlags...)
	args = append(args, "-o", out, "./"+FunctionsDir+"/"+name)
	env := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + arch}
	_, err := t.run(ctx, env, t.goBinary(), args...)
	return err
}
