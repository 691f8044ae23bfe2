package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/pubsub"
)

// registerHubMetrics adds the hub's live subscriptions and subscribed users
// to m.
func registerHubMetrics(m *metrics.Metrics, hub *pubsub.Hub) {
	m.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "messenger_subscriptions",
			Help: "Live event subscriptions on this instance.",
		}, func() float64 { return float64(hub.Count()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "messenger_subscribed_users",
			Help: "Users with at least one live subscription on this instance.",
		}, func() float64 { return float64(hub.Users()) }),
	)
}
