package main

import (
	"bytes"
	"testing"

	"github.com/messenger/messenger/internal/pubsub"
)

func TestParseConfigNATSFiles(t *testing.T) {
	env := map[string]string{
		"MESSENGER_NATS_CREDS": "/env/user.creds",
		"MESSENGER_NATS_NKEY":  "/env/user.nk",
		"MESSENGER_NATS_CA":    "/env/ca.pem",
		"MESSENGER_NATS_CERT":  "/env/client.pem",
		"MESSENGER_NATS_KEY":   "/env/client-key.pem",
	}
	cfg, err := parseConfig([]string{"-nats-ca", "/flag/ca.pem"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := pubsub.NATSOptions{
		CredsFile:    "/env/user.creds",
		NkeySeedFile: "/env/user.nk",
		CAFile:       "/flag/ca.pem",
		CertFile:     "/env/client.pem",
		KeyFile:      "/env/client-key.pem",
	}
	if cfg.NATS != want {
		t.Fatalf("got %+v, want %+v", cfg.NATS, want)
	}
}
