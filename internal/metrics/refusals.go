package metrics

import dto "github.com/prometheus/client_model/go"

// Refusals returns how many refusals of limit m has counted (0 for a nil m).
func (m *Metrics) Refusals(limit string) float64 {
	if m == nil {
		return 0
	}
	var out dto.Metric
	if err := m.refusals.WithLabelValues(limit).Write(&out); err != nil {
		return 0
	}
	return out.GetCounter().GetValue()
}
