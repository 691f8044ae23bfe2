package main

// Phases "delivery" and "mix": open-loop sends on a fixed schedule (issued
// on time whatever the responses) to group conversations whose members hold
// the open streams, and the latency from each send's start to its event
// parsed at every receiving stream.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// rec is one event received by a stream: the run and send it belongs to,
// and when it was parsed.
type rec struct {
	run, idx int32
	at       time.Duration
}

// sink collects one stream's events; its lock is only ever contended by
// the harvest, never by another stream.
type sink struct {
	mu   sync.Mutex
	recs []rec
}

// streamSet is a set of open streams of the run's users, each recording
// the bench's events of the current run.
type streamSet struct {
	srv     *process
	streams []*stream
	sinks   []*sink
	owner   []int       // user index of each stream
	perUser map[int]int // streams held by each user
	run     atomic.Int32
	got     atomic.Int64 // events of the current run received
}

// spread returns the owners of n streams spread over the run's users:
// stream i is held by user i mod len(users), so every user holds
// n/len(users) streams (±1), and only the first n users hold one when n is
// smaller.
func (b *bench) spread(n int) []int {
	owners := make([]int, n)
	for i := range owners {
		owners[i] = i % len(b.users)
	}
	return owners
}

// openStreamSet opens one stream with selection against srv for each
// entry of owners (a user index), and waits until the server has
// subscribed them all.
func (b *bench) openStreamSet(ctx context.Context, srv *process, owners []int, selection, what string) (*streamSet, error) {
	n := len(owners)
	set := &streamSet{srv: srv, perUser: map[int]int{}}
	body := subscriptionBody(selection)
	specs := make([]streamSpec, n)
	set.sinks = make([]*sink, n)
	set.owner = make([]int, n)
	for i := range n {
		u := owners[i]
		set.owner[i] = u
		set.perUser[u]++
		sk := &sink{}
		set.sinks[i] = sk
		specs[i] = streamSpec{Token: b.users[u].Token, Body: body, Fn: func(line []byte, at time.Duration) {
			run, idx, ok := parseContent(line)
			if !ok || int32(run) != set.run.Load() || run == 0 {
				return
			}
			sk.mu.Lock()
			sk.recs = append(sk.recs, rec{int32(run), int32(idx), at})
			sk.mu.Unlock()
			set.got.Add(1)
		}}
	}
	t0 := time.Now()
	ss, err := openCounted(ctx, srv, specs, what)
	if err != nil {
		return nil, err
	}
	set.streams = ss
	logf("  %s: %d streams open and subscribed in %.1fs", what, n, time.Since(t0).Seconds())
	return set, nil
}

// Close closes every stream of the set.
func (s *streamSet) Close() { closeCounted(s.srv, s.streams) }

// harvest returns and forgets every event recorded so far.
func (s *streamSet) harvest() []rec {
	var out []rec
	for _, sk := range s.sinks {
		sk.mu.Lock()
		out = append(out, sk.recs...)
		sk.recs = nil
		sk.mu.Unlock()
	}
	return out
}

// planned is one send of an open-loop schedule: when (from the run's
// start), in which group, by which user.
type planned struct {
	at     time.Duration
	group  int
	sender int
}

// DeliveryResult is one open-loop delivery run.
type DeliveryResult struct {
	Name      string  `json:"name"`
	Servers   string  `json:"servers,omitempty"` // e.g. "A→B over nats"
	Streams   int     `json:"streams"`
	Selection string  `json:"selection"`
	Rate      float64 `json:"rate_per_sec"`
	Seconds   float64 `json:"seconds"`
	Planned   int     `json:"sends_planned"`
	Sends     int     `json:"sends"`
	// Overloaded: the schedule stopped early because too many sends were
	// in flight (see MaxBacklog).
	Overloaded bool   `json:"overloaded,omitempty"`
	SendErrors int    `json:"send_errors"`
	FirstError string `json:"first_send_error,omitempty"`
	// LateSends counts sends issued more than 10 ms after their scheduled time
	// (the client could not keep the schedule).
	LateSends int `json:"late_sends"`
	// MaxLag is how far (ms) the schedule loop fell behind at worst.
	MaxLag   float64 `json:"max_schedule_lag_ms"`
	Expected int     `json:"events_expected"`
	Received int     `json:"events_received"`
	Lost     int     `json:"events_lost"`
	Dups     int     `json:"events_duplicated"`
	// FailedButDelivered counts events of sends whose createMessage failed
	// (e.g. timed out) but whose message was stored and delivered anyway.
	FailedButDelivered int `json:"events_of_failed_sends"`
	// LostSends describes the first sends with missing events.
	LostSends []string `json:"lost_sends,omitempty"`
	// Latency is from the send's start to the event parsed at a stream.
	Latency Latency `json:"delivery_latency"`
	// AfterResponse is from the sender's createMessage response to the
	// event parsed at a stream (negative: the event came first).
	AfterResponse Latency `json:"after_response"`
	// Send is the createMessage round trip of the run's sends.
	Send         Latency `json:"create_message"`
	EventsPerSec float64 `json:"events_per_sec"`
	// ServerCores and ClientCores are the CPU time the receiving server and
	// the bench itself used during the run, in cores (1 = one core busy),
	// so that a run whose client was the bottleneck shows it.
	ServerCores float64 `json:"server_cores"`
	ClientCores float64 `json:"client_cores"`
	// DBCores is the same of the PostgreSQL backends serving the run's database.
	DBCores float64 `json:"db_cores"`
}

