package main

import (
	"bytes"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/messenger/messenger/internal/ratelimit"
)

func TestParseLimits(t *testing.T) {
	none := func(string) string { return "" }
	cfg, err := parseConfig(nil, none, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := limitsConfig{
		HashConcurrency: 4,
		HashWait:        2 * time.Second,
		AuthPerAddress:  ratelimit.Rate{Limit: rate.Limit(10.0 / 60), Burst: 20},
		AuthPerUsername: ratelimit.Rate{Limit: rate.Limit(5.0 / 60), Burst: 5},
		Messages:        ratelimit.Rate{Limit: 20, Burst: 40},
		Mutations:       ratelimit.Rate{Limit: 10, Burst: 20},
		Typing:          ratelimit.Rate{Limit: 1, Burst: 3},
		StreamsPerUser:  16,
	}
	if cfg.RateLimits != want {
		t.Fatalf("defaults: got %+v, want %+v", cfg.RateLimits, want)
	}
	env := map[string]string{"MESSENGER_MESSAGE_RATE": "off", "MESSENGER_CLIENT_IP_HEADER": "X-Forwarded-For", "MESSENGER_STREAMS_PER_USER": "3",
		"MESSENGER_TYPING_RATE": "2/1s", "MESSENGER_TYPING_BURST": "5"}
	cfg, err = parseConfig([]string{"-hash-wait", "0s"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.RateLimits.Messages.Unlimited() || cfg.RateLimits.ClientIPHeader != "X-Forwarded-For" || cfg.RateLimits.StreamsPerUser != 3 || cfg.RateLimits.HashWait != 0 ||
		cfg.RateLimits.Typing != (ratelimit.Rate{Limit: 2, Burst: 5}) {
		t.Fatalf("got %+v", cfg.RateLimits)
	}
	for _, args := range [][]string{
		{"-hash-concurrency", "0"}, {"-hash-wait", "-1s"}, {"-streams-per-user", "many"},
		{"-message-rate", "20"}, {"-mutation-burst", "0"}, {"-auth-rate-per-address", "0/1m"},
		{"-typing-rate", "fast"}, {"-typing-burst", "0"},
	} {
		if _, err := parseConfig(args, none, &bytes.Buffer{}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
