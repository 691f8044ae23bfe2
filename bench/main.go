// Command bench is the messenger's load tool (`make bench`): it starts the
// real server as a separate process against a fresh PostgreSQL database,
// drives it over HTTP and Server-Sent Events through the phases write,
// delivery, mix, idle, fanout and cluster, measures every figure beside its
// baseline from the same run (the same writes run directly on the database,
// a bare net/http SSE server), prints one markdown table on stdout and
// writes results.json and report.html (inline SVG charts) to -out.
//
// Progress goes to stderr. The database messenger_bench_<pid>_<time> is
// created at the start and dropped at the end (unless -keep-db).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// base is the bench's start; every time recorded is a monotonic offset from it.
var base = time.Now()

// since returns the monotonic time since the bench started.
func since() time.Duration { return time.Since(base) }

// logOut is where progress lines go (stderr).
var logOut io.Writer = os.Stderr

// logf prints one progress line with the time since the start.
func logf(format string, args ...any) {
	fmt.Fprintf(logOut, "[%6.1fs] %s\n", since().Seconds(), fmt.Sprintf(format, args...))
}

// allPhases are the phases in the order they run.
var allPhases = []string{"write", "delivery", "mix", "idle", "fanout", "cluster"}

// config is what the flags set.
type config struct {
	Phases    []string
	Quick     bool
	ServerBin string
	PG        string // an admin URL of the PostgreSQL server (its database is only used to create the run's)
	NATS      string
	Out       string
	KeepDB    bool
	// FreshUsers signs the users up again instead of cloning the template
	// database that an earlier run left (see setup.go).
	FreshUsers bool
	// Rerender names a results.json to render again instead of running;
	// Compare an earlier one to show beside it.
	Rerender string `json:"-"`
	Compare  string `json:"-"`
	// NoTemplate neither clones nor saves a template (the test's runs).
	NoTemplate bool

	Users            int
	WriteConcurrency []int
	WriteDuration    time.Duration
	DeliveryStreams  []int
	DeliveryRates    []float64
	DeliveryDuration time.Duration
	DeliveryActive   int // users that hold one stream each and send in the delivery phase (see deliveryOwners)
	DrainQuiet       time.Duration
	MaxBacklog       time.Duration // an open-loop schedule stops with more than this much of it in flight
	MixStreams       int
	MixRate          float64
	MixDuration      time.Duration
	IdleCounts       []int
	IdleSettle       time.Duration
	FanoutSizes      []int
	FanoutIdle       []int
	FanoutEvents     float64
	FanoutMaxRate    float64 // msgs/s in one conversation at most
	FanoutDuration   time.Duration
	FanoutIdleWindow time.Duration // how long the server's idle CPU is measured before each fan-out run
	ClusterBuses     []string
	ClusterStreams   int
	ClusterRate      float64
}

// defaultConfig is the full run (about 6–8 minutes on 2 cores).
func defaultConfig() config {
	return config{
		Phases:           allPhases,
		PG:               "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		NATS:             "nats://127.0.0.1:4222",
		Out:              "bench/out",
		Users:            1536,
		WriteConcurrency: []int{1, 8, 32, 64},
		WriteDuration:    5 * time.Second,
		DeliveryStreams:  []int{1000, 8000},
		DeliveryRates:    []float64{100, 1000},
		DeliveryDuration: 5 * time.Second,
		DeliveryActive:   1000,
		DrainQuiet:       5 * time.Second,
		MaxBacklog:       3 * time.Second,
		MixStreams:       8000,
		MixRate:          2.6,
		MixDuration:      10 * time.Second,
		IdleCounts:       []int{5000, 15000},
		IdleSettle:       3 * time.Second,
		FanoutSizes:      []int{2, 32, 256},
		FanoutIdle:       []int{100, 10000},
		FanoutEvents:     1000,
		FanoutMaxRate:    100,
		FanoutDuration:   5 * time.Second,
		FanoutIdleWindow: 2 * time.Second,
		ClusterBuses:     []string{"postgres", "nats"},
		ClusterStreams:   1000,
		ClusterRate:      500,
	}
}

// quick shrinks every phase to a second or two and small counts: a smoke
// run (and the test's run).
func (c *config) quick() {
	c.Users = 64
	c.WriteConcurrency = []int{1, 4}
	c.WriteDuration = time.Second
	c.DeliveryStreams = []int{50}
	c.DeliveryRates = []float64{50}
	c.DeliveryDuration = time.Second
	c.DrainQuiet = 2 * time.Second
	c.MixStreams = 100
	c.MixDuration = 2 * time.Second
	c.IdleCounts = []int{100, 300}
	c.IdleSettle = 500 * time.Millisecond
	c.FanoutSizes = []int{2, 16}
	c.FanoutIdle = []int{10, 100}
	c.FanoutEvents = 200
	c.FanoutDuration = time.Second
	c.FanoutIdleWindow = 500 * time.Millisecond
	c.ClusterStreams = 50
	c.ClusterRate = 50
}

