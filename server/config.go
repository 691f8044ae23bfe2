package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/messenger/messenger/graph"
	"github.com/messenger/messenger/graph/transport"
	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/pubsub"
	"github.com/messenger/messenger/internal/ratelimit"
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
	// DebugAddr, when set, is where Go's profiler is served, apart from the API.
	DebugAddr string
	// StreamWriteTimeout cuts an event stream whose client takes no data for that long.
	StreamWriteTimeout time.Duration
	// NATS holds the NATS bus's credential and TLS files.
	NATS pubsub.NATSOptions
	// SessionCacheTTL bounds how long an instance that missed a session's
	// end on the bus keeps accepting its tokens.
	SessionCacheTTL time.Duration

	// Env is "development" or "production" (introspection off, no
	// suggestions in errors, no IDE unless IDE is "on").
	Env string
	IDE string

	// CORSOrigins are the origins whose front ends may call the API from a
	// browser, separated by commas.
	CORSOrigins string

	MaxBodyBytes    int64
	BodyReadTimeout time.Duration
	Documents       graph.DocumentLimits
	// RateLimits are the limits against abuse (see limitsettings.go).
	RateLimits limitsConfig
}

// Production reports whether the server runs in production mode.
func (c config) Production() bool { return c.Env == "production" }

// ServeIDE reports whether the GraphQL IDE is served at /.
func (c config) ServeIDE() bool {
	return c.IDE == "on" || (c.IDE == "" && !c.Production())
}

// option is one configuration value: a flag, the environment variable it
// falls back to, and the value (holding its default) it sets.
type option struct {
	flag, env, usage string
	value            flag.Value
}

