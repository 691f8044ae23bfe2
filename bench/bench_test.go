package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestMain lets the test binary serve as the bare SSE server, which the
// bench starts by re-executing itself with bareSSEFlag.
func TestMain(m *testing.M) {
	if len(os.Args) == 2 && os.Args[1] == bareSSEFlag {
		if err := serveBareSSE(); err != nil {
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

// testWriter sends the bench's progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestQuickRun runs every phase end to end at its tiniest against a fresh
// server and database: it checks that each phase produced figures and that
// no event was lost, never how fast anything was. Without PostgreSQL it is
// skipped, except under CI, where it fails.
func TestQuickRun(t *testing.T) {
	cfg := defaultConfig()
	cfg.quick()
	// Any database of the server does as the admin URL: the run creates
	// and drops its own.
	for _, env := range []string{"BENCH_POSTGRES", "MESSENGER_TEST_POSTGRES"} {
		if u := os.Getenv(env); u != "" {
			cfg.PG = u
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	conn, err := pgx.Connect(ctx, cfg.PG)
	cancel()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL unreachable under CI: %v", err)
		}
		t.Skipf("PostgreSQL unreachable: %v", err)
	}
	conn.Close(context.Background())

	cfg.Users = 24
	cfg.WriteConcurrency = []int{1, 4}
	cfg.WriteDuration = 300 * time.Millisecond
	cfg.DeliveryStreams = []int{30}
	cfg.DeliveryRates = []float64{40}
	cfg.DeliveryDuration = 500 * time.Millisecond
	cfg.MixStreams = 40
	cfg.MixDuration = time.Second
	cfg.IdleCounts = []int{20, 60}
	cfg.IdleSettle = 200 * time.Millisecond
	cfg.FanoutSizes = []int{2, 8}
	cfg.FanoutIdle = []int{5, 20}
	cfg.FanoutEvents = 100
	cfg.FanoutDuration = 500 * time.Millisecond
	cfg.FanoutIdleWindow = 200 * time.Millisecond
	cfg.ClusterBuses = []string{"postgres"} // NATS is not needed by the tests
	cfg.ClusterStreams = 20
	cfg.ClusterRate = 40
	cfg.Out = t.TempDir()
	cfg.NoTemplate = true // sign up through the API every time, and leave nothing behind
	logOut = testWriter{t}
	defer func() { logOut = os.Stderr }()

	var table strings.Builder
	res, err := runConfig(context.Background(), cfg, &table)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + table.String())

	if len(res.Write) != 2 {
		t.Fatalf("write: %d results, want 2", len(res.Write))
	}
	for _, w := range res.Write {
		if w.Server.Ops == 0 || w.OneStatement.Ops == 0 || w.BareInsert.Ops == 0 || w.Server.Errors+w.OneStatement.Errors+w.BareInsert.Errors > 0 {
			t.Errorf("write c=%d: %+v", w.Concurrency, w)
		}
	}
	deliveries := append([]DeliveryResult(nil), res.Delivery...)
	if len(deliveries) != 2 {
		t.Fatalf("delivery: %d runs, want 2 (lean and chat)", len(deliveries))
	}
	if res.Mix == nil || res.Mix.Write == nil || res.Mix.Write.Ops == 0 {
		t.Fatalf("mix: %+v", res.Mix)
	}
	deliveries = append(deliveries, res.Mix.Delivery)
	if len(res.Cluster) != 2 || res.Cluster[1].Error != "" {
		t.Fatalf("cluster: %+v", res.Cluster)
	}
	for _, c := range res.Cluster {
		deliveries = append(deliveries, c.Delivery)
	}
	for _, d := range deliveries {
		if d.Sends == 0 || d.Received == 0 || d.Received != d.Expected || d.Lost != 0 || d.Dups != 0 || d.SendErrors != 0 || d.Latency.N == 0 {
			t.Errorf("%s: sends %d (errors %d), events %d of %d, lost %d, duplicated %d", d.Name, d.Sends, d.SendErrors, d.Received, d.Expected, d.Lost, d.Dups)
		}
	}
	if res.Idle == nil || len(res.Idle.Server.Points) != 3 || len(res.Idle.Bare.Points) != 3 {
		t.Fatalf("idle: %+v", res.Idle)
	}
	for _, p := range append(res.Idle.Server.Points, res.Idle.Bare.Points...) {
		if p.RSSBytes <= 0 || p.Goroutines <= 0 {
			t.Errorf("idle point without figures: %+v", p)
		}
	}
	if res.Fanout == nil || len(res.Fanout.Sizes) != 2 || len(res.Fanout.Idle) != 2 {
		t.Fatalf("fanout: %+v", res.Fanout)
	}
	for _, f := range append(res.Fanout.Sizes, res.Fanout.Idle...) {
		if f.Events == 0 || f.Lost != 0 {
			t.Errorf("fanout %s: %d events, lost %d", f.Name, f.Events, f.Lost)
		}
	}
	if res.StreamsEndedEarly != 0 {
		t.Errorf("%d streams ended by the server", res.StreamsEndedEarly)
	}
	if cmp := compareMarkdown(res, res); strings.Count(cmp, "\n") < len(res.rows())+3 {
		t.Errorf("compare table too short:\n%s", cmp)
	}
	for _, f := range []string{"results.json", "report.html", "table.md"} {
		if st, err := os.Stat(filepath.Join(cfg.Out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
