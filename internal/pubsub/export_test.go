package pubsub

// ListenerPID returns the backend PID of the LISTEN connection, or 0 while it
// is disconnected, so tests can terminate it.
func (b *PostgresBus) ListenerPID() uint32 { return b.listenerPID.Load() }

// Reconnecting reports whether the NATS connection is currently reconnecting.
func (b *NATSBus) Reconnecting() bool { return b.nc.IsReconnecting() }