// runOpenLoop issues plan against sendURL (each send on time, in its own
// goroutine), waits for the responses and for the events to arrive at set
// (until all expected arrived, or none came for drainQuiet), and measures.
func (b *bench) runOpenLoop(ctx context.Context, sendURL string, set *streamSet, plan []planned, r *DeliveryResult) {
	if len(plan) == 0 {
		return
	}
	run := b.nextRun()
	set.harvest()
	set.got.Store(0)
	set.run.Store(int32(run))
	n := len(plan)
	start := make([]time.Duration, n)
	start0 := start
	end := make([]time.Duration, n)
	failed := make([]bool, n)
	var errs atomic.Int64
	var firstErr atomic.Value
	expected := 0
	expOf := make([]int, n)
	for i, p := range plan {
		for _, m := range b.groupsAll[p.group].Members {
			expOf[i] += set.perUser[m]
		}
	}
	var wg sync.WaitGroup
	srvCPU0, _ := set.srv.CPU()
	cliCPU0 := selfCPU()
	db0 := b.dbSnapshot(ctx)
	// Every request body is built before the clock starts, so the schedule
	// loop only sleeps and starts goroutines; the content carries the send's
	// run, index and scheduled time (unix ns).
	bodies := make([][]byte, n)
	wall := time.Now()
	for i, p := range plan {
		bodies[i] = sendBody(b.groupsAll[p.group].ID, fmt.Sprintf("bench|%d|%d|%d", run, i, wall.Add(p.at).UnixNano()))
	}
	t0 := since()
	late := 0
	var maxLag time.Duration
	// The schedule stops when more sends are in flight than MaxBacklog of
	// its own duration (at least 256): the server is overloaded, and going
	// on would only grow the queue (and the run's duration) without bound.
	sendRate := float64(n) / max(plan[n-1].at.Seconds(), 0.001)
	maxInFlight := int64(max(256, sendRate*b.cfg.MaxBacklog.Seconds()))
	var inFlight atomic.Int64
	issued := n
	for i, p := range plan {
		if ctx.Err() != nil {
			issued = i
			break
		}
		if inFlight.Load() > maxInFlight {
			issued = i
			logf("  %s: OVERLOADED: %d sends in flight; stopping after %d of %d sends", r.Name, inFlight.Load(), i, n)
			break
		}
		if wait := t0 + p.at - since(); wait > 0 {
			time.Sleep(wait)
		} else {
			maxLag = max(maxLag, -wait)
			if wait < -10*time.Millisecond {
				late++
			}
		}
		body := bodies[i]
		token := b.users[p.sender].Token
		start[i] = since()
		inFlight.Add(1)
		wg.Go(func() {
			err := send(ctx, sendURL, token, body)
			end[i] = since()
			inFlight.Add(-1)
			if err != nil {
				failed[i] = true
				errs.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
		})
	}
	wg.Wait()
	sendSpan := since() - t0
	plan, start, end, failed, expOf = plan[:issued], start[:issued], end[:issued], failed[:issued], expOf[:issued]
	n = issued
	for i := range n {
		if !failed[i] {
			expected += expOf[i]
		}
	}
	// Drain: wait for the expected events, or until none arrives for a while.
	last, lastAt, drainStart := set.got.Load(), time.Now(), time.Now()
	for set.got.Load() < int64(expected) && time.Since(lastAt) < b.cfg.DrainQuiet && time.Since(drainStart) < maxDrain && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
		if g := set.got.Load(); g != last {
			last, lastAt = g, time.Now()
		}
	}
	set.run.Store(0)
	if span := (since() - t0).Seconds(); span > 0 {
		srvCPU1, _ := set.srv.CPU()
		r.ServerCores = (srvCPU1 - srvCPU0).Seconds() / span
		r.ClientCores = (selfCPU() - cliCPU0).Seconds() / span
		r.DBCores = db0.until(b.dbSnapshot(ctx)).Seconds() / (since() - t0).Seconds()
	}
	recs := set.harvest()
	counts := make([]int, n)
	lat := make([]time.Duration, 0, len(recs))
	after := make([]time.Duration, 0, len(recs))
	for _, x := range recs {
		if int(x.run) != run || int(x.idx) >= n {
			continue
		}
		counts[x.idx]++
		if failed[x.idx] {
			r.FailedButDelivered++
		}
		lat = append(lat, x.at-start[x.idx])
		if end[x.idx] > 0 {
			after = append(after, x.at-end[x.idx])
		}
	}
	sendLat := make([]time.Duration, 0, n)
	for i := range n {
		if !failed[i] && end[i] > 0 {
			sendLat = append(sendLat, end[i]-start[i])
		}
		if failed[i] {
			continue
		}
		if d := expOf[i] - counts[i]; d > 0 {
			r.Lost += d
			if len(r.LostSends) < 10 {
				r.LostSends = append(r.LostSends, fmt.Sprintf("send %d at %.3fs: %d of %d events", i, plan[i].at.Seconds(), counts[i], expOf[i]))
			}
		} else {
			r.Dups -= d
		}
	}
	r.Planned, r.Sends, r.SendErrors, r.LateSends = len(start0), n, int(errs.Load()), late
	r.Overloaded = n < len(start0)
	r.MaxLag = float64(maxLag) / 1e6
	if f, ok := firstErr.Load().(string); ok {
		r.FirstError = truncate(f, 200)
	}
	r.Expected, r.Received = expected, len(lat)-r.FailedButDelivered
	r.Seconds = sendSpan.Seconds()
	r.EventsPerSec = float64(len(lat)) / sendSpan.Seconds()
	r.Latency = summarize(lat, true)
	r.AfterResponse = summarize(after, false)
	r.Send = summarize(sendLat, false)
	logf("  %s: %d sends (%d errors, %d late, lag ≤ %.0f ms), events %d/%d (lost %d), delivery p50 %.2f p99 %.2f p99.9 %.2f max %.1f ms; CPU: server %.2f, bench %.2f, database %.2f cores",
		r.Name, r.Sends, r.SendErrors, r.LateSends, r.MaxLag, r.Received, r.Expected, r.Lost, r.Latency.P50, r.Latency.P99, r.Latency.P999, r.Latency.Max, r.ServerCores, r.ClientCores, r.DBCores)
}

