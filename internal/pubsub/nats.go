package pubsub

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	neturl "net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/metrics"
)

const (
	// natsSubjectPrefix is followed by one token per user.
	natsSubjectPrefix = "messenger.events."
	natsFlushTimeout  = 5 * time.Second
)

// NATSBus is a Bus over NATS core pub/sub with one subject per user; every
// instance subscribes to all of them.
type NATSBus struct {
	hub       *Hub
	key       Key
	logger    *slog.Logger
	refusals  *refusals
	nc        *nats.Conn
	closed    chan struct{} // closed by the connection's ClosedHandler
	closeOnce sync.Once
}

var _ Bus = (*NATSBus)(nil)

// NATSOptions are the NATS bus's credentials and TLS files, on top of what
// its URL carries (user:password@ or token@, and tls:// for TLS).
type NATSOptions struct {
	// CredsFile is a .creds file: a user JWT and its nkey seed.
	CredsFile string
	// NkeySeedFile holds the seed of the user's nkey.
	NkeySeedFile string
	// CAFile holds the PEM root certificates that verify the server; it
	// turns TLS on.
	CAFile string
	// CertFile and KeyFile hold the PEM client certificate and its key for
	// mutual TLS; they go together and turn TLS on.
	CertFile, KeyFile string
}

// options returns the nats.go options that apply o.
func (o NATSOptions) options() ([]nats.Option, error) {
	var opts []nats.Option
	if o.CredsFile != "" && o.NkeySeedFile != "" {
		return nil, errors.New("pubsub: set a NATS creds file or an nkey seed file, not both")
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, errors.New("pubsub: the NATS client certificate and key files go together")
	}
	if o.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(o.CredsFile))
	}
	if o.NkeySeedFile != "" {
		opt, err := nats.NkeyOptionFromSeed(o.NkeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("pubsub: nats nkey seed file: %w", err)
		}
		opts = append(opts, opt)
	}
	if o.CAFile != "" {
		opts = append(opts, nats.RootCAs(o.CAFile))
	}
	if o.CertFile != "" {
		opts = append(opts, nats.ClientCert(o.CertFile, o.KeyFile))
	}
	return opts, nil
}

