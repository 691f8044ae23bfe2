package pubsub

import (
	"log/slog"
	"time"

	"github.com/messenger/messenger/internal/metrics"
)

// ListenerPID returns the backend PID of the LISTEN connection, or 0 while it
// is disconnected, so tests can terminate it.
func (b *PostgresBus) ListenerPID() uint32 { return b.listenerPID.Load() }

// Reconnecting reports whether the NATS connection is currently reconnecting.
func (b *NATSBus) Reconnecting() bool { return b.nc.IsReconnecting() }

// Seal returns body sealed with k, as a bus carries it.
func Seal(k Key, body []byte) []byte { return k.seal(body) }

// PostgresChannel is the LISTEN/NOTIFY channel of the postgres bus.
const PostgresChannel = postgresChannel

// NATSSubject returns the subject of userID's events.
func NATSSubject(userID string) string { return natsSubject(userID) }

// Flush returns once the NATS server has processed everything published so far.
func (b *NATSBus) Flush() error { return b.nc.FlushTimeout(natsFlushTimeout) }

// NewRefusals returns a function that refuses one payload at the time it is
// given, through one refusal recorder counting in m and logging to logger.
func NewRefusals(m *metrics.Metrics, logger *slog.Logger) func(now time.Time) {
	r := &refusals{bus: "test", metrics: m, logger: logger}
	return func(now time.Time) { r.refuse(now, errUnsealed) }
}

// EncodeEvent and DecodeEvent are the bus's payload codec.
var (
	EncodeEvent = encodeEvent
	DecodeEvent = decodeEvent
)
