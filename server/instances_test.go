package main

// Tests of several server processes sharing one PostgreSQL schema and a Bus
// (PostgreSQL LISTEN/NOTIFY or NATS): cross-instance delivery, recovery from a
// bus outage in the middle of a burst, and (on demand) delivery latency.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/messenger/messenger/internal/database/dbtest"
	"github.com/messenger/messenger/internal/proxytest"
)

// busGuard bounds the waits on a bus, its outage and its recovery: reaching
// it is a failure, not a timing measurement.
const busGuard = 60 * time.Second

// sharedSecret is the token secret shared by every instance, so that a token
// issued by one is accepted by the others.
const sharedSecret = "instances-test-secret-0123456789abcdefghijkl"

func randomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// natsServer returns the test NATS server's URL (MESSENGER_TEST_NATS, else
// the local default); an unreachable server fails the test under CI and skips
// it elsewhere.
func natsServer(t testing.TB) string {
	t.Helper()
	u := os.Getenv("MESSENGER_TEST_NATS")
	if u == "" {
		u = "nats://127.0.0.1:4222"
	}
	conn, err := net.DialTimeout("tcp", hostOf(t, u), 5*time.Second)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("NATS unreachable at %s (required when CI is set): %v", u, err)
		}
		t.Skipf("NATS unreachable at %s, skipping (set MESSENGER_TEST_NATS): %v", u, err)
	}
	_ = conn.Close()
	return u
}

// hostOf returns the host:port of a URL.
func hostOf(t testing.TB, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return u.Host
}