// options returns the options that fill cfg, with cfg's current values as
// their defaults.
func options(cfg *config) []option {
	return []option{
		{"addr", "MESSENGER_ADDR", "listen address", (*text)(&cfg.Addr)},
		{"database-url", "DATABASE_URL", "postgres:// URL, or sqlite:PATH; empty: embedded SQLite at ./data/messenger.db", (*text)(&cfg.DatabaseURL)},
		{"secret", "MESSENGER_SECRET", "token signing secret, at least 32 characters; empty: generated once and kept in the database", (*text)(&cfg.Secret)},
		{"bus", "MESSENGER_BUS", "event bus between instances: memory, postgres or nats://host:port", (*text)(&cfg.Bus)},
		{"nats-creds", "MESSENGER_NATS_CREDS", "NATS bus: .creds file (user JWT and nkey seed)", (*text)(&cfg.NATS.CredsFile)},
		{"nats-nkey", "MESSENGER_NATS_NKEY", "NATS bus: file holding the user's nkey seed", (*text)(&cfg.NATS.NkeySeedFile)},
		{"nats-ca", "MESSENGER_NATS_CA", "NATS bus: PEM root certificates that verify the server (turns TLS on)", (*text)(&cfg.NATS.CAFile)},
		{"nats-cert", "MESSENGER_NATS_CERT", "NATS bus: PEM client certificate for mutual TLS (with -nats-key)", (*text)(&cfg.NATS.CertFile)},
		{"nats-key", "MESSENGER_NATS_KEY", "NATS bus: PEM key of the client certificate", (*text)(&cfg.NATS.KeyFile)},
		{"token-ttl", "MESSENGER_TOKEN_TTL", "access token lifetime", (*duration)(&cfg.TokenTTL)},
		{"ticket-ttl", "MESSENGER_TICKET_TTL", "stream ticket lifetime", (*duration)(&cfg.TicketTTL)},
		{"keepalive", "MESSENGER_KEEPALIVE", "interval of keep-alive pings on event streams", (*duration)(&cfg.KeepAlive)},
		{"stream-write-timeout", "MESSENGER_STREAM_WRITE_TIMEOUT", "cut an event stream whose client takes no data for this long", (*duration)(&cfg.StreamWriteTimeout)},
		{"session-cache-ttl", "MESSENGER_SESSION_CACHE_TTL", "how long a session found live is trusted without asking the database again", (*duration)(&cfg.SessionCacheTTL)},
		{"env", "MESSENGER_ENV", "development, or production: introspection off, no name suggestions in errors, no IDE", (*text)(&cfg.Env)},
		{"ide", "MESSENGER_IDE", "on or off: serve the GraphQL IDE at / (default: on in development, off in production)", (*text)(&cfg.IDE)},
		{"cors-origins", "MESSENGER_CORS_ORIGINS", "origins (scheme://host[:port], comma-separated) whose front ends may call the API from a browser; default none", (*text)(&cfg.CORSOrigins)},
		{"max-body-bytes", "MESSENGER_MAX_BODY_BYTES", "largest request body; larger ones get 413", (*count64)(&cfg.MaxBodyBytes)},
		{"body-read-timeout", "MESSENGER_BODY_READ_TIMEOUT", "time a client has to send its request body", (*duration)(&cfg.BodyReadTimeout)},
		{"max-query-tokens", "MESSENGER_MAX_QUERY_TOKENS", "most lexical tokens in a GraphQL document", (*count)(&cfg.Documents.Tokens)},
		{"max-query-fields", "MESSENGER_MAX_QUERY_FIELDS", "most fields in a GraphQL document, fragments expanded", (*count)(&cfg.Documents.Fields)},
		{"max-query-aliases", "MESSENGER_MAX_QUERY_ALIASES", "most aliased fields in a GraphQL document", (*count)(&cfg.Documents.Aliases)},
		{"max-query-directives", "MESSENGER_MAX_QUERY_DIRECTIVES", "most directives in a GraphQL document", (*count)(&cfg.Documents.Directives)},
		{"max-query-depth", "MESSENGER_MAX_QUERY_DEPTH", "deepest nesting of fields in an operation", (*count)(&cfg.Documents.Depth)},
		{"max-root-fields", "MESSENGER_MAX_ROOT_FIELDS", "most root fields (aliases included) in an operation", (*count)(&cfg.Documents.RootFields)},
		{"client-ip-header", "MESSENGER_CLIENT_IP_HEADER", "trusted header with the client's address, set by the proxy in front (its last entry counts); empty: the connection's address", (*text)(&cfg.RateLimits.ClientIPHeader)},
		{"hash-concurrency", "MESSENGER_HASH_CONCURRENCY", "password hashes computed at once (64 MiB each)", (*count)(&cfg.RateLimits.HashConcurrency)},
		{"hash-wait", "MESSENGER_HASH_WAIT", "how long a log-in or sign-up waits for a hashing slot before RATE_LIMITED", (*wait)(&cfg.RateLimits.HashWait)},
		{"auth-rate-per-address", "MESSENGER_AUTH_RATE_PER_ADDRESS", "logIn and signUp per client address: N/PERIOD, or off", (*limit)(&cfg.RateLimits.AuthPerAddress.Limit)},
		{"auth-burst-per-address", "MESSENGER_AUTH_BURST_PER_ADDRESS", "logIn and signUp per client address at once", (*count)(&cfg.RateLimits.AuthPerAddress.Burst)},
		{"auth-rate-per-username", "MESSENGER_AUTH_RATE_PER_USERNAME", "logIn and signUp per username: N/PERIOD, or off", (*limit)(&cfg.RateLimits.AuthPerUsername.Limit)},
		{"auth-burst-per-username", "MESSENGER_AUTH_BURST_PER_USERNAME", "logIn and signUp per username at once", (*count)(&cfg.RateLimits.AuthPerUsername.Burst)},
		{"message-rate", "MESSENGER_MESSAGE_RATE", "createMessage per user: N/PERIOD, or off", (*limit)(&cfg.RateLimits.Messages.Limit)},
		{"message-burst", "MESSENGER_MESSAGE_BURST", "createMessage per user at once", (*count)(&cfg.RateLimits.Messages.Burst)},
		{"mutation-rate", "MESSENGER_MUTATION_RATE", "every other mutation per user: N/PERIOD, or off", (*limit)(&cfg.RateLimits.Mutations.Limit)},
		{"mutation-burst", "MESSENGER_MUTATION_BURST", "every other mutation per user at once", (*count)(&cfg.RateLimits.Mutations.Burst)},
		{"typing-rate", "MESSENGER_TYPING_RATE", "sendTyping per user and conversation: N/PERIOD, or off", (*limit)(&cfg.RateLimits.Typing.Limit)},
		{"typing-burst", "MESSENGER_TYPING_BURST", "sendTyping per user and conversation at once", (*count)(&cfg.RateLimits.Typing.Burst)},
		{"streams-per-user", "MESSENGER_STREAMS_PER_USER", "open event streams per user", (*count)(&cfg.RateLimits.StreamsPerUser)},
		{"debug-addr", "MESSENGER_DEBUG_ADDR", "address of a separate listener serving Go's profiler at /debug/pprof/ (keep it private, e.g. 127.0.0.1:6060); empty: none", (*text)(&cfg.DebugAddr)},
	}
}