// bench is one run: its configuration, database, server binary, users and
// groups, shared by the phases.
type bench struct {
	cfg       config
	root      string // the module's source tree ("" when not run from it)
	dbURL     string
	dbName    string
	secret    string
	serverBin string
	users     []user
	groupsAll []group
	quartets  []int       // groups of four consecutive users (indexes into groupsAll)
	fanout    map[int]int // group size → group of users 0…size-1
	runs      atomic.Int32
	servers   []*process // every server started, for the warnings summary
	setupNote string     // where the users came from
}

// dbSnapshot snapshots the CPU time of the run database's backends.
func (b *bench) dbSnapshot(ctx context.Context) dbCPU { return snapshotDBCPU(ctx, b.cfg.PG, b.dbName) }

// nextRun returns a fresh run id (tagged into the content of its sends).
func (b *bench) nextRun() int { return int(b.runs.Add(1)) }

// startServer starts a server process of the run with bus.
func (b *bench) startServer(ctx context.Context, bus, name string) (*process, error) {
	if bus == "nats" {
		bus = b.cfg.NATS
	}
	p, err := startServer(ctx, serverOptions{Bin: b.serverBin, DatabaseURL: b.dbURL, Secret: b.secret, Bus: bus, Name: name})
	if err != nil {
		return nil, err
	}
	b.servers = append(b.servers, p)
	return p, nil
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == bareSSEFlag {
		if err := serveBareSSE(); err != nil {
			fmt.Fprintln(os.Stderr, "bare SSE server:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line over defaultConfig.
func parseFlags(args []string) (config, error) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	phases := fs.String("phases", strings.Join(allPhases, ","), "phases to run, comma-separated: "+strings.Join(allPhases, ","))
	fs.BoolVar(&cfg.Quick, "quick", false, "shrink every phase to a second or two and small counts (a smoke run)")
	fs.StringVar(&cfg.ServerBin, "server-bin", "", "server binary to measure (default: go build ./server into a temp dir)")
	fs.StringVar(&cfg.PG, "pg", cfg.PG, "PostgreSQL admin URL; the run creates and drops its own database on that server")
	fs.StringVar(&cfg.NATS, "nats", cfg.NATS, "NATS URL for the cluster phase's nats bus")
	fs.StringVar(&cfg.Out, "out", cfg.Out, "directory for results.json, report.html and table.md")
	fs.BoolVar(&cfg.KeepDB, "keep-db", false, "keep the run's database")
	fs.BoolVar(&cfg.FreshUsers, "fresh-users", false, "sign the users up again (and replace the template database of users and groups that later runs clone)")
	users := fs.Int("users", 0, "users to sign up (default 1536, quick 64)")
	wd := fs.Duration("write-duration", 0, "duration of each write run (default 5s, quick 1s)")
	dd := fs.Duration("delivery-duration", 0, "duration of each open-loop delivery run (default 5s, quick 1s)")
	md := fs.Duration("mix-duration", 0, "duration of the realistic mix (default 10s, quick 2s)")
	fs.StringVar(&cfg.Rerender, "report", "", "run nothing: print the table and write report.html again (into -out) from this results.json")
	fs.StringVar(&cfg.Compare, "compare", "", "with -report AFTER.json: print one table of this results.json (before) beside AFTER, figure by figure, and write compare.md into -out")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.Quick {
		cfg.quick()
	}
	cfg.Phases = nil
	for p := range strings.SplitSeq(*phases, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(allPhases, p) {
			return cfg, fmt.Errorf("unknown phase %q (have %s)", p, strings.Join(allPhases, ","))
		}
		cfg.Phases = append(cfg.Phases, p)
	}
	if *users > 0 {
		cfg.Users = *users
	}
	if *wd > 0 {
		cfg.WriteDuration = *wd
	}
	if *dd > 0 {
		cfg.DeliveryDuration = *dd
	}
	if *md > 0 {
		cfg.MixDuration = *md
	}
	cfg.Users -= cfg.Users % 4
	need := slices.Max(cfg.FanoutSizes)
	if cfg.Users < need+4 || cfg.Users < 8 {
		return cfg, fmt.Errorf("-users %d: need at least %d (the largest fan-out group and others)", cfg.Users, need+4)
	}
	return cfg, nil
}

// run parses args and runs the bench.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	if cfg.Compare != "" && cfg.Rerender == "" {
		return errors.New("-compare BEFORE.json needs -report AFTER.json")
	}
	if cfg.Rerender != "" {
		res, err := loadResults(cfg.Rerender)
		if err != nil {
			return err
		}
		if cfg.Compare != "" {
			before, err := loadResults(cfg.Compare)
			if err != nil {
				return err
			}
			md := compareMarkdown(before, res)
			fmt.Fprint(stdout, md)
			if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(cfg.Out, "compare.md"), []byte(md), 0o644)
		}
		return writeReport(res, cfg.Out, stdout)
	}
	_, err = runConfig(ctx, cfg, stdout)
	return err
}

