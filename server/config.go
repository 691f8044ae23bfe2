package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/messenger/messenger/graph"
	"github.com/messenger/messenger/internal/auth"
)

// config is the server's configuration: each setting comes from its flag,
// else its environment variable, else its default.
type config struct {
	Addr        string
	DatabaseURL string
	Secret      string
	Bus         string
	TokenTTL    time.Duration
	TicketTTL   time.Duration
	KeepAlive   time.Duration
	// StreamWriteTimeout cuts an event stream whose client takes no data for that long.
	StreamWriteTimeout time.Duration
}

// parseConfig reads flags from args over the environment given by getenv.
func parseConfig(args []string, getenv func(string) string, output io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("messenger", flag.ContinueOnError)
	fs.SetOutput(output)
	envOr := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&cfg.Addr, "addr", envOr("MESSENGER_ADDR", ":8080"), "listen address (MESSENGER_ADDR)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", envOr("DATABASE_URL", ""),
		"postgres:// URL, or sqlite:PATH; empty: embedded SQLite at ./data/messenger.db (DATABASE_URL)")
	fs.StringVar(&cfg.Secret, "secret", envOr("MESSENGER_SECRET", ""),
		"token signing secret, at least 32 characters; empty: generated once and kept in the database (MESSENGER_SECRET)")
	fs.StringVar(&cfg.Bus, "bus", envOr("MESSENGER_BUS", "memory"),
		"event bus between instances: memory, postgres or nats://host:port (MESSENGER_BUS)")
	for _, d := range []struct {
		into        *time.Duration
		flag, env   string
		def         time.Duration
		description string
	}{
		{&cfg.TokenTTL, "token-ttl", "MESSENGER_TOKEN_TTL", auth.DefaultTokenTTL, "access token lifetime"},
		{&cfg.TicketTTL, "ticket-ttl", "MESSENGER_TICKET_TTL", auth.DefaultTicketTTL, "stream ticket lifetime"},
		{&cfg.KeepAlive, "keepalive", "MESSENGER_KEEPALIVE", graph.DefaultKeepAlive, "interval of keep-alive pings on event streams"},
		{&cfg.StreamWriteTimeout, "stream-write-timeout", "MESSENGER_STREAM_WRITE_TIMEOUT", graph.DefaultStreamWriteTimeout,
			"cut an event stream whose client takes no data for this long"},
	} {
		def, err := time.ParseDuration(envOr(d.env, d.def.String()))
		if err != nil {
			return cfg, fmt.Errorf("%s: %w", d.env, err)
		}
		fs.DurationVar(d.into, d.flag, def, d.description+" ("+d.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if cfg.Secret != "" && len(cfg.Secret) < 32 {
		return cfg, errors.New("MESSENGER_SECRET must be at least 32 characters")
	}
	if cfg.TokenTTL <= 0 || cfg.TicketTTL <= 0 || cfg.KeepAlive <= 0 || cfg.StreamWriteTimeout <= 0 {
		return cfg, errors.New("durations must be positive")
	}
	return cfg, nil
}
