package main

// Phase "cluster": two server processes on the same database, sends on
// instance A and streams on instance B, over the postgres and the NATS bus,
// beside one instance at the same rate.

import (
	"context"
	"fmt"
)

// ClusterRun is one configuration of the cluster phase.
type ClusterRun struct {
	Bus      string         `json:"bus"`
	Delivery DeliveryResult `json:"delivery"`
	Error    string         `json:"error,omitempty"`
}

// runCluster runs the same open-loop schedule (ClusterRate for
// DeliveryDuration, lean selection, ClusterStreams streams) on one instance
// (memory bus), then across two instances for each bus in ClusterBuses. A
// bus whose servers do not start (e.g. NATS unreachable) is reported with
// its error and the phase goes on.
func (b *bench) runCluster(ctx context.Context) ([]ClusterRun, error) {
	var out []ClusterRun
	one := func() (ClusterRun, error) {
		r := ClusterRun{Bus: "one instance (memory)"}
		srv, err := b.startServer(ctx, "memory", "server")
		if err != nil {
			return r, err
		}
		defer srv.Stop()
		set, err := b.openStreamSet(ctx, srv, b.spread(b.cfg.ClusterStreams), selectionLean, "cluster one instance")
		if err != nil {
			return r, err
		}
		defer set.Close()
		r.Delivery = DeliveryResult{Name: fmt.Sprintf("one instance, %d/s, %d streams", int(b.cfg.ClusterRate), b.cfg.ClusterStreams),
			Servers: "A", Streams: b.cfg.ClusterStreams, Selection: "lean", Rate: b.cfg.ClusterRate}
		b.runOpenLoop(ctx, srv.URL, set, b.uniformPlan(b.cfg.ClusterRate, b.cfg.DeliveryDuration, b.activeGroups(set)), &r.Delivery)
		return r, srv.Alive()
	}
	two := func(bus string) (ClusterRun, error) {
		r := ClusterRun{Bus: bus}
		a, err := b.startServer(ctx, bus, "server A")
		if err != nil {
			return r, err
		}
		defer a.Stop()
		bsrv, err := b.startServer(ctx, bus, "server B")
		if err != nil {
			return r, err
		}
		defer bsrv.Stop()
		set, err := b.openStreamSet(ctx, bsrv, b.spread(b.cfg.ClusterStreams), selectionLean, "cluster "+bus)
		if err != nil {
			return r, err
		}
		defer set.Close()
		r.Delivery = DeliveryResult{Name: fmt.Sprintf("A→B over %s, %d/s, %d streams", bus, int(b.cfg.ClusterRate), b.cfg.ClusterStreams),
			Servers: "A→B", Streams: b.cfg.ClusterStreams, Selection: "lean", Rate: b.cfg.ClusterRate}
		b.runOpenLoop(ctx, a.URL, set, b.uniformPlan(b.cfg.ClusterRate, b.cfg.DeliveryDuration, b.activeGroups(set)), &r.Delivery)
		if err := a.Alive(); err != nil {
			return r, err
		}
		return r, bsrv.Alive()
	}
	r, err := one()
	if err != nil {
		return nil, err
	}
	out = append(out, r)
	for _, bus := range b.cfg.ClusterBuses {
		logf("cluster: two instances over %s", bus)
		r, err := two(bus)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			logf("cluster: %s: %v", bus, err)
			r.Error = truncate(err.Error(), 500)
		}
		out = append(out, r)
	}
	return out, nil
}