// maxDrain bounds how long a run waits for its events after its last response.
const maxDrain = 60 * time.Second

// uniformPlan is rate sends per second for d, round robin over the groups
// in active, each group's members taking turns as its sender.
func (b *bench) uniformPlan(rate float64, d time.Duration, active []int) []planned {
	n := int(rate * d.Seconds())
	plan := make([]planned, n)
	for i := range n {
		g := active[i%len(active)]
		ms := b.groupsAll[g].Members
		plan[i] = planned{at: time.Duration(float64(i) / rate * float64(time.Second)), group: g, sender: ms[(i/len(active))%len(ms)]}
	}
	return plan
}

// activeGroups returns the groups of four (indexes into groupsAll) that
// have at least one member holding a stream of set.
func (b *bench) activeGroups(set *streamSet) []int {
	var out []int
	for _, g := range b.quartets {
		for _, m := range b.groupsAll[g].Members {
			if set.perUser[m] > 0 {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// selectionName names a selection in the results.
func selectionName(sel string) string {
	if sel == selectionChat {
		return "chat (with sender)"
	}
	return "lean"
}

// deliveryOwners returns the owners of n streams for the delivery phase and
// the groups that send: the first A users (A = n, at most DeliveryActive and
// half the users, a multiple of four) hold one stream each and send in their
// groups of four, so every message reaches four streams whatever n is; the
// other n−A streams are held by the other users, who receive nothing. So
// the runs at 1,000 and 8,000 streams differ only in how many streams are
// open, not in the work per message (the realistic mix is the phase where
// every stream receives).
func (b *bench) deliveryOwners(n int) (owners, groups []int) {
	a := min(n, b.cfg.DeliveryActive, len(b.users)/2)
	a -= a % 4
	for i := range a {
		owners = append(owners, i)
	}
	for i := range n - a {
		owners = append(owners, a+i%(len(b.users)-a))
	}
	for _, g := range b.quartets {
		if b.groupsAll[g].Members[3] < a {
			groups = append(groups, g)
		}
	}
	return owners, groups
}

// runDelivery runs the delivery phase: for each stream count and each
// selection, one set of streams (see deliveryOwners), and on it one
// open-loop run per rate.
func (b *bench) runDelivery(ctx context.Context) ([]DeliveryResult, error) {
	srv, err := b.startServer(ctx, "memory", "server")
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	var out []DeliveryResult
	for _, n := range b.cfg.DeliveryStreams {
		for _, sel := range []string{selectionLean, selectionChat} {
			owners, active := b.deliveryOwners(n)
			set, err := b.openStreamSet(ctx, srv, owners, sel, fmt.Sprintf("delivery %d streams %s", n, selectionName(sel)))
			if err != nil {
				return nil, err
			}
			for _, rate := range b.cfg.DeliveryRates {
				r := DeliveryResult{Name: fmt.Sprintf("%d/s, %d streams, %s", int(rate), n, selectionName(sel)), Streams: n, Selection: selectionName(sel), Rate: rate}
				b.runOpenLoop(ctx, srv.URL, set, b.uniformPlan(rate, b.cfg.DeliveryDuration, active), &r)
				out = append(out, r)
				if err := srv.Alive(); err != nil {
					set.Close()
					return nil, err
				}
			}
			set.Close()
		}
	}
	return out, nil
}

// MixResult is the realistic mix: many senders sending a little each.
type MixResult struct {
	Users    int            `json:"users"`
	Senders  int            `json:"senders"`
	PerUser  float64        `json:"msgs_per_sec_per_sender"`
	Delivery DeliveryResult `json:"delivery"`
	// Write is createMessage closed-loop at c=32 with the mix's streams
	// still open, to compare with the write phase's ceiling.
	Write            *Throughput `json:"create_message_streams_open,omitempty"`
	WriteConcurrency int         `json:"create_message_concurrency,omitempty"`
}

// runMix runs the realistic mix: every group of four has one sender (its
// first member) sending MixRate messages a second from a random phase, so
// the sends of all senders add up to senders×rate per second, while the
// streams (the chat client's selection, with sender) are spread over every
// user; then createMessage c=32 closed-loop with those streams open.
func (b *bench) runMix(ctx context.Context) (*MixResult, error) {
	srv, err := b.startServer(ctx, "memory", "server")
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	set, err := b.openStreamSet(ctx, srv, b.spread(b.cfg.MixStreams), selectionChat, "mix")
	if err != nil {
		return nil, err
	}
	defer set.Close()
	res := &MixResult{Users: len(b.users), Senders: len(b.quartets), PerUser: b.cfg.MixRate}
	rng := rand.New(rand.NewPCG(1, 2))
	period := time.Duration(float64(time.Second) / b.cfg.MixRate)
	var plan []planned
	for _, g := range b.quartets {
		for at := time.Duration(rng.Int64N(int64(period))); at < b.cfg.MixDuration; at += period {
			plan = append(plan, planned{at: at, group: g, sender: b.groupsAll[g].Members[0]})
		}
	}
	sort.Slice(plan, func(i, j int) bool { return plan[i].at < plan[j].at })
	res.Delivery = DeliveryResult{
		Name:    fmt.Sprintf("mix: %d senders × %.1f/s, %d streams, chat (with sender)", len(b.quartets), b.cfg.MixRate, b.cfg.MixStreams),
		Streams: b.cfg.MixStreams, Selection: selectionName(selectionChat), Rate: float64(len(b.quartets)) * b.cfg.MixRate,
	}
	logf("mix: %d senders at %.1f msgs/s each for %v", len(b.quartets), b.cfg.MixRate, b.cfg.MixDuration)
	b.runOpenLoop(ctx, srv.URL, set, plan, &res.Delivery)
	if err := srv.Alive(); err != nil {
		return nil, err
	}
	c := min(32, len(b.quartets))
	logf("mix: createMessage c=%d closed loop with %d streams open for %v", c, b.cfg.MixStreams, b.cfg.WriteDuration)
	t := b.measured(ctx, srv, c, b.cfg.WriteDuration, func(ctx context.Context, w, i int) error {
		g := b.groupsAll[b.quartets[w]]
		return send(ctx, srv.URL, b.users[g.Members[0]].Token, sendBody(g.ID, content(0, i)))
	})
	res.Write, res.WriteConcurrency = &t, c
	logf("mix: createMessage c=%d: %.0f msgs/s p99 %.1f ms", c, t.PerSec, t.Lat.P99)
	return res, srv.Alive()
}
