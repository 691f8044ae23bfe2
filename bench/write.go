package main

// Phase "write": createMessage over HTTP in a closed loop at several
// concurrencies, beside the same one-statement write run directly with pgx
// and a bare single-row INSERT, on the same database in the same run.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Throughput is one closed-loop run: operations completed, their rate and latency.
type Throughput struct {
	Ops    int     `json:"ops"`
	PerSec float64 `json:"per_sec"`
	Lat    Latency `json:"latency"`
	Errors int     `json:"errors"`
	First  string  `json:"first_error,omitempty"`
	// ServerCores, ClientCores and DBCores are the CPU the server (when one
	// was measured), the bench and the run database's backends used, in cores.
	ServerCores float64 `json:"server_cores,omitempty"`
	ClientCores float64 `json:"client_cores"`
	DBCores     float64 `json:"db_cores"`
}

// WriteResult is the write phase at one concurrency.
type WriteResult struct {
	Concurrency  int        `json:"concurrency"`
	Server       Throughput `json:"server_create_message"`
	OneStatement Throughput `json:"db_one_statement"`
	BareInsert   Throughput `json:"db_bare_insert"`
	// Ratio is the server's rate over the one-statement baseline's.
	Ratio float64 `json:"ratio_server_to_one_statement"`
}

// measured runs a closed loop (see closedLoop) and adds the CPU used by
// srv (if not nil), the bench and the database's backends meanwhile.
func (b *bench) measured(ctx context.Context, srv *process, c int, d time.Duration, op func(ctx context.Context, worker, i int) error) Throughput {
	var srv0 time.Duration
	if srv != nil {
		srv0, _ = srv.CPU()
	}
	cli0, db0, t0 := selfCPU(), b.dbSnapshot(ctx), time.Now()
	t := closedLoop(ctx, c, d, op)
	span := time.Since(t0).Seconds()
	if srv != nil {
		srv1, _ := srv.CPU()
		t.ServerCores = (srv1 - srv0).Seconds() / span
	}
	t.ClientCores = (selfCPU() - cli0).Seconds() / span
	t.DBCores = db0.until(b.dbSnapshot(ctx)).Seconds() / span
	return t
}

// closedLoop runs op from c workers, each issuing its next call as soon as
// the previous returns, until d has passed, and measures every call. Calls
// in flight at the end finish (and count): cancelling them would close
// their connections, and the database would take their backends' CPU time
// along.
func closedLoop(ctx context.Context, c int, d time.Duration, op func(ctx context.Context, worker, i int) error) Throughput {
	var mu sync.Mutex
	var all []time.Duration
	var errs atomic.Int64
	var first atomic.Value
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			for i := 0; ctx.Err() == nil && time.Now().Before(deadline); i++ {
				t0 := time.Now()
				err := op(ctx, w, i)
				if ctx.Err() != nil {
					break
				}
				if err != nil {
					errs.Add(1)
					first.CompareAndSwap(nil, err.Error())
					time.Sleep(10 * time.Millisecond)
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	el := time.Since(start)
	t := Throughput{Ops: len(all), PerSec: float64(len(all)) / el.Seconds(), Lat: summarize(all, false), Errors: int(errs.Load())}
	if f, ok := first.Load().(string); ok {
		t.First = truncate(f, 200)
	}
	return t
}

// runWrite runs the write phase: for each concurrency, the server, then the
// one-statement write and the bare insert directly on the database. Worker w
// sends as the first member of group w (a group of 4 of the run's users), so
// workers never wait on each other's conversation lock, and the baseline
// writes the same rows for the same senders and conversations.
func (b *bench) runWrite(ctx context.Context) ([]WriteResult, error) {
	srv, err := b.startServer(ctx, "memory", "server")
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	db, err := openBaseline(ctx, b.root, b.dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var out []WriteResult
	for _, c := range b.cfg.WriteConcurrency {
		if c > len(b.quartets) {
			return nil, fmt.Errorf("write concurrency %d needs %d groups, have %d", c, c, len(b.quartets))
		}
		r := WriteResult{Concurrency: c}
		logf("write c=%d: server createMessage for %v", c, b.cfg.WriteDuration)
		r.Server = b.measured(ctx, srv, c, b.cfg.WriteDuration, func(ctx context.Context, w, i int) error {
			g := b.groupsAll[b.quartets[w]]
			return send(ctx, srv.URL, b.users[g.Members[0]].Token, sendBody(g.ID, content(0, i)))
		})
		if err := srv.Alive(); err != nil {
			return nil, err
		}
		logf("write c=%d: server %.0f msgs/s p99 %.1f ms (CPU: server %.2f, bench %.2f, database %.2f cores); database one-statement baseline",
			c, r.Server.PerSec, r.Server.Lat.P99, r.Server.ServerCores, r.Server.ClientCores, r.Server.DBCores)
		pool, err := db.pool(ctx, c)
		if err != nil {
			return nil, err
		}
		r.OneStatement = b.measured(ctx, nil, c, b.cfg.WriteDuration, func(ctx context.Context, w, i int) error {
			g := b.groupsAll[b.quartets[w]]
			return db.oneStatement(ctx, pool, g.ID, b.users[g.Members[0]].ID, fmt.Sprintf("bench|0|%d|%d", i, time.Now().UnixNano()))
		})
		logf("write c=%d: one statement %.0f tps p99 %.1f ms (CPU: bench %.2f, database %.2f cores); bare insert", c, r.OneStatement.PerSec, r.OneStatement.Lat.P99, r.OneStatement.ClientCores, r.OneStatement.DBCores)
		r.BareInsert = b.measured(ctx, nil, c, b.cfg.WriteDuration, func(ctx context.Context, w, i int) error {
			return db.bareInsert(ctx, pool, fmt.Sprintf("bench|0|%d", i))
		})
		pool.Close()
		logf("write c=%d: bare insert %.0f tps p99 %.1f ms", c, r.BareInsert.PerSec, r.BareInsert.Lat.P99)
		if r.OneStatement.PerSec > 0 {
			r.Ratio = r.Server.PerSec / r.OneStatement.PerSec
		}
		out = append(out, r)
	}
	return out, nil
}
