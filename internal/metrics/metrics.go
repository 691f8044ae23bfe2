// Package metrics holds the messenger's Prometheus metrics: one registry per
// process, with the Go runtime's and the process's collectors, and the
// counters that the other packages feed. A nil *Metrics counts nothing, so
// that code under test may run without one.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the process's registry and the counters that several packages
// share.
type Metrics struct {
	registry *prometheus.Registry
	refusals *prometheus.CounterVec
}

// New returns a registry with the Go runtime's and the process's collectors
// and the shared counters.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "messenger_refusals_total",
			Help: "Requests, operations, streams or bus events refused by a limit or a check, by the limit's name.",
		}, []string{"limit"}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.refusals,
	)
	return m
}

// Refused counts one refusal by the limit or check called limit.
func (m *Metrics) Refused(limit string) {
	if m != nil {
		m.refusals.WithLabelValues(limit).Inc()
	}
}

// MustRegister adds collectors to the registry; it panics on a duplicate
// name, which is a programming error.
func (m *Metrics) MustRegister(cs ...prometheus.Collector) {
	m.registry.MustRegister(cs...)
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