// Defaults of the event streams: the interval of their keep-alive pings,
// and how long a client may take to accept a write before its stream is cut.
const (
	defaultKeepAlive          = 15 * time.Second
	defaultStreamWriteTimeout = 30 * time.Second
)

// defaults returns the configuration before flags and environment.
func defaults() config {
	return config{
		Addr:               ":8080",
		Bus:                "memory",
		TokenTTL:           auth.DefaultTokenTTL,
		TicketTTL:          auth.DefaultTicketTTL,
		KeepAlive:          defaultKeepAlive,
		StreamWriteTimeout: defaultStreamWriteTimeout,
		SessionCacheTTL:    auth.DefaultSessionCacheTTL,
		Env:                "development",
		MaxBodyBytes:       transport.DefaultMaxBodyBytes,
		BodyReadTimeout:    transport.DefaultBodyReadTimeout,
		Documents:          graph.DefaultDocumentLimits,
		RateLimits:         defaultLimits(),
	}
}

// parseConfig reads flags from args over the environment given by getenv.
// Values from the environment are applied after parsing, so that a usage
// message never prints them (they may hold secrets).
func parseConfig(args []string, getenv func(string) string, output io.Writer) (config, error) {
	cfg := defaults()
	opts := options(&cfg)
	fs := flag.NewFlagSet("messenger", flag.ContinueOnError)
	fs.SetOutput(output)
	for _, o := range opts {
		fs.Var(o.value, o.flag, o.usage+" ("+o.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, o := range opts {
		if v := getenv(o.env); v != "" && !given[o.flag] {
			if err := o.value.Set(v); err != nil {
				return config{}, fmt.Errorf("%s: %w", o.env, err)
			}
		}
	}
	if cfg.Secret != "" && len(cfg.Secret) < 32 {
		return cfg, errors.New("MESSENGER_SECRET must be at least 32 characters")
	}
	if cfg.Env != "development" && cfg.Env != "production" {
		return cfg, fmt.Errorf("-env: want development or production, got %q", cfg.Env)
	}
	if cfg.IDE != "" && cfg.IDE != "on" && cfg.IDE != "off" {
		return cfg, fmt.Errorf("-ide: want on or off, got %q", cfg.IDE)
	}
	return cfg, nil
}

// text is a string option.
type text string

func (t *text) String() string     { return string(*t) }
func (t *text) Set(v string) error { *t = text(v); return nil }

// duration is a positive duration option, such as 30s.
type duration time.Duration

func (d *duration) String() string { return time.Duration(*d).String() }
func (d *duration) Set(v string) error {
	parsed, err := time.ParseDuration(v)
	if err != nil || parsed <= 0 {
		return fmt.Errorf("want a positive duration such as 30s, got %q", v)
	}
	*d = duration(parsed)
	return nil
}

// wait is a duration option that may be zero.
type wait time.Duration

func (d *wait) String() string { return time.Duration(*d).String() }
func (d *wait) Set(v string) error {
	parsed, err := time.ParseDuration(v)
	if err != nil || parsed < 0 {
		return fmt.Errorf("want a duration such as 2s, got %q", v)
	}
	*d = wait(parsed)
	return nil
}

// limit is a sustained rate option, "N/PERIOD" such as 20/1s, or "off".
type limit rate.Limit

func (l *limit) String() string {
	if rate.Limit(*l) == rate.Inf {
		return "off"
	}
	return strconv.FormatFloat(float64(*l), 'g', 4, 64) + "/1s"
}
func (l *limit) Set(v string) error {
	parsed, err := ratelimit.ParseLimit(v)
	if err != nil {
		return err
	}
	*l = limit(parsed)
	return nil
}

// count is a positive whole number option.
type count int

func (c *count) String() string { return strconv.Itoa(int(*c)) }
func (c *count) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("want a positive whole number, got %q", v)
	}
	*c = count(n)
	return nil
}

// count64 is a positive whole number option that may exceed 2^31.
type count64 int64

func (c *count64) String() string { return strconv.FormatInt(int64(*c), 10) }
func (c *count64) Set(v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("want a positive whole number, got %q", v)
	}
	*c = count64(n)
	return nil
}
