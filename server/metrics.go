package main

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/messenger/messenger/internal/pubsub"
)

// metricsHandler serves Prometheus metrics: the Go runtime's and the
// process's, and the hub's live subscriptions and subscribed users.
func metricsHandler(hub *pubsub.Hub) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "messenger_subscriptions",
			Help: "Live event subscriptions on this instance.",
		}, func() float64 { return float64(hub.Count()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "messenger_subscribed_users",
			Help: "Users with at least one live subscription on this instance.",
		}, func() float64 { return float64(hub.Users()) }),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
