// Command loadgen measures every composition function of the repository and
// prints one table (make bench):
//
//   - in-process: BenchmarkRunFunction of each function (go test -bench, the
//     largest example with every composed resource observed), median ns/op,
//     B/op and allocs/op over -count runs;
//   - the floor: decoding the same RunFunctionRequest and encoding a response
//     of the same size (proto unmarshal + marshal, plus the structpb round
//     trip of every resource), and RunFunction as a multiple of it;
//   - over real gRPC on loopback: the function binary (stripped, static, the
//     flags of make build) started as a process with --insecure on a free
//     port, the same request sent sequentially (p50, p99) and by 1, 2, 4 and 8
//     concurrent callers for a fixed time (calls/s, p99), the process' peak
//     RSS (VmHWM), and cold start: process start to first served call.
//
// The requests come from each function's TestWriteBenchRequest (the request
// of its BenchmarkRunFunction, written as binary protobuf).
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/devsecops/platform-functions/internal/xpkg"
)

func main() {
	var (
		fns       = flag.String("functions", "", "comma-separated function names (default: every functions/*/main.go)")
		count     = flag.Int("count", 5, "go test -count of the in-process benchmarks; medians are reported")
		benchtime = flag.String("benchtime", "1s", "go test -benchtime of the in-process benchmarks")
		seqN      = flag.Int("seq", 2000, "at most this many sequential gRPC calls")
		seqMax    = flag.Duration("seq-time", 3*time.Second, "at most this long for the sequential gRPC calls")
		concTime  = flag.Duration("conc-time", 2*time.Second, "how long each concurrency level runs")
		colds     = flag.Int("cold", 5, "cold starts per function; the median is reported")
		keep      = flag.String("work", "", "work directory (kept); default a temporary one, removed")
	)
	flag.Parse()
	if err := run(*fns, *count, *benchtime, *seqN, *seqMax, *concTime, *colds, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// result is one function's row.
type result struct {
	name               string
	resources          int
	reqBytes, rspBytes int
	inproc             benchLine
	floorNs            float64
	seqP50, seqP99     time.Duration
	conc               map[int]concResult
	peakRSSKiB         int
	cold               time.Duration
	binBytes           int64
}

type concResult struct {
	rps float64
	p99 time.Duration
}

var levels = []int{1, 2, 4, 8}

func run(fnList string, count int, benchtime string, seqN int, seqMax, concTime time.Duration, colds int, work string) error {
	names, err := functionNames(fnList)
	if err != nil {
		return err
	}
	if work == "" {
		if work, err = os.MkdirTemp("", "loadgen-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	pkgs := make([]string, len(names))
	for i, n := range names {
		pkgs[i] = "./functions/" + n
	}

	step("writing the benchmark requests")
	env := append(os.Environ(), "BENCH_REQUEST_DIR="+work)
	if err := goCmd(env, nil, append([]string{"test", "-count=1", "-run", "^TestWriteBenchRequest$"}, pkgs...)...); err != nil {
		return err
	}
	step("building the function binaries (CGO_ENABLED=0 " + strings.Join(xpkg.GoBuildFlags, " ") + ")")
	for _, n := range names {
		args := append(append([]string{"build"}, xpkg.GoBuildFlags...), "-o", filepath.Join(work, "function-"+n), "./functions/"+n)
		if err := goCmd(append(os.Environ(), "CGO_ENABLED=0"), nil, args...); err != nil {
			return err
		}
	}
	step(fmt.Sprintf("in-process benchmarks (-count %d -benchtime %s)", count, benchtime))
	var out bytes.Buffer
	if err := goCmd(os.Environ(), &out, append([]string{"test", "-run", "^$", "-bench", "^BenchmarkRunFunction$", "-benchmem",
		"-count", strconv.Itoa(count), "-benchtime", benchtime}, pkgs...)...); err != nil {
		os.Stderr.Write(out.Bytes())
		return err
	}
	inproc := parseBench(out.String())

	var rows []result
	for _, n := range names {
		step("function-" + n + ": floor, cold start, gRPC load")
		r, err := measure(work, n, seqN, seqMax, concTime, colds)
		if err != nil {
			return fmt.Errorf("function-%s: %w", n, err)
		}
		r.inproc = inproc["functions/"+n]
		rows = append(rows, r)
	}
	printTable(rows, count)
	return nil
}

func step(s string) { fmt.Fprintln(os.Stderr, "==>", s) }

func functionNames(list string) ([]string, error) {
	if list != "" {
		return strings.Split(list, ","), nil
	}
	mains, err := filepath.Glob("functions/*/main.go")
	if err != nil || len(mains) == 0 {
		return nil, fmt.Errorf("no functions/*/main.go (run from the repository root): %v", err)
	}
	var names []string
	for _, m := range mains {
		names = append(names, filepath.Base(filepath.Dir(m)))
	}
	return names, nil
}

func goCmd(env []string, stdout *bytes.Buffer, args ...string) error {
	c := exec.Command("go", args...)
	c.Env = env
	c.Stderr = os.Stderr
	if stdout != nil {
		c.Stdout = stdout
	} else {
		c.Stdout = os.Stderr
	}
	if err := c.Run(); err != nil {
		return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// benchLine holds the medians of one benchmark's runs.
type benchLine struct{ ns, bytes, allocs float64 }

// parseBench reads go test -bench output: the medians per package (the
// package path after the module, e.g. functions/eks).
func parseBench(s string) map[string]benchLine {
	type samples struct{ ns, bytes, allocs []float64 }
	all := map[string]*samples{}
	pkg := ""
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "pkg:" {
			pkg = f[1]
			if i := strings.Index(pkg, "/functions/"); i >= 0 {
				pkg = pkg[i+1:]
			}
			continue
		}
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkRunFunction") {
			continue
		}
		sm := all[pkg]
		if sm == nil {
			sm = &samples{}
			all[pkg] = sm
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				sm.ns = append(sm.ns, v)
			case "B/op":
				sm.bytes = append(sm.bytes, v)
			case "allocs/op":
				sm.allocs = append(sm.allocs, v)
			}
		}
	}
	out := map[string]benchLine{}
	for p, sm := range all {
		out[p] = benchLine{median(sm.ns), median(sm.bytes), median(sm.allocs)}
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func measure(work, name string, seqN int, seqMax, concTime time.Duration, colds int) (result, error) {
	r := result{name: name, conc: map[int]concResult{}}
	bin := filepath.Join(work, "function-"+name)
	fi, err := os.Stat(bin)
	if err != nil {
		return r, err
	}
	r.binBytes = fi.Size()
	raw, err := os.ReadFile(filepath.Join(work, "function-"+name+".binpb"))
	if err != nil {
		return r, err
	}
	req := &fnv1.RunFunctionRequest{}
	if err := proto.Unmarshal(raw, req); err != nil {
		return r, err
	}
	r.reqBytes = len(raw)

	// Cold starts: process start to the first served call.
	var coldTimes []float64
	for range colds {
		p, err := start(bin)
		if err != nil {
			return r, err
		}
		rsp, err := p.call(req)
		p.stop()
		if err != nil {
			return r, err
		}
		coldTimes = append(coldTimes, float64(p.firstCall))
		r.rspBytes = proto.Size(rsp)
		r.resources = len(rsp.GetDesired().GetResources())
		for _, res := range rsp.GetResults() {
			if res.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
				return r, fmt.Errorf("the benchmark request is rejected: %s", res.GetMessage())
			}
		}
	}
	r.cold = time.Duration(median(coldTimes))

	// The floor, in this process: what any function pays for this request
	// and a response of this size.
	p, err := start(bin)
	if err != nil {
		return r, err
	}
	defer p.stop()
	rsp, err := p.call(req)
	if err != nil {
		return r, err
	}
	r.floorNs = floor(raw, rsp)

	// Warm up, then sequential calls.
	for range 50 {
		if _, err := p.call(req); err != nil {
			return r, err
		}
	}
	var seq []time.Duration
	deadline := time.Now().Add(seqMax)
	for len(seq) < seqN && time.Now().Before(deadline) {
		t := time.Now()
		if _, err := p.call(req); err != nil {
			return r, err
		}
		seq = append(seq, time.Since(t))
	}
	r.seqP50, r.seqP99 = percentile(seq, 50), percentile(seq, 99)

	// Concurrent callers on one connection (as Crossplane holds one per
	// function), each for concTime.
	for _, c := range levels {
		var (
			mu   sync.Mutex
			lats []time.Duration
			errs []error
			wg   sync.WaitGroup
		)
		t0 := time.Now()
		end := t0.Add(concTime)
		for range c {
			wg.Go(func() {
				var mine []time.Duration
				for time.Now().Before(end) {
					t := time.Now()
					if _, err := p.call(req); err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						return
					}
					mine = append(mine, time.Since(t))
				}
				mu.Lock()
				lats = append(lats, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			return r, errs[0]
		}
		r.conc[c] = concResult{rps: float64(len(lats)) / time.Since(t0).Seconds(), p99: percentile(lats, 99)}
	}
	r.peakRSSKiB = p.peakRSS()
	return r, nil
}

// floor is the time, in ns, of decoding the request and encoding the
// response: proto unmarshal of the request, every Struct of it to a Go map
// (what request.Get* does), every Struct of the response built from a Go map
// (what response.Set* does), and proto marshal of the response.
func floor(raw []byte, rsp *fnv1.RunFunctionResponse) float64 {
	var (
		composite map[string]any
		resources = map[string]map[string]any{}
		context   map[string]any
	)
	if c := rsp.GetDesired().GetComposite().GetResource(); c != nil {
		composite = c.AsMap()
	}
	for k, r := range rsp.GetDesired().GetResources() {
		resources[k] = r.GetResource().AsMap()
	}
	if c := rsp.GetContext(); c != nil {
		context = c.AsMap()
	}
	mustStruct := func(b *testing.B, m map[string]any) *structpb.Struct {
		s, err := structpb.NewStruct(m)
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	res := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			req := &fnv1.RunFunctionRequest{}
			if err := proto.Unmarshal(raw, req); err != nil {
				b.Fatal(err)
			}
			for _, s := range structsOf(req) {
				_ = s.AsMap()
			}
			out := &fnv1.RunFunctionResponse{Meta: rsp.GetMeta(), Results: rsp.GetResults(), Conditions: rsp.GetConditions(),
				Requirements: rsp.GetRequirements()}
			if d := rsp.GetDesired(); d != nil {
				out.Desired = &fnv1.State{Resources: make(map[string]*fnv1.Resource, len(d.GetResources()))}
				if c := d.GetComposite(); c != nil {
					out.Desired.Composite = &fnv1.Resource{Resource: mustStruct(b, composite), ConnectionDetails: c.GetConnectionDetails(), Ready: c.GetReady()}
				}
				for k, r := range d.GetResources() {
					out.Desired.Resources[k] = &fnv1.Resource{Resource: mustStruct(b, resources[k]), ConnectionDetails: r.GetConnectionDetails(), Ready: r.GetReady()}
				}
			}
			if context != nil {
				out.Context = mustStruct(b, context)
			}
			if _, err := proto.Marshal(out); err != nil {
				b.Fatal(err)
			}
		}
	})
	return float64(res.NsPerOp())
}

// structsOf returns the Structs of a request: composite and composed
// resources of observed and desired state, input, context.
func structsOf(m *fnv1.RunFunctionRequest) []*structpb.Struct {
	var out []*structpb.Struct
	state := func(s *fnv1.State) {
		if s == nil {
			return
		}
		if c := s.GetComposite().GetResource(); c != nil {
			out = append(out, c)
		}
		keys := make([]string, 0, len(s.GetResources()))
		for k := range s.GetResources() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if r := s.GetResources()[k].GetResource(); r != nil {
				out = append(out, r)
			}
		}
	}
	{
		t := m
		state(t.GetObserved())
		state(t.GetDesired())
		if t.GetInput() != nil {
			out = append(out, t.GetInput())
		}
		if t.GetContext() != nil {
			out = append(out, t.GetContext())
		}
	}
	return out
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = slices.Clone(d)
	slices.Sort(d)
	i := (len(d)*p + 99) / 100
	if i > 0 {
		i--
	}
	return d[min(i, len(d)-1)]
}

// proc is a function binary serving on a free loopback port.
type proc struct {
	cmd       *exec.Cmd
	conn      *grpc.ClientConn
	client    fnv1.FunctionRunnerServiceClient
	firstCall time.Duration
	started   time.Time
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start starts bin and waits until it accepts connections. The first
// call's latency from process start is recorded by call.
func start(bin string) (*proc, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	p := &proc{cmd: exec.Command(bin, "--insecure", "--address="+addr, "--metrics-address=")}
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Since(p.started) > 30*time.Second {
			p.stop()
			return nil, fmt.Errorf("%s does not listen on %s: %w", bin, addr, err)
		}
		time.Sleep(time.Millisecond)
	}
	p.conn, err = grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		p.stop()
		return nil, err
	}
	p.client = fnv1.NewFunctionRunnerServiceClient(p.conn)
	return p, nil
}

func (p *proc) call(req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rsp, err := p.client.RunFunction(ctx, req)
	if p.firstCall == 0 && err == nil {
		p.firstCall = time.Since(p.started)
	}
	return rsp, err
}

// peakRSS is the process' VmHWM in KiB.
func (p *proc) peakRSS() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

func (p *proc) stop() {
	if p.conn != nil {
		p.conn.Close()
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/1e6) }

func printTable(rows []result, count int) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"function", "res", "req KiB", "rsp KiB", "in-proc µs", "B/op", "allocs/op", "floor µs", "×floor",
		"seq p50 ms", "seq p99 ms", "p50 ×floor"}
	for _, c := range levels {
		head = append(head, fmt.Sprintf("c=%d call/s", c), fmt.Sprintf("c=%d p99 ms", c))
	}
	head = append(head, "peak RSS MiB", "cold ms", "binary MiB")
	fmt.Fprintln(w, strings.Join(head, "\t")+"\t")
	for _, r := range rows {
		ratio, seqRatio := "-", "-"
		if r.floorNs > 0 {
			ratio = fmt.Sprintf("%.1f", r.inproc.ns/r.floorNs)
			seqRatio = fmt.Sprintf("%.1f", float64(r.seqP50)/r.floorNs)
		}
		cols := []string{"function-" + r.name, strconv.Itoa(r.resources),
			fmt.Sprintf("%.1f", float64(r.reqBytes)/1024), fmt.Sprintf("%.1f", float64(r.rspBytes)/1024),
			fmt.Sprintf("%.0f", r.inproc.ns/1e3), fmt.Sprintf("%.0f", r.inproc.bytes), fmt.Sprintf("%.0f", r.inproc.allocs),
			fmt.Sprintf("%.0f", r.floorNs/1e3), ratio, ms(r.seqP50), ms(r.seqP99), seqRatio}
		for _, c := range levels {
			cols = append(cols, fmt.Sprintf("%.0f", r.conc[c].rps), ms(r.conc[c].p99))
		}
		cols = append(cols, fmt.Sprintf("%.1f", float64(r.peakRSSKiB)/1024), ms(r.cold),
			fmt.Sprintf("%.1f", float64(r.binBytes)/(1<<20)))
		fmt.Fprintln(w, strings.Join(cols, "\t")+"\t")
	}
	w.Flush()
	fmt.Printf("\nin-process: median of %d runs of BenchmarkRunFunction; floor: proto unmarshal of the request + structpb→map of its\n"+
		"resources + map→structpb of the response's resources + proto marshal of the response, measured in this process;\n"+
		"gRPC: loopback, insecure, one connection; cold: process start to first response (median of runs); binary: stripped static.\n", count)
}
