package main

import (
	"fmt"
	"time"

	"golang.org/x/time/rate"

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
	Typing          ratelimit.Rate
	StreamsPerUser  int
}

// defaultLimits returns the limits against abuse before flags and
// environment.
func defaultLimits() limitsConfig {
	parse := func(s string) rate.Limit {
		l, err := ratelimit.ParseLimit(s)
		if err != nil {
			panic(fmt.Sprintf("default rate %q: %v", s, err))
		}
		return l
	}
	return limitsConfig{
		HashConcurrency: auth.DefaultHashConcurrency,
		HashWait:        auth.DefaultHashWait,
		AuthPerAddress:  ratelimit.Rate{Limit: parse(graph.DefaultAuthRatePerAddress), Burst: graph.DefaultAuthBurstPerAddress},
		AuthPerUsername: ratelimit.Rate{Limit: parse(graph.DefaultAuthRatePerUsername), Burst: graph.DefaultAuthBurstPerUsername},
		Messages:        ratelimit.Rate{Limit: parse(graph.DefaultMessageRate), Burst: graph.DefaultMessageBurst},
		Mutations:       ratelimit.Rate{Limit: parse(graph.DefaultMutationRate), Burst: graph.DefaultMutationBurst},
		Typing:          ratelimit.Rate{Limit: parse(graph.DefaultTypingRate), Burst: graph.DefaultTypingBurst},
		StreamsPerUser:  graph.DefaultStreamsPerUser,
	}
}

// passwords returns the password hasher within the configured limits.
func (c limitsConfig) passwords(m *metrics.Metrics) *auth.Passwords {
	return auth.NewPasswords(c.HashConcurrency, c.HashWait, m)
}

// mutationLimits returns the buckets of the mutations' rate limits,
// counting refusals in m.
func (c limitsConfig) mutationLimits(m *metrics.Metrics) *graph.RateLimits {
	return &graph.RateLimits{
		AuthPerAddress:  ratelimit.NewKeyed(c.AuthPerAddress, 0),
		AuthPerUsername: ratelimit.NewKeyed(c.AuthPerUsername, 0),
		Messages:        ratelimit.NewKeyed(c.Messages, 0),
		Mutations:       ratelimit.NewKeyed(c.Mutations, 0),
		Typing:          ratelimit.NewKeyed(c.Typing, 0),
		Metrics:         m,
	}
}

// streams returns the cap on each user's open event streams.
func (c limitsConfig) streams() *ratelimit.Slots {
	return ratelimit.NewSlots(c.StreamsPerUser)
}