// loadResults reads a results.json.
func loadResults(path string) (*Results, error) {
	j, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var res Results
	if err := json.Unmarshal(j, &res); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &res, nil
}

// runConfig is the whole bench: setup, the selected phases, the report;
// it returns the results even when a phase failed.
func runConfig(ctx context.Context, cfg config, stdout io.Writer) (*Results, error) {
	raiseFDLimit()
	res := &Results{Started: time.Now().UTC().Format(time.RFC3339), Config: cfg, Machine: machineInfo()}
	res.Config.PG, res.Config.NATS = redact(cfg.PG), redact(cfg.NATS) // no password in the results
	b := &bench{cfg: cfg, fanout: map[int]int{}}
	secret := make([]byte, 24)
	_, _ = rand.Read(secret)
	b.secret = hex.EncodeToString(secret)

	root, err := moduleRoot()
	if err != nil && cfg.ServerBin == "" {
		return nil, err
	}
	b.root = root
	if cfg.ServerBin != "" {
		b.serverBin, err = filepath.Abs(cfg.ServerBin)
		if err != nil {
			return nil, err
		}
		res.Machine.Server = "binary " + b.serverBin
	} else {
		dir, err := os.MkdirTemp("", "messenger-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		logf("building ./server")
		if b.serverBin, err = buildServer(ctx, root, dir); err != nil {
			return nil, err
		}
		res.Machine.Server = "commit " + gitCommit(root)
	}

	t0 := time.Now()
	drop, err := b.setup(ctx, &res.Machine.Postgres)
	if drop != nil {
		defer drop()
	}
	if err != nil {
		return nil, err
	}
	res.SetupSeconds = time.Since(t0).Seconds()
	res.Setup = b.setupNote

	var failed []string
	for _, phase := range cfg.Phases {
		if ctx.Err() != nil {
			break
		}
		logf("=== phase %s", phase)
		pt := time.Now()
		var err error
		switch phase {
		case "write":
			res.Write, err = b.runWrite(ctx)
		case "delivery":
			res.Delivery, err = b.runDelivery(ctx)
		case "mix":
			res.Mix, err = b.runMix(ctx)
		case "idle":
			res.Idle, err = b.runIdle(ctx)
		case "fanout":
			res.Fanout, err = b.runFanout(ctx)
		case "cluster":
			res.Cluster, err = b.runCluster(ctx)
		}
		if err != nil {
			logf("phase %s FAILED: %v", phase, err)
			res.Errors = append(res.Errors, fmt.Sprintf("%s: %v", phase, err))
			failed = append(failed, phase)
		}
		logf("=== phase %s done in %.1fs", phase, time.Since(pt).Seconds())
	}
	res.Seconds = since().Seconds()
	res.StreamsEndedEarly = streamsEndedEarly.Load()
	for _, p := range b.servers {
		res.ServerRefusals += p.Refusals()
		n, first := p.Warnings()
		res.ServerWarnings += n
		for _, l := range first {
			if len(res.ServerWarningSamples) < 10 {
				res.ServerWarningSamples = append(res.ServerWarningSamples, p.Name+": "+l)
			}
		}
	}
	if err := writeReport(res, cfg.Out, stdout); err != nil {
		return nil, err
	}
	logf("done in %.1fs; results in %s", since().Seconds(), cfg.Out)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if len(failed) > 0 {
		return res, fmt.Errorf("phases failed: %s", strings.Join(failed, ", "))
	}
	return res, nil
}

// redact hides a password in a URL.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// raiseFDLimit raises this process's RLIMIT_NOFILE to its hard limit: the
// bench holds one descriptor per open stream (up to 15,000 plus a few
// hundred); the server inherits the raised limit.
func raiseFDLimit() {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			logf("raise RLIMIT_NOFILE: %v", err)
		}
	}
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l)
	if l.Cur < 16000 {
		logf("warning: RLIMIT_NOFILE is %d; the idle phase needs ~15,500 descriptors", l.Cur)
	}
}

// moduleRoot finds the directory of go.mod from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory; run from the repository or pass -server-bin")
		}
		dir = parent
	}
}

// gitCommit is `git rev-parse --short HEAD` of dir, with "-dirty" when the
// work tree has changes.
func gitCommit(dir string) string {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		c += "-dirty"
	}
	return c
}

// Machine describes where the run happened.
type Machine struct {
	Cores     int    `json:"cores"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Kernel    string `json:"kernel,omitempty"`
	CPU       string `json:"cpu,omitempty"`
	MemoryGiB int    `json:"memory_gib,omitempty"`
	Postgres  string `json:"postgres,omitempty"`
	Server    string `json:"server"`
}

// machineInfo reads the machine's cores, CPU model, memory and kernel.
func machineInfo() Machine {
	m := Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if kb, err := strconv.Atoi(strings.Fields(rest)[0]); err == nil {
					m.MemoryGiB = (kb + (1 << 19)) >> 20
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}
