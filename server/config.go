package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

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
	ttl, err := time.ParseDuration(envOr("MESSENGER_TOKEN_TTL", auth.DefaultTokenTTL.String()))
	if err != nil {
		return cfg, fmt.Errorf("MESSENGER_TOKEN_TTL: %w", err)
	}
	fs.DurationVar(&cfg.TokenTTL, "token-ttl", ttl, "access token lifetime (MESSENGER_TOKEN_TTL)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if cfg.Secret != "" && len(cfg.Secret) < 32 {
		return cfg, errors.New("MESSENGER_SECRET must be at least 32 characters")
	}
	if cfg.TokenTTL <= 0 {
		return cfg, errors.New("MESSENGER_TOKEN_TTL must be positive")
	}
	return cfg, nil
}
