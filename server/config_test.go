package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	env := map[string]string{
		"MESSENGER_SECRET":    "a secret from the environment, 32+ chars",
		"DATABASE_URL":        "postgres://app:hunter2@db/x",
		"MESSENGER_TOKEN_TTL": "1h",
		"MESSENGER_ADDR":      ":9000",
	}
	getenv := func(k string) string { return env[k] }
	t.Run("FlagBeatsEnvironmentBeatsDefault", func(t *testing.T) {
		cfg, err := parseConfig([]string{"-addr", ":7000"}, getenv, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Addr != ":7000" || cfg.TokenTTL != time.Hour || cfg.Bus != "memory" || cfg.DatabaseURL != env["DATABASE_URL"] {
			t.Fatalf("got %+v", cfg)
		}
	})
	t.Run("UsageNeverShowsSecrets", func(t *testing.T) {
		var out bytes.Buffer
		if _, err := parseConfig([]string{"-no-such-flag"}, getenv, &out); err == nil {
			t.Fatal("unknown flag accepted")
		}
		if strings.Contains(out.String(), "hunter2") || strings.Contains(out.String(), "a secret") {
			t.Fatalf("usage shows a secret:\n%s", out.String())
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, args := range [][]string{{"-secret", "short"}, {"-keepalive", "0s"}, {"-ticket-ttl", "soon"}, {"extra"}} {
			if _, err := parseConfig(args, func(string) string { return "" }, &bytes.Buffer{}); err == nil {
				t.Errorf("%v accepted", args)
			}
		}
	})
}

func TestRedactURL(t *testing.T) {
	if got := redactURL("nats://user:pass@host:4222"); strings.Contains(got, "pass") {
		t.Fatalf("got %s", got)
	}
	if got := redactURL("memory"); got != "memory" {
		t.Fatalf("got %s", got)
	}
}