// NewNATSBus connects to the NATS server at url with the credentials and TLS
// of url and opts, and returns a Bus that seals its events with key and
// delivers to hub every instance's events that key authenticates (counting
// the others in m); it reconnects forever and resyncs the hub after each
// reconnect. The caller must Close it.
func NewNATSBus(url string, opts NATSOptions, key Key, hub *Hub, m *metrics.Metrics, logger *slog.Logger) (*NATSBus, error) {
	if !key.valid() {
		return nil, errors.New("pubsub: the NATS bus needs a key")
	}
	if logger == nil {
		logger = slog.Default()
	}
	extra, err := opts.options()
	if err != nil {
		return nil, err
	}
	b := &NATSBus{
		hub:      hub,
		key:      key,
		logger:   logger,
		refusals: &refusals{bus: "nats", metrics: m, logger: logger},
		closed:   make(chan struct{}),
	}
	nc, err := nats.Connect(url, append([]nats.Option{
		nats.Name("messenger"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(250*time.Millisecond, 250*time.Millisecond),
		// While disconnected, Publish appends to this bounded buffer (sent on
		// reconnect) and fails fast once it is full; it never blocks.
		nats.ReconnectBufSize(nats.DefaultReconnectBufSize),
		nats.FlusherTimeout(natsFlushTimeout),
		nats.PingInterval(10 * time.Second),
		nats.MaxPingsOutstanding(2),
		nats.DrainTimeout(natsFlushTimeout),
		nats.DisconnectErrHandler(b.onDisconnect),
		nats.ReconnectHandler(b.onReconnect),
		nats.ErrorHandler(b.onError),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
	}, extra...)...)
	if err != nil {
		var urlErr *neturl.Error
		if errors.As(err, &urlErr) { // its text would show the URL's credentials
			return nil, fmt.Errorf("pubsub: connect nats: invalid URL %s", Redacted(url))
		}
		return nil, fmt.Errorf("pubsub: connect nats: %w", err)
	}
	b.nc = nc
	if _, err := nc.Subscribe(natsSubjectPrefix+"*", b.deliver); err != nil {
		b.closeConn()
		return nil, fmt.Errorf("pubsub: subscribe nats: %w", err)
	}
	// Once the server has the subscription, no event published from now on
	// can miss this instance.
	if err := nc.FlushTimeout(natsFlushTimeout); err != nil {
		b.closeConn()
		return nil, fmt.Errorf("pubsub: flush nats subscription: %w", err)
	}
	return b, nil
}

// Publish sends each event on its user's subject, dropping the body of an
// event larger than the server accepts (receivers fetch it by MessageID). It
// never blocks: while disconnected the client buffers a bounded amount;
// failures are logged, and what failed still reaches this instance's hub.
func (b *NATSBus) Publish(ctx context.Context, events []chat.Event) {
	limit := int(b.nc.MaxPayload())
	var failed []chat.Event
	for _, ev := range events {
		p, err := encodeEvent(b.key, ev, limit)
		if err == nil {
			err = b.nc.Publish(natsSubject(ev.UserID), p)
		}
		if err != nil {
			b.logger.Error("pubsub: nats publish", "userId", ev.UserID, "seq", ev.Seq, "err", err)
			failed = append(failed, ev)
		}
	}
	if len(failed) > 0 {
		b.hub.Publish(ctx, failed) // at least this instance's subscribers get them
	}
}

// Close drains the subscription and pending publishes, closes the connection
// and waits until it is closed; it is idempotent.
func (b *NATSBus) Close() error {
	b.closeOnce.Do(b.closeConn)
	return nil
}

// closeConn drains the connection (or closes it when draining is impossible)
// and waits for its ClosedHandler.
func (b *NATSBus) closeConn() {
	if err := b.nc.Drain(); err != nil {
		b.nc.Close()
	}
	<-b.closed
}

// deliver hands one received event to the hub, unless it is not authentic
// or malformed; it runs on the subscription's goroutine, owned by the NATS
// connection.
func (b *NATSBus) deliver(msg *nats.Msg) {
	ev, err := decodeEvent(b.key, msg.Data)
	if err != nil {
		b.refusals.refuse(time.Now(), err, "subject", msg.Subject)
		return
	}
	b.hub.Publish(context.Background(), []chat.Event{ev})
}

// onDisconnect logs a lost connection; the client reconnects by itself.
func (b *NATSBus) onDisconnect(_ *nats.Conn, err error) {
	if err != nil {
		b.logger.Warn("pubsub: nats disconnected, reconnecting", "err", err)
	}
}

// onReconnect makes sure the server has our subscription again, then tells
// every local subscription to catch up from the database: events published
// by other instances during the outage never reached us.
func (b *NATSBus) onReconnect(nc *nats.Conn) {
	if err := nc.FlushTimeout(natsFlushTimeout); err != nil {
		b.logger.Warn("pubsub: nats flush after reconnect", "err", err)
	}
	b.logger.Info("pubsub: nats reconnected", "server", Redacted(nc.ConnectedUrl()))
	b.hub.Resync()
}

// onError logs asynchronous errors; a slow consumer has lost messages, so the
// hub is resynced.
func (b *NATSBus) onError(_ *nats.Conn, _ *nats.Subscription, err error) {
	b.logger.Error("pubsub: nats", "err", err)
	if errors.Is(err, nats.ErrSlowConsumer) {
		b.hub.Resync()
	}
}

// natsSubject returns the subject of userID's events; an ID that is not a
// valid subject token is hex-encoded (receivers read the user from the
// payload, so the subject only routes).
func natsSubject(userID string) string {
	if userID == "" || strings.ContainsAny(userID, ".*> \t\r\n") {
		return natsSubjectPrefix + "x" + hex.EncodeToString([]byte(userID))
	}
	return natsSubjectPrefix + userID
}
