package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/messenger/messenger/graph"
	"github.com/messenger/messenger/internal/auth"
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
	// Limits are the limits against abuse (see limits.go).
	Limits limitsConfig
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
	{"token-ttl", "MESSENGER_TOKEN_TTL", auth.DefaultTokenTTL.String(), "access token lifetime"},
	{"ticket-ttl", "MESSENGER_TICKET_TTL", auth.DefaultTicketTTL.String(), "stream ticket lifetime"},
	{"keepalive", "MESSENGER_KEEPALIVE", graph.DefaultKeepAlive.String(), "interval of keep-alive pings on event streams"},
	{"stream-write-timeout", "MESSENGER_STREAM_WRITE_TIMEOUT", graph.DefaultStreamWriteTimeout.String(),
		"cut an event stream whose client takes no data for this long"},
	{"client-ip-header", "MESSENGER_CLIENT_IP_HEADER", "", "trusted header with the client's address, set by the proxy in front (its last entry counts); empty: the connection's address"},
	{"hash-concurrency", "MESSENGER_HASH_CONCURRENCY", strconv.Itoa(auth.DefaultHashConcurrency), "password hashes computed at once (64 MiB each)"},
	{"hash-wait", "MESSENGER_HASH_WAIT", auth.DefaultHashWait.String(), "how long a log-in or sign-up waits for a hashing slot before RATE_LIMITED"},
	{"auth-rate-per-address", "MESSENGER_AUTH_RATE_PER_ADDRESS", graph.DefaultAuthRatePerAddress, "logIn and signUp per client address: N/PERIOD, or off"},
	{"auth-burst-per-address", "MESSENGER_AUTH_BURST_PER_ADDRESS", strconv.Itoa(graph.DefaultAuthBurstPerAddress), "logIn and signUp per client address at once"},
	{"auth-rate-per-username", "MESSENGER_AUTH_RATE_PER_USERNAME", graph.DefaultAuthRatePerUsername, "logIn and signUp per username: N/PERIOD, or off"},
	{"auth-burst-per-username", "MESSENGER_AUTH_BURST_PER_USERNAME", strconv.Itoa(graph.DefaultAuthBurstPerUsername), "logIn and signUp per username at once"},
	{"message-rate", "MESSENGER_MESSAGE_RATE", graph.DefaultMessageRate, "createMessage per user: N/PERIOD, or off"},
	{"message-burst", "MESSENGER_MESSAGE_BURST", strconv.Itoa(graph.DefaultMessageBurst), "createMessage per user at once"},
	{"mutation-rate", "MESSENGER_MUTATION_RATE", graph.DefaultMutationRate, "every other mutation per user: N/PERIOD, or off"},
	{"mutation-burst", "MESSENGER_MUTATION_BURST", strconv.Itoa(graph.DefaultMutationBurst), "every other mutation per user at once"},
	{"streams-per-user", "MESSENGER_STREAMS_PER_USER", strconv.Itoa(graph.DefaultStreamsPerUser), "open event streams per user"},
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
	}
	if err := cfg.Limits.parse(values); err != nil {
		return cfg, err
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