// withQueryParam returns the URL raw with the query parameter key set.
func withQueryParam(t testing.TB, raw, key, value string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// busSetup is one Bus adapter under test.
type busSetup struct {
	name string
	// setup returns the environments of instances A and B on one fresh
	// PostgreSQL schema, and outage, which cuts instance A (once started)
	// off its bus and returns restore: restore ends the outage and returns
	// once A's bus is connected again.
	setup func(t *testing.T) (envA, envB []string, outage func(t *testing.T, a *serverProcess) (restore func()))
}

var buses = []busSetup{
	{name: "postgres", setup: postgresBus},
	{name: "nats", setup: natsBus},
}

// postgresBus runs both instances with the LISTEN/NOTIFY bus. A's
// connections carry a unique application_name, so that its LISTEN backend can
// be told from every other one on the server (other tests share it).
func postgresBus(t *testing.T) (envA, envB []string, outage func(*testing.T, *serverProcess) func()) {
	dbURL := dbtest.PostgresURL(t)
	appName := "messenger_inst_" + randomHex(t)
	envA = []string{"DATABASE_URL=" + withQueryParam(t, dbURL, "application_name", appName), "MESSENGER_BUS=postgres", "MESSENGER_SECRET=" + sharedSecret}
	envB = []string{"DATABASE_URL=" + dbURL, "MESSENGER_BUS=postgres", "MESSENGER_SECRET=" + sharedSecret}
	outage = func(t *testing.T, a *serverProcess) func() {
		t.Helper()
		ctx := context.Background()
		admin, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = admin.Close(context.Background()) })
		// The bus's listener connection issues LISTEN and nothing else
		// until it has been idle for 30s (then it pings), so its last
		// statement identifies it among A's connections (the gorm pool and
		// the NOTIFY pool never issue LISTEN).
		listeners := func() []int32 {
			rows, err := admin.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'listen%'`, appName)
			if err != nil {
				t.Errorf("find listener: %v", err)
				return nil
			}
			pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
			if err != nil {
				t.Errorf("find listener: %v", err)
			}
			return pids
		}
		terminate := func(pid int32) bool {
			var ok bool
			if err := admin.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&ok); err != nil {
				t.Errorf("terminate %d: %v", pid, err)
			}
			return ok
		}

		var pids []int32
		for deadline := time.Now().Add(busGuard); len(pids) == 0; pids = listeners() {
			if time.Now().After(deadline) || t.Failed() {
				t.Fatalf("no LISTEN backend with application_name %s", appName)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if len(pids) != 1 {
			t.Fatalf("LISTEN backends of instance A: %v, want exactly one", pids)
		}
		if !terminate(pids[0]) {
			t.Fatalf("pg_terminate_backend(%d) = false", pids[0])
		}
		killed := map[int32]bool{pids[0]: true}
		a.waitLog(t, "postgres listener lost", 1, busGuard)

		// Keep A off the bus: terminate every listener it re-establishes
		// until restore is called.
		stop, stopped := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(stopped)
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				for _, pid := range listeners() {
					if terminate(pid) {
						killed[pid] = true
					}
				}
			}
		}()
		return func() {
			close(stop)
			<-stopped
			t.Logf("terminated %d LISTEN backends of instance A", len(killed))
			deadline := time.Now().Add(busGuard)
			for {
				if slices.ContainsFunc(listeners(), func(pid int32) bool { return !killed[pid] }) {
					return // listening again on a new backend; the hub resyncs right after
				}
				if time.Now().After(deadline) || t.Failed() {
					t.Fatalf("instance A did not listen again:\n%s", a.Logs())
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	return envA, envB, outage
}

// natsBus runs both instances with the NATS bus, A through a TCP proxy
// that the outage cuts.
func natsBus(t *testing.T) (envA, envB []string, outage func(*testing.T, *serverProcess) func()) {
	dbURL := dbtest.PostgresURL(t)
	natsURL := natsServer(t)
	proxy := proxytest.Start(t, hostOf(t, natsURL))
	envA = []string{"DATABASE_URL=" + dbURL, "MESSENGER_BUS=nats://" + proxy.Addr(), "MESSENGER_SECRET=" + sharedSecret}
	envB = []string{"DATABASE_URL=" + dbURL, "MESSENGER_BUS=" + natsURL, "MESSENGER_SECRET=" + sharedSecret}
	outage = func(t *testing.T, a *serverProcess) func() {
		t.Helper()
		reconnected := strings.Count(a.Logs(), "nats reconnected")
		proxy.SetPaused(true)
		proxy.Cut()
		a.waitLog(t, "nats disconnected", 1, busGuard)
		return func() {
			proxy.SetPaused(false)
			a.waitLog(t, "nats reconnected", reconnected+1, busGuard)
		}
	}
	return envA, envB, outage
}

// bobToAlice signs alice up through a and bob through b, has bob start
// their conversation through b, and opens alice's stream on a, subscribed
// once it returns.
func bobToAlice(t testing.TB, a, b *serverProcess) (aliceToken, bobToken, conv string, stream *sseStream) {
	t.Helper()
	aliceToken, _ = a.signUp(t, "alice")
	bobToken, _ = b.signUp(t, "bob")
	conv = b.direct(t, bobToken, "alice")
	if t.Failed() {
		t.FailNow()
	}
	stream = a.subscribePOST(t, aliceToken, nil)
	a.waitSubscriptionsAtLeast(t, 1)
	return aliceToken, bobToken, conv, stream
}

// TestInstancesDeliverAcrossInstances: a message sent through one instance
// reaches the subscriptions of the other one (and the sender's own, locally),
// once, whichever way it goes.
func TestInstancesDeliverAcrossInstances(t *testing.T) {
	for _, bus := range buses {
		t.Run(bus.name, func(t *testing.T) {
			envA, envB, _ := bus.setup(t)
			a := startServer(t, envA...)
			b := startServer(t, envB...)

			aliceToken, _ := a.signUp(t, "alice")
			bobToken, _ := b.signUp(t, "bob")
			conv := a.direct(t, aliceToken, "bob") // bob was created through B
			if t.Failed() {
				t.FailNow()
			}
			onA := a.subscribePOST(t, aliceToken, nil)
			onB := b.subscribePOST(t, bobToken, nil)
			a.waitSubscriptionsAtLeast(t, 1)
			b.waitSubscriptionsAtLeast(t, 1)

			// Rounds 1 and 2 may reach a stream through its initial catch-up;
			// rounds 3 and 4 come after each stream delivered a message, so
			// only the bus can bring them.
			rounds := []struct {
				from  *serverProcess
				token string
				text  string
			}{
				{b, bobToken, "B to A 1"},
				{a, aliceToken, "A to B 1"},
				{b, bobToken, "B to A 2"},
				{a, aliceToken, "A to B 2"},
				{b, aliceToken, "alice through B with a token issued by A"},
			}
			for i, r := range rounds {
				sent, err := r.from.send(r.token, conv, r.text)
				if err != nil {
					t.Fatal(err)
				}
				if sent.Seq != i+1 {
					t.Fatalf("%q stored with seq %d, want %d", r.text, sent.Seq, i+1)
				}
				for _, s := range []*sseStream{onA, onB} {
					if got := s.expect(t, conv, r.text); got.ID != sent.ID || got.Seq != sent.Seq {
						t.Fatalf("received %+v, want id %s seq %d", got, sent.ID, sent.Seq)
					}
				}
			}
			// Nothing is delivered twice (e.g. once locally, once by the bus).
			expectQuiet(t, 300*time.Millisecond, onA)
			expectQuiet(t, 300*time.Millisecond, onB)
		})
	}
}

// TestInstancesBusOutageMidBurst: instance A loses its bus connection while
// instance B stores a burst of messages, and gets it back only after the burst
// ended: A's subscriber still receives every message exactly once, in order,
// as stored, then live ones again.
func TestInstancesBusOutageMidBurst(t *testing.T) {
	const (
		burst      = 300
		liveBefore = 30  // received by A's subscriber before the cut
		pauseAt    = 100 // the sender waits for the cut before sending this one
		after      = 5   // sent once A is back on the bus
	)
	for _, bus := range buses {
		t.Run(bus.name, func(t *testing.T) {
			envA, envB, outage := bus.setup(t)
			a := startServer(t, envA...)
			b := startServer(t, envB...)

			aliceToken, bobToken, conv, stream := bobToAlice(t, a, b)

			// Bob sends the burst through B, one message after the other;
			// everything from message pauseAt on is stored while A is cut off.
			cutDone, stop, sent := make(chan struct{}), make(chan struct{}), make(chan struct{})
			go func() {
				defer close(sent)
				for i := 1; i <= burst; i++ {
					if i == pauseAt {
						select {
						case <-cutDone:
						case <-stop:
							return
						}
					}
					if m, err := b.send(bobToken, conv, fmt.Sprint("burst ", i)); err != nil || m.Seq != i {
						t.Errorf("burst message %d stored with seq %d (%v)", i, m.Seq, err)
						return
					}
				}
			}()
			t.Cleanup(func() { close(stop); <-sent })

			var got []received
			for len(got) < liveBefore {
				got = append(got, stream.message(t))
			}
			restore := outage(t, a)
			close(cutDone)
			select {
			case <-sent:
			case <-time.After(2 * busGuard):
				t.Fatal("the burst did not end")
			}
			if t.Failed() {
				t.FailNow()
			}
			restore()

			// The rest of the burst arrives only through the catch-up that
			// follows the reconnect: nothing live comes after it.
			for len(got) < burst {
				got = append(got, stream.message(t))
			}
			for i := 1; i <= after; i++ {
				text := fmt.Sprint("after ", i)
				sent, err := b.send(bobToken, conv, text)
				if err != nil {
					t.Fatal(err)
				}
				m := stream.expect(t, conv, text)
				if m.Seq != sent.Seq {
					t.Fatalf("received %+v, want seq %d", m, sent.Seq)
				}
				got = append(got, m)
			}
			expectQuiet(t, 500*time.Millisecond, stream)

			// Exactly once, in order, as stored.
			stored := a.stored(t, aliceToken, conv)
			if len(stored) != burst+after {
				t.Fatalf("%d messages stored, want %d", len(stored), burst+after)
			}
			cursors := make(map[string]bool)
			for i, m := range got {
				want := stored[i]
				if m.Seq != i+1 || m.ID != want.ID || m.Seq != want.Seq || m.Content != want.Content || m.ConversationID != conv {
					t.Fatalf("message %d received as %+v, stored as %+v", i+1, m, want)
				}
				if m.Cursor == "" || cursors[m.Cursor] {
					t.Fatalf("message %d has an empty or repeated cursor %q", i+1, m.Cursor)
				}
				cursors[m.Cursor] = true
			}
		})
	}
}

// TestInstancesLatency measures the delivery latency of one message between
// two sessions (from the start of the sender's createMessage request to the
// receiver reading the SSE event) on non-race builds. It only runs with
// MESSENGER_LATENCY=1 (MESSENGER_LATENCY_N messages per setup, default 300),
// and reports without asserting any speed.
func TestInstancesLatency(t *testing.T) {
	if os.Getenv("MESSENGER_LATENCY") != "1" {
		t.Skip("set MESSENGER_LATENCY=1 to measure delivery latency")
	}
	n := 300
	if v, err := strconv.Atoi(os.Getenv("MESSENGER_LATENCY_N")); err == nil && v > 0 {
		n = v
	}
	bin := filepath.Join(t.TempDir(), "messenger")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	secret := "MESSENGER_SECRET=" + sharedSecret
	setups := []struct {
		name  string
		start func(t *testing.T) (sender, receiver *serverProcess)
	}{
		{"single/sqlite", func(t *testing.T) (*serverProcess, *serverProcess) {
			p := startServerBinary(t, bin, "DATABASE_URL="+dbtest.SQLiteURL(t))
			return p, p
		}},
		{"single/postgres-memory", func(t *testing.T) (*serverProcess, *serverProcess) {
			p := startServerBinary(t, bin, "DATABASE_URL="+dbtest.PostgresURL(t), "MESSENGER_BUS=memory")
			return p, p
		}},
		{"two/postgres-bus", func(t *testing.T) (*serverProcess, *serverProcess) {
			env := []string{"DATABASE_URL=" + dbtest.PostgresURL(t), "MESSENGER_BUS=postgres", secret}
			return startServerBinary(t, bin, env...), startServerBinary(t, bin, env...)
		}},
		{"two/nats-bus", func(t *testing.T) (*serverProcess, *serverProcess) {
			env := []string{"DATABASE_URL=" + dbtest.PostgresURL(t), "MESSENGER_BUS=" + natsServer(t), secret}
			return startServerBinary(t, bin, env...), startServerBinary(t, bin, env...)
		}},
	}
	for _, setup := range setups {
		t.Run(setup.name, func(t *testing.T) {
			sender, receiver := setup.start(t)
			aliceToken, _ := sender.signUp(t, "alice")
			bobToken, _ := receiver.signUp(t, "bob")
			conv := sender.direct(t, aliceToken, "bob")
			if t.Failed() {
				t.FailNow()
			}
			stream := receiver.subscribePOST(t, bobToken, nil)
			receiver.waitSubscriptionsAtLeast(t, 1)

			const warmUp = 10
			latencies := make([]time.Duration, 0, n)
			// measure sends message i and returns how long it took to reach
			// the receiver's stream; the send runs concurrently, since the
			// event may arrive before the mutation's response.
			measure := func(i int) time.Duration {
				text := fmt.Sprint("message ", i)
				sent := make(chan struct{})
				defer func() { <-sent }()
				start := time.Now()
				go func() {
					defer close(sent)
					if _, err := sender.send(aliceToken, conv, text); err != nil {
						t.Error(err)
					}
				}()
				m := stream.message(t)
				elapsed := time.Since(start)
				if m.Content != text || m.Seq != i {
					t.Fatalf("received %+v, want %q with seq %d", m, text, i)
				}
				return elapsed
			}
			for i := 1; i <= warmUp+n; i++ {
				if d := measure(i); i > warmUp {
					latencies = append(latencies, d)
				}
			}
			slices.Sort(latencies)
			q := func(p float64) time.Duration {
				return latencies[int(math.Ceil(p*float64(len(latencies))))-1]
			}
			t.Logf("%s: n=%d median=%v p90=%v p99=%v max=%v", setup.name, len(latencies),
				q(0.5).Round(time.Microsecond), q(0.9).Round(time.Microsecond), q(0.99).Round(time.Microsecond),
				latencies[len(latencies)-1].Round(time.Microsecond))
		})
	}
}

// TestInstancesNotifyConnectionLoss: instance B's NOTIFY connection dies
// (terminated backend, failover, network cut) between two messages; the next
// message B stores must still reach A's subscriber, although no later message
// comes to reveal the gap.
func TestInstancesNotifyConnectionLoss(t *testing.T) {
	dbURL := dbtest.PostgresURL(t)
	appName := "messenger_inst_" + randomHex(t)
	a := startServer(t, "DATABASE_URL="+dbURL, "MESSENGER_BUS=postgres", "MESSENGER_SECRET="+sharedSecret)
	b := startServer(t, "DATABASE_URL="+withQueryParam(t, dbURL, "application_name", appName), "MESSENGER_BUS=postgres", "MESSENGER_SECRET="+sharedSecret)
	_, bobToken, conv, stream := bobToAlice(t, a, b)
	if _, err := b.send(bobToken, conv, "before"); err != nil {
		t.Fatal(err)
	}
	stream.expect(t, conv, "before")

	// Terminate B's NOTIFY connections (their last statement is pg_notify)
	// and wait until they are gone; B's pool still holds them.
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	rows, err := admin.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE '%pg_notify%'`, appName)
	if err != nil {
		t.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil || len(pids) == 0 {
		t.Fatalf("NOTIFY backends of instance B: %v, %v", pids, err)
	}
	for _, pid := range pids {
		if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(busGuard); ; time.Sleep(5 * time.Millisecond) {
		var alive int
		if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)`, pids).Scan(&alive); err != nil {
			t.Fatal(err)
		}
		if alive == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("backends %v still alive", pids)
		}
	}

	if _, err := b.send(bobToken, conv, "after"); err != nil {
		t.Fatal(err)
	}
	// pgxpool does not check a connection used less than a second ago, so
	// the first NOTIFY after the kill fails; Publish must retry on another.
	select {
	case ev, ok := <-stream.events:
		if !ok || !strings.Contains(ev.Data, `"content":"after"`) {
			t.Fatalf("got %+v (open %v), want the message %q", ev, ok, "after")
		}
	case <-time.After(busGuard / 4):
		t.Fatalf("the message stored after B's NOTIFY connection died never reached A's subscriber; B logged:\n%s",
			b.logLines("notify"))
	}
}
