package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/messenger/messenger/graph"
	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/pubsub"
)

// config is the server's configuration: each option comes from its flag,
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
	// NATS holds the NATS bus's credential and TLS files.
	NATS pubsub.NATSOptions
}

// option is one configuration value: a flag, the environment variable it
// falls back to, and the default used when neither is set.
type option struct {
	flag, env, def, usage string
}

var options = []option{
	{"addr", "MESSENGER_ADDR", ":8080", "listen address"},
	{"database-url", "DATABASE_URL", "", "postgres:// URL, or sqlite:PATH; empty: embedded SQLite at ./data/messenger.db"},
	{"secret", "MESSENGER_SECRET", "", "token signing secret, at least 32 characters; empty: generated once and kept in the database"},
	{"bus", "MESSENGER_BUS", "memory", "event bus between instances: memory, postgres or nats://host:port"},
	{"nats-creds", "MESSENGER_NATS_CREDS", "", "NATS bus: .creds file (user JWT and nkey seed)"},
	{"nats-nkey", "MESSENGER_NATS_NKEY", "", "NATS bus: file holding the user's nkey seed"},
	{"nats-ca", "MESSENGER_NATS_CA", "", "NATS bus: PEM root certificates that verify the server (turns TLS on)"},
	{"nats-cert", "MESSENGER_NATS_CERT", "", "NATS bus: PEM client certificate for mutual TLS (with -nats-key)"},
	{"nats-key", "MESSENGER_NATS_KEY", "", "NATS bus: PEM key of the client certificate"},
	{"token-ttl", "MESSENGER_TOKEN_TTL", auth.DefaultTokenTTL.String(), "access token lifetime"},
	{"ticket-ttl", "MESSENGER_TICKET_TTL", auth.DefaultTicketTTL.String(), "stream ticket lifetime"},
	{"keepalive", "MESSENGER_KEEPALIVE", graph.DefaultKeepAlive.String(), "interval of keep-alive pings on event streams"},
	{"stream-write-timeout", "MESSENGER_STREAM_WRITE_TIMEOUT", graph.DefaultStreamWriteTimeout.String(),
		"cut an event stream whose client takes no data for this long"},
}

// parseConfig reads flags from args over the environment given by getenv.
// Values from the environment are applied after parsing, so that a usage
// message never prints them (they may hold secrets).
func parseConfig(args []string, getenv func(string) string, output io.Writer) (config, error) {
	fs := flag.NewFlagSet("messenger", flag.ContinueOnError)
	fs.SetOutput(output)
	values := make(map[string]*string, len(options))
	for _, s := range options {
		values[s.flag] = fs.String(s.flag, s.def, s.usage+" ("+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, s := range options {
		if v := getenv(s.env); v != "" && !given[s.flag] {
			*values[s.flag] = v
		}
	}

	cfg := config{
		Addr:        *values["addr"],
		DatabaseURL: *values["database-url"],
		Secret:      *values["secret"],
		Bus:         *values["bus"],
		NATS: pubsub.NATSOptions{
			CredsFile:    *values["nats-creds"],
			NkeySeedFile: *values["nats-nkey"],
			CAFile:       *values["nats-ca"],
			CertFile:     *values["nats-cert"],
			KeyFile:      *values["nats-key"],
		},
	}
	for name, into := range map[string]*time.Duration{
		"token-ttl":            &cfg.TokenTTL,
		"ticket-ttl":           &cfg.TicketTTL,
		"keepalive":            &cfg.KeepAlive,
		"stream-write-timeout": &cfg.StreamWriteTimeout,
	} {
		d, err := time.ParseDuration(*values[name])
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("-%s: want a positive duration such as 30s, got %q", name, *values[name])
		}
		*into = d
	}
	if cfg.Secret != "" && len(cfg.Secret) < 32 {
		return cfg, errors.New("MESSENGER_SECRET must be at least 32 characters")
	}
	return cfg, nil
}
