package pubsub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/metrics"
)

const (
	// postgresChannel is the LISTEN/NOTIFY channel shared by every instance.
	postgresChannel = "messenger_events"
	// maxNotifyPayload keeps a payload, its MAC included, under
	// PostgreSQL's 8000-byte limit.
	maxNotifyPayload = 7900
	// notifySQL sends every payload in one round trip and one transaction.
	notifySQL = `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`

	publishTimeout  = 5 * time.Second
	notifyAttempts  = 3
	listenIdle      = 30 * time.Second // after this long without a notification, ping the listen connection
	pingTimeout     = 5 * time.Second
	connectTimeout  = 10 * time.Second
	closeTimeout    = 2 * time.Second
	minRetryBackoff = 50 * time.Millisecond
	maxRetryBackoff = 2 * time.Second
)

// PostgresBus is a Bus over PostgreSQL LISTEN/NOTIFY: it needs no
// infrastructure beyond the database.
type PostgresBus struct {
	databaseURL string
	hub         *Hub
	key         Key
	logger      *slog.Logger
	refusals    *refusals
	pool        *pgxpool.Pool // sends NOTIFY

	listenerPID atomic.Uint32 // backend PID of the LISTEN connection, 0 while disconnected
	cancel      context.CancelFunc
	done        chan struct{} // closed when the listener goroutine exited
	closeOnce   sync.Once
}

var _ Bus = (*PostgresBus)(nil)

// NewPostgresBus connects to databaseURL, starts listening and returns a Bus
// that seals its events with key and delivers to hub every instance's
// notifications that key authenticates (counting the others in m); the
// caller must Close it.
func NewPostgresBus(ctx context.Context, databaseURL string, key Key, hub *Hub, m *metrics.Metrics, logger *slog.Logger) (*PostgresBus, error) {
	if !key.valid() {
		return nil, errors.New("pubsub: the postgres bus needs a key")
	}
	if logger == nil {
		logger = slog.Default()
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("pubsub: parse postgres url: %w", err)
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pubsub: create postgres pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pubsub: ping postgres: %w", err)
	}

	b := &PostgresBus{
		databaseURL: databaseURL,
		hub:         hub,
		key:         key,
		logger:      logger,
		refusals:    &refusals{bus: "postgres", metrics: m, logger: logger},
		pool:        pool,
		done:        make(chan struct{}),
	}
	conn, err := b.listen(ctx)
	if err != nil {
		pool.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	go b.run(runCtx, conn)
	return b, nil
}

// Publish sends the events to every instance in one NOTIFY round trip,
// dropping the body of an event too large for a notification (receivers
// fetch it by MessageID). It outlives a cancelled ctx for up to a few seconds
// and logs failures instead of returning them; when NOTIFY keeps failing, the
// events still reach this instance's own subscribers.
func (b *PostgresBus) Publish(ctx context.Context, events []chat.Event) {
	payloads := make([]string, 0, len(events))
	for _, ev := range events {
		p, err := encodeEvent(b.key, ev, maxNotifyPayload)
		if err != nil {
			b.logger.Error("pubsub: encode event", "userId", ev.UserID, "seq", ev.Seq, "err", err)
			continue
		}
		payloads = append(payloads, string(p))
	}
	if len(payloads) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	var err error
	for range notifyAttempts {
		// A pooled connection that died since its last use (terminated
		// backend, failover, network cut) fails once and is discarded by the
		// pool: try again on another. A repeated notification is harmless,
		// since subscriptions drop the seqs they already delivered.
		if _, err = b.pool.Exec(ctx, notifySQL, postgresChannel, payloads); err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		b.logger.Error("pubsub: postgres notify", "events", len(payloads), "err", err)
		b.hub.Publish(ctx, events)
	}
}

// Close stops the listener, closes the connections and waits; it is
// idempotent.
func (b *PostgresBus) Close() error {
	b.closeOnce.Do(func() {
		b.cancel()
		<-b.done
		b.pool.Close()
	})
	return nil
}

// listen opens a dedicated connection and issues LISTEN on it.
func (b *PostgresBus) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, b.databaseURL)
	if err != nil {
		return nil, fmt.Errorf("pubsub: connect postgres listener: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{postgresChannel}.Sanitize()); err != nil {
		closeConn(conn)
		return nil, fmt.Errorf("pubsub: listen on %s: %w", postgresChannel, err)
	}
	b.listenerPID.Store(conn.PgConn().PID())
	return conn, nil
}

// run is the listener goroutine: it delivers notifications until ctx is
// cancelled and, whenever the connection is lost, reconnects and resyncs the
// hub so that every subscription catches up from the database.
func (b *PostgresBus) run(ctx context.Context, conn *pgx.Conn) {
	defer close(b.done)
	for {
		err := b.receive(ctx, conn)
		b.listenerPID.Store(0)
		closeConn(conn)
		if ctx.Err() != nil {
			return
		}
		b.logger.Warn("pubsub: postgres listener lost, reconnecting", "err", err)
		if conn = b.reconnect(ctx); conn == nil {
			return
		}
		b.logger.Info("pubsub: postgres listener reconnected")
		b.hub.Resync()
	}
}

// receive hands each notification to the hub until the connection fails or
// ctx is cancelled; an idle connection is pinged so a silent network failure
// is noticed.
func (b *PostgresBus) receive(ctx context.Context, conn *pgx.Conn) error {
	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenIdle)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			b.deliver(ctx, n.Payload)
		case ctx.Err() != nil:
			return ctx.Err()
		case pgconn.Timeout(err):
			pingCtx, cancel := context.WithTimeout(ctx, pingTimeout)
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		default:
			return err
		}
	}
}

// deliver decodes one notification payload and publishes it to the hub,
// unless it is not authentic or malformed.
func (b *PostgresBus) deliver(ctx context.Context, payload string) {
	ev, err := decodeEvent(b.key, []byte(payload))
	if err != nil {
		b.refusals.refuse(time.Now(), err)
		return
	}
	b.hub.Publish(ctx, []chat.Event{ev})
}

// reconnect retries listen with a bounded exponential backoff until it
// succeeds (returning the connection) or ctx is cancelled (returning nil).
func (b *PostgresBus) reconnect(ctx context.Context) *pgx.Conn {
	backoff := minRetryBackoff
	for {
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
		attemptCtx, cancel := context.WithTimeout(ctx, connectTimeout)
		conn, err := b.listen(attemptCtx)
		cancel()
		if err == nil {
			return conn
		}
		if ctx.Err() != nil {
			return nil
		}
		backoff = min(2*backoff, maxRetryBackoff)
		b.logger.Warn("pubsub: postgres listener reconnect failed", "err", err, "retryIn", backoff)
	}
}

// closeConn closes conn, bounded in time (the connection may be broken).
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_ = conn.Close(ctx)
}
