package main

// Starting the server under test (and the bare SSE server) as separate
// processes, watching their stderr, and reading their CPU time, memory and
// goroutines from outside.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// buildServer builds ./server into dir and returns the binary's path.
func buildServer(ctx context.Context, moduleRoot, dir string) (string, error) {
	bin := filepath.Join(dir, "messenger")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./server")
	cmd.Dir = moduleRoot
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./server: %w", err)
	}
	return bin, nil
}

// serverOptions are what differs between the server processes of a run.
type serverOptions struct {
	Bin         string
	DatabaseURL string
	Secret      string
	Bus         string // memory, postgres or nats://…
	Name        string // for progress and error messages
}

// process is a child process (the server or the bare SSE server) listening
// on URL; it fails the run clearly when it dies before Stop.
type process struct {
	Name string
	URL  string // http://127.0.0.1:PORT
	Addr string // 127.0.0.1:PORT
	cmd  *exec.Cmd

	mu       sync.Mutex
	tail     []string // last lines of stderr
	warnings int      // stderr lines at level WARN or ERROR
	firstBad []string // the first few of them
	stopping bool
	exited   chan struct{}
	// open counts the event streams the bench holds open on the process
	// (see openCounted).
	open atomic.Int64
	// refusals is messenger_refusals_total (all limits) read just before Stop.
	refusals float64
	exitErr  error
}

// benchEnv is the server's environment for a bench run: every limit that
// would refuse the bench's load raised or off, so that it measures speed and
// not refusals.
func benchEnv(o serverOptions) []string {
	env := []string{
		"DATABASE_URL=" + o.DatabaseURL,
		"MESSENGER_ADDR=127.0.0.1:0",
		"MESSENGER_SECRET=" + o.Secret,
		"MESSENGER_BUS=" + o.Bus,
		"MESSENGER_ENV=development",
		"MESSENGER_IDE=off",
		"MESSENGER_MESSAGE_RATE=off",
		"MESSENGER_MUTATION_RATE=off",
		"MESSENGER_AUTH_RATE_PER_ADDRESS=off",
		"MESSENGER_AUTH_RATE_PER_USERNAME=off",
		"MESSENGER_STREAMS_PER_USER=100000",
		// Two hashes at once on two cores (64 MiB each); a sign-up waits
		// for a slot instead of being refused.
		"MESSENGER_HASH_CONCURRENCY=2",
		"MESSENGER_HASH_WAIT=5m",
	}
	// PATH, HOME…, but none of the server's own settings, except the
	// profiler's address: `MESSENGER_DEBUG_ADDR=127.0.0.1:6060 make bench
	// BENCHFLAGS=-phases=mix` lets go tool pprof watch a phase's server (one
	// phase at a time: the cluster phase's two servers would share the port).
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MESSENGER_") && !strings.HasPrefix(kv, "DATABASE_URL=") || strings.HasPrefix(kv, "MESSENGER_DEBUG_ADDR=") {
			env = append(env, kv)
		}
	}
	return env
}

// startServer starts the server binary and returns once it listens.
func startServer(ctx context.Context, o serverOptions) (*process, error) {
	cmd := exec.Command(o.Bin)
	cmd.Env = benchEnv(o)
	return startProcess(ctx, o.Name, cmd)
}

// listeningRE finds the address in the server's "listening" log line (and in
// the bare SSE server's).
var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startProcess starts cmd, reads its stderr until it logs the address it
// listens on, and keeps reading it (so that the child never blocks on a full
// pipe) while counting warnings and errors.
func startProcess(ctx context.Context, name string, cmd *exec.Cmd) (*process, error) {
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = io.Discard
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &process{Name: name, cmd: cmd, exited: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 4096), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if !sent {
				if m := listeningRE.FindStringSubmatch(line); m != nil {
					addr <- m[1]
					sent = true
				}
			}
			p.record(line)
		}
		err := cmd.Wait()
		p.mu.Lock()
		p.exitErr = err
		stopping := p.stopping
		p.mu.Unlock()
		close(p.exited)
		if !stopping {
			logf("FATAL: %s exited unexpectedly (%v); last stderr lines:\n%s", name, err, p.Tail())
		}
	}()
	select {
	case a := <-addr:
		p.Addr = a
		p.URL = "http://" + a
	case <-p.exited:
		return nil, fmt.Errorf("%s exited before listening (%v):\n%s", name, p.exitErr, p.Tail())
	case <-time.After(60 * time.Second):
		p.Stop()
		return nil, fmt.Errorf("%s did not listen within 60s:\n%s", name, p.Tail())
	case <-ctx.Done():
		p.Stop()
		return nil, ctx.Err()
	}
	return p, nil
}

