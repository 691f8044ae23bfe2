package main

// Phase "fanout": the server's CPU time per delivered event for several
// group sizes (one stream per member), and for a small group with few
// versus many unrelated idle streams open.

import (
	"context"
	"fmt"
	"time"
)

// FanoutRun is one fan-out measurement.
type FanoutRun struct {
	Name        string  `json:"name"`
	GroupSize   int     `json:"group_size"`
	IdleStreams int     `json:"unrelated_idle_streams"`
	Rate        float64 `json:"msgs_per_sec"`
	Events      int     `json:"events_received"`
	Lost        int     `json:"events_lost"`
	CPUSeconds  float64 `json:"server_cpu_seconds"`
	// CPUPerEvent is the server's CPU time (utime+stime, the write included)
	// per delivered event, in microseconds.
	CPUPerEvent float64 `json:"server_cpu_us_per_event"`
	// IdleCores is the server's CPU use just before the run, with the
	// same streams open and nothing sent (keep-alives, GC, timers), and
	// MarginalPerEvent is CPUPerEvent less that idle use over the run.
	IdleCores        float64 `json:"server_idle_cores"`
	MarginalPerEvent float64 `json:"server_marginal_cpu_us_per_event"`
	P99              float64 `json:"delivery_p99_ms"`
}

// FanoutResult is the fan-out phase.
type FanoutResult struct {
	Sizes []FanoutRun `json:"group_sizes"`
	Idle  []FanoutRun `json:"unrelated_idle"`
	// IdleRatio is CPU per event with the most idle streams over that with
	// the fewest (the issue requires ≤ 1.1); MarginalIdleRatio the same of
	// the marginal CPU per event (without the idle streams' own keep-alives).
	IdleRatio         float64 `json:"idle_ratio"`
	MarginalIdleRatio float64 `json:"marginal_idle_ratio"`
}

// runFanout measures each group size at FanoutEvents events a second (so
// FanoutEvents/size messages a second, but at most FanoutMaxRate, since the
// messages of one conversation are written one after the other under its
// row lock; members take turns as the sender),
// then the smallest group with each count of FanoutIdle unrelated idle
// streams (held by users outside the group) open beside it.
func (b *bench) runFanout(ctx context.Context) (*FanoutResult, error) {
	srv, err := b.startServer(ctx, "memory", "server")
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	res := &FanoutResult{}
	measure := func(size, idle int) (FanoutRun, error) {
		gi, ok := b.fanout[size]
		if !ok {
			return FanoutRun{}, fmt.Errorf("no group of %d", size)
		}
		g := b.groupsAll[gi]
		r := FanoutRun{Name: fmt.Sprintf("group of %d, %d idle streams", size, idle), GroupSize: size, IdleStreams: idle, Rate: min(b.cfg.FanoutEvents/float64(size), b.cfg.FanoutMaxRate)}
		set, err := b.openStreamSet(ctx, srv, g.Members, selectionLean, fmt.Sprintf("fanout group %d", size))
		if err != nil {
			return r, err
		}
		defer set.Close()
		if idle > 0 {
			// Unrelated streams: users outside the group, spread.
			specs := make([]streamSpec, idle)
			body := subscriptionBody(selectionLean)
			for i := range specs {
				u := size + i%(len(b.users)-size)
				specs[i] = streamSpec{Token: b.users[u].Token, Body: body}
			}
			ss, err := openCounted(ctx, srv, specs, "fanout idle")
			if err != nil {
				return r, err
			}
			defer closeCounted(srv, ss)
		}
		time.Sleep(b.cfg.IdleSettle) // let the opening's work settle before measuring
		idle0, err := srv.CPU()
		if err != nil {
			return r, err
		}
		t0 := time.Now()
		time.Sleep(b.cfg.FanoutIdleWindow)
		idle1, err := srv.CPU()
		if err != nil {
			return r, err
		}
		r.IdleCores = (idle1 - idle0).Seconds() / time.Since(t0).Seconds()
		plan := make([]planned, int(r.Rate*b.cfg.FanoutDuration.Seconds()))
		for i := range plan {
			plan[i] = planned{at: time.Duration(float64(i) / r.Rate * float64(time.Second)), group: gi, sender: g.Members[i%len(g.Members)]}
		}
		cpu0, err := srv.CPU()
		if err != nil {
			return r, err
		}
		t1 := time.Now()
		d := DeliveryResult{Name: r.Name}
		b.runOpenLoop(ctx, srv.URL, set, plan, &d)
		cpu1, err := srv.CPU()
		if err != nil {
			return r, err
		}
		span := time.Since(t1).Seconds()
		r.Events, r.Lost, r.P99 = d.Received, d.Lost, d.Latency.P99
		r.CPUSeconds = (cpu1 - cpu0).Seconds()
		if r.Events > 0 {
			r.CPUPerEvent = r.CPUSeconds * 1e6 / float64(r.Events)
			r.MarginalPerEvent = (r.CPUSeconds - r.IdleCores*span) * 1e6 / float64(r.Events)
		}
		logf("  fanout %s: %.0f µs CPU per event, %.0f µs above idle (%d events, %.2f s CPU, idle %.3f cores)", r.Name, r.CPUPerEvent, r.MarginalPerEvent, r.Events, r.CPUSeconds, r.IdleCores)
		return r, srv.Alive()
	}
	for _, size := range b.cfg.FanoutSizes {
		r, err := measure(size, 0)
		if err != nil {
			return nil, err
		}
		res.Sizes = append(res.Sizes, r)
	}
	small := b.cfg.FanoutSizes[0]
	for _, idle := range b.cfg.FanoutIdle {
		r, err := measure(small, idle)
		if err != nil {
			return nil, err
		}
		res.Idle = append(res.Idle, r)
	}
	if k := len(res.Idle); k >= 2 && res.Idle[0].CPUPerEvent > 0 {
		res.IdleRatio = res.Idle[k-1].CPUPerEvent / res.Idle[0].CPUPerEvent
		if res.Idle[0].MarginalPerEvent > 0 {
			res.MarginalIdleRatio = res.Idle[k-1].MarginalPerEvent / res.Idle[0].MarginalPerEvent
		}
	}
	return res, nil
}
