package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/messenger/messenger/graph"
	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/ratelimit"
)

// limitsConfig are the settings of the limits against abuse: concurrent
// password hashing, rates of mutations, and open streams per user.
type limitsConfig struct {
	ClientIPHeader  string
	HashConcurrency int
	HashWait        time.Duration
	AuthPerAddress  ratelimit.Rate
	AuthPerUsername ratelimit.Rate
	Messages        ratelimit.Rate
	Mutations       ratelimit.Rate
	StreamsPerUser  int
}

// parse reads the limits from the values of the options, by flag name.
func (c *limitsConfig) parse(values map[string]*string) error {
	c.ClientIPHeader = *values["client-ip-header"]
	for name, into := range map[string]*int{
		"hash-concurrency": &c.HashConcurrency,
		"streams-per-user": &c.StreamsPerUser,
	} {
		if err := positive(name, *values[name], into); err != nil {
			return err
		}
	}
	d, err := time.ParseDuration(*values["hash-wait"])
	if err != nil || d < 0 {
		return fmt.Errorf("-hash-wait: want a duration such as 2s, got %q", *values["hash-wait"])
	}
	c.HashWait = d
	for prefix, into := range map[string]*ratelimit.Rate{
		"auth-%s-per-address":  &c.AuthPerAddress,
		"auth-%s-per-username": &c.AuthPerUsername,
		"message-%s":           &c.Messages,
		"mutation-%s":          &c.Mutations,
	} {
		rateFlag, burstFlag := fmt.Sprintf(prefix, "rate"), fmt.Sprintf(prefix, "burst")
		limit, err := ratelimit.ParseLimit(*values[rateFlag])
		if err != nil {
			return fmt.Errorf("-%s: %w", rateFlag, err)
		}
		into.Limit = limit
		if err := positive(burstFlag, *values[burstFlag], &into.Burst); err != nil {
			return err
		}
	}
	return nil
}

// positive parses the value of flag name as an integer of at least 1.
func positive(name, value string, into *int) error {
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 {
		return fmt.Errorf("-%s: want a whole number of at least 1, got %q", name, value)
	}
	*into = n
	return nil
}

// passwords returns the password hasher within the configured limits.
func (c limitsConfig) passwords(m *metrics.Metrics) *auth.Passwords {
	return auth.NewPasswords(c.HashConcurrency, c.HashWait, m)
}

// graphLimits returns the limits of the GraphQL endpoint, counting
// refusals in m.
func (c limitsConfig) graphLimits(m *metrics.Metrics) *graph.Limits {
	return &graph.Limits{
		AuthPerAddress:  ratelimit.NewKeyed(c.AuthPerAddress, 0),
		AuthPerUsername: ratelimit.NewKeyed(c.AuthPerUsername, 0),
		Messages:        ratelimit.NewKeyed(c.Messages, 0),
		Mutations:       ratelimit.NewKeyed(c.Mutations, 0),
		Streams:         ratelimit.NewSlots(c.StreamsPerUser),
		Metrics:         m,
	}
}