// record keeps line in the tail and counts it if it is a warning or error.
func (p *process) record(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.tail) >= 30 {
		p.tail = p.tail[1:]
	}
	p.tail = append(p.tail, line)
	if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") || strings.Contains(line, "panic") {
		p.warnings++
		if len(p.firstBad) < 5 {
			p.firstBad = append(p.firstBad, truncate(line, 300))
		}
	}
}

// Tail returns the last lines the process wrote to stderr.
func (p *process) Tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// Warnings returns how many WARN/ERROR lines the process logged, and the first few.
func (p *process) Warnings() (int, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.warnings, append([]string(nil), p.firstBad...)
}

// Refusals returns the refusals the process counted (read at Stop).
func (p *process) Refusals() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refusals
}

// Alive returns an error when the process has exited.
func (p *process) Alive() error {
	select {
	case <-p.exited:
		return fmt.Errorf("%s died (%v); last stderr lines:\n%s", p.Name, p.exitErr, p.Tail())
	default:
		return nil
	}
}

// Stop ends the process with SIGTERM (SIGKILL after 10 s) and waits for
// it, having read its refusals count first.
func (p *process) Stop() {
	if p.Alive() == nil && p.URL != "" {
		r := p.RefusalsTotal()
		p.mu.Lock()
		p.refusals = r
		p.mu.Unlock()
	}
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// Pid is the process id.
func (p *process) Pid() int { return p.cmd.Process.Pid }

// RSS returns the process's resident set size in bytes (VmRSS of /proc/PID/status).
func (p *process) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest) // "123456 kB"
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// clockTick is USER_HZ, the unit of /proc/PID/stat's times (100 on Linux).
const clockTick = 100

// CPU returns the process's CPU time so far, utime+stime of /proc/PID/stat.
func (p *process) CPU() (time.Duration, error) { return cpuOf(strconv.Itoa(p.Pid())) }

// selfCPU returns the bench's own CPU time so far.
func selfCPU() time.Duration {
	d, _ := cpuOf("self")
	return d
}

// cpuOf returns utime+stime of /proc/PID/stat.
func cpuOf(pid string) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name, field 2, may hold spaces: count from after ")".
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * time.Second / clockTick, nil
}

// FDs returns how many file descriptors the process holds.
func (p *process) FDs() int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.Pid()))
	return len(ents)
}

// Metrics reads the named gauges or counters (without labels) from the
// server's /metrics. The Prometheus text format is parsed by hand: a sample
// without labels is one "name value" line, which needs no parser library.
func (p *process) Metrics(names ...string) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/metrics", nil)
	res, err := apiHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if ok && want[name] {
			if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
				out[name] = v
			}
		}
	}
	return out, sc.Err()
}

// RefusalsTotal sums messenger_refusals_total over its labels.
func (p *process) RefusalsTotal() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/metrics", nil)
	res, err := apiHTTP.Do(req)
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	var sum float64
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "messenger_refusals_total{") {
			if i := strings.LastIndexByte(line, ' '); i > 0 {
				v, _ := strconv.ParseFloat(line[i+1:], 64)
				sum += v
			}
		}
	}
	return sum
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// dbCPU is a snapshot of the CPU time of the PostgreSQL backends serving
// the run's database (from pg_stat_activity and /proc/PID/stat: PostgreSQL
// runs on this machine), so that a run can show how much of the machine the
// database took. Backends that end between two snapshots are not counted;
// the servers keep theirs open (idle connections = open connections).
type dbCPU map[int]time.Duration

// snapshotDBCPU reads the CPU time of every backend connected to dbName.
func snapshotDBCPU(ctx context.Context, adminURL, dbName string) dbCPU {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = $1", dbName)
	if err != nil {
		return nil
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil
	}
	out := dbCPU{}
	for _, pid := range pids {
		if d, err := cpuOf(strconv.Itoa(int(pid))); err == nil {
			out[int(pid)] = d
		}
	}
	return out
}

// until returns the CPU time the backends of later used since s.
func (s dbCPU) until(later dbCPU) time.Duration {
	var d time.Duration
	for pid, t := range later {
		d += t - s[pid] // a backend new since s counts whole
	}
	return d
}
