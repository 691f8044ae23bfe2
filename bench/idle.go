package main

// Phase "idle": idle subscriptions held open against the server and against
// the bare SSE server, and what each stream costs them in memory and
// goroutines, as the slope between the smaller and the larger count.

import (
	"context"
	"time"
)

// IdlePoint is one process holding a number of idle streams.
type IdlePoint struct {
	Streams    int     `json:"streams"`
	RSSBytes   int64   `json:"rss_bytes"`
	Goroutines float64 `json:"goroutines"`
	FDs        int     `json:"fds"`
}

// IdleSide is one process (server or bare SSE server) from no streams to
// the largest count.
type IdleSide struct {
	Name   string      `json:"name"`
	Points []IdlePoint `json:"points"` // the first one with no streams
	// Per stream: the slope between the two largest counts.
	RSSPerStream        float64 `json:"rss_bytes_per_stream"`
	GoroutinesPerStream float64 `json:"goroutines_per_stream"`
}

// IdleResult compares the server with the bare SSE server.
type IdleResult struct {
	Server   IdleSide `json:"server"`
	Bare     IdleSide `json:"bare_sse_server"`
	RSSRatio float64  `json:"rss_ratio_server_to_bare"`
}

// runIdle opens IdleCounts streams (cumulatively) against a fresh server,
// then against the bare SSE server, measuring each after IdleSettle.
// Goroutines come from the server's /metrics (go_goroutines, exported by
// internal/metrics' Go collector; the bare server serves the same name).
func (b *bench) runIdle(ctx context.Context) (*IdleResult, error) {
	res := &IdleResult{}
	srv, err := b.startServer(ctx, "memory", "server")
	if err != nil {
		return nil, err
	}
	side, err := b.idleSide(ctx, srv, "server", subscriptionBody(selectionLean), true)
	srv.Stop()
	if err != nil {
		return nil, err
	}
	res.Server = side
	bare, err := startBareSSE(ctx)
	if err != nil {
		return nil, err
	}
	side, err = b.idleSide(ctx, bare, "bare SSE server", subscriptionBody(selectionLean), false)
	bare.Stop()
	if err != nil {
		return nil, err
	}
	res.Bare = side
	if res.Bare.RSSPerStream > 0 {
		res.RSSRatio = res.Server.RSSPerStream / res.Bare.RSSPerStream
	}
	return res, nil
}

// idleSide measures p with no streams and then at each of IdleCounts.
func (b *bench) idleSide(ctx context.Context, p *process, name string, body []byte, authenticated bool) (IdleSide, error) {
	side := IdleSide{Name: name}
	var all []*stream
	defer func() {
		if authenticated {
			closeCounted(p, all)
		} else {
			closeStreams(all)
		}
	}()
	measure := func(n int) error {
		time.Sleep(b.cfg.IdleSettle)
		if err := p.Alive(); err != nil {
			return err
		}
		rss, err := p.RSS()
		if err != nil {
			return err
		}
		m, err := p.Metrics("go_goroutines")
		if err != nil {
			return err
		}
		pt := IdlePoint{Streams: n, RSSBytes: rss, Goroutines: m["go_goroutines"], FDs: p.FDs()}
		side.Points = append(side.Points, pt)
		logf("  idle %s: %d streams: RSS %.1f MiB, %v goroutines, %d fds", name, n, float64(rss)/(1<<20), pt.Goroutines, pt.FDs)
		return nil
	}
	if err := measure(0); err != nil {
		return side, err
	}
	for _, n := range b.cfg.IdleCounts {
		specs := make([]streamSpec, n-len(all))
		for i := range specs {
			tok := ""
			if authenticated {
				tok = b.users[(len(all)+i)%len(b.users)].Token
			}
			specs[i] = streamSpec{Token: tok, Body: body}
		}
		var ss []*stream
		var err error
		if authenticated {
			ss, err = openCounted(ctx, p, specs, "idle "+name)
		} else {
			ss, err = openStreams(ctx, p.Addr, specs, 64, "idle "+name)
		}
		if err != nil {
			return side, err
		}
		all = append(all, ss...)
		if err := measure(n); err != nil {
			return side, err
		}
	}
	if k := len(side.Points); k >= 3 {
		a, z := side.Points[k-2], side.Points[k-1]
		dn := float64(z.Streams - a.Streams)
		side.RSSPerStream = float64(z.RSSBytes-a.RSSBytes) / dn
		side.GoroutinesPerStream = (z.Goroutines - a.Goroutines) / dn
	}
	return side, nil
}
