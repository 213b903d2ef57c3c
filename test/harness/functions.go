package harness

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Annotations that make `crank render` talk to an already running function.
const (
	// AnnotationRuntime selects how crank render runs a function.
	AnnotationRuntime = "render.crossplane.io/runtime"
	// AnnotationRuntimeTarget is the gRPC address of a Development function.
	AnnotationRuntimeTarget = "render.crossplane.io/runtime-development-target"
	// RuntimeDevelopment means the function is already running.
	RuntimeDevelopment = "Development"
)

const (
	functionStartTimeout     = 60 * time.Second
	functionStderrTailLength = 4096
)

// Function is a composition function running as a local process that serves
// plain gRPC on a loopback port.
type Function struct {
	// Name is the Crossplane name of the function, e.g. function-eks.
	Name string
	// Address is host:port of the gRPC server.
	Address string

	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	err    error // exit error; valid once done is closed
}

// Stderr returns everything the function wrote to stderr so far.
func (f *Function) Stderr() string { return f.stderr.String() }

// StderrTail returns the last few KiB the function wrote to stderr.
func (f *Function) StderrTail() string {
	s := f.stderr.String()
	if len(s) > functionStderrTailLength {
		s = "..." + s[len(s)-functionStderrTailLength:]
	}
	return s
}

// Running reports whether the process is still alive.
func (f *Function) Running() bool {
	select {
	case <-f.done:
		return false
	default:
		return true
	}
}

// Stop kills the process and waits for it to exit.
func (f *Function) Stop() error {
	if !f.Running() {
		return nil
	}
	_ = f.cmd.Process.Kill()
	select {
	case <-f.done:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("function %s did not exit", f.Name)
	}
	return nil
}

// StartFunction builds the function (once per harness) and starts it on a
// free loopback port with --insecure, waiting until the port accepts
// connections. Later calls return the running process.
func (h *Harness) StartFunction(name string) (*Function, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if f, ok := h.functions[name]; ok {
		if f.Running() {
			return f, nil
		}
		return nil, fmt.Errorf("function %s exited: %v\n%s", name, f.err, f.StderrTail())
	}
	pkg, ok := h.opts.Functions[name]
	if !ok {
		return nil, fmt.Errorf("no Go package for function %q: the repository has no functions/%s/main.go", name, trimFunctionPrefix(name))
	}
	if h.tmp == "" {
		return nil, errors.New("harness is closed")
	}
	bin := filepath.Join(h.tmp, "bin", name)
	if _, err := h.goCmd("build", "-o", bin, pkg); err != nil {
		return nil, fmt.Errorf("cannot build %s: %w", name, err)
	}
	f, err := startFunction(name, bin, h.opts.FunctionArgs, h.opts.Debug)
	if err != nil {
		return nil, err
	}
	h.functions[name] = f
	return f, nil
}

func trimFunctionPrefix(name string) string {
	if len(name) > len("function-") && name[:len("function-")] == "function-" {
		return name[len("function-"):]
	}
	return name
}

func startFunction(name, bin string, extra []string, debug bool) (*Function, error) {
	var lastErr error
	// A free port can be taken between probing and listening: retry.
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		args := append([]string{"--insecure", "--address=" + addr}, extra...)
		if debug {
			args = append(args, "--debug")
		}
		f := &Function{Name: name, Address: addr, stderr: &syncBuffer{}, done: make(chan struct{})}
		f.cmd = exec.Command(bin, args...)
		f.cmd.Stdout = f.stderr
		f.cmd.Stderr = f.stderr
		f.cmd.SysProcAttr = childProcAttr()
		if err := f.cmd.Start(); err != nil {
			return nil, fmt.Errorf("cannot start %s: %w", name, err)
		}
		go func() {
			f.err = f.cmd.Wait()
			close(f.done)
		}()
		if err := f.waitReady(functionStartTimeout); err != nil {
			_ = f.Stop()
			lastErr = err
			continue
		}
		return f, nil
	}
	return nil, lastErr
}

func (f *Function) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-f.done:
			return fmt.Errorf("function %s exited before serving: %v\n%s", f.Name, f.err, f.StderrTail())
		default:
		}
		c, err := net.DialTimeout("tcp", f.Address, time.Second)
		if err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("function %s did not listen on %s within %s\n%s", f.Name, f.Address, timeout, f.StderrTail())
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FunctionsFile starts the named functions and writes a YAML file of
// pkg.crossplane.io/v1 Function objects that point `crank render` at them.
func (h *Harness) FunctionsFile(names ...string) (string, error) {
	names = append([]string(nil), names...)
	sort.Strings(names)
	var objs []*Object
	for _, n := range names {
		f, err := h.StartFunction(n)
		if err != nil {
			return "", err
		}
		o := &Object{}
		o.SetAPIVersion("pkg.crossplane.io/v1")
		o.SetKind("Function")
		o.SetName(n)
		o.SetAnnotations(map[string]string{
			AnnotationRuntime:       RuntimeDevelopment,
			AnnotationRuntimeTarget: f.Address,
		})
		o.Object["spec"] = map[string]any{"package": "xpkg.crossplane.io/devsecops/" + n + ":v0.0.0-dev"}
		objs = append(objs, o)
	}
	dir, err := h.TempDir("functions")
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "functions.yaml")
	return p, WriteYAML(p, objs)
}

// functionStderr returns the stderr tails of the named running functions,
// for error messages.
func (h *Harness) functionStderr(names []string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b bytes.Buffer
	for _, n := range names {
		if f, ok := h.functions[n]; ok {
			if s := f.StderrTail(); s != "" {
				fmt.Fprintf(&b, "--- %s stderr ---\n%s\n", n, s)
			}
		}
	}
	return b.String()
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
