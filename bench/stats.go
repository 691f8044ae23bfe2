package main

// Latency summaries: percentiles of a set of samples and a thinned CDF for
// the charts.

import (
	"math"
	"slices"
	"time"
)

// Latency summarises samples in milliseconds.
type Latency struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
	Min  float64 `json:"min_ms"`
	// CDF is up to ~200 points (ms, fraction ≤) spread on a log axis, for the chart.
	CDF [][2]float64 `json:"cdf,omitempty"`
}

// summarize sorts samples (durations) and returns their percentiles; with
// cdf it also keeps the thinned distribution.
func summarize(samples []time.Duration, cdf bool) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	slices.Sort(samples)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(samples)))) - 1
		return ms(samples[max(0, min(i, len(samples)-1))])
	}
	l := Latency{N: len(samples), P50: q(0.5), P90: q(0.9), P99: q(0.99), P999: q(0.999), Max: ms(samples[len(samples)-1]), Min: ms(samples[0])}
	if cdf {
		l.CDF = thinCDF(samples)
	}
	return l
}

// thinCDF returns points of the empirical CDF of sorted samples, one per
// step of 1/40 decade of latency (and the last sample), so a chart on a log
// axis keeps its shape with a few hundred points at most.
func thinCDF(sorted []time.Duration) [][2]float64 {
	var out [][2]float64
	lastBucket := math.Inf(-1)
	n := float64(len(sorted))
	for i, d := range sorted {
		v := math.Max(float64(d)/1e6, 0.001)
		b := math.Floor(math.Log10(v) * 40)
		if b != lastBucket || i == len(sorted)-1 {
			// the fraction at the end of the run of equal buckets is taken
			// by overwriting the previous point of the same bucket
			if len(out) > 0 && b == lastBucket {
				out[len(out)-1] = [2]float64{v, float64(i+1) / n}
			} else {
				out = append(out, [2]float64{v, float64(i+1) / n})
			}
			lastBucket = b
			continue
		}
		out[len(out)-1] = [2]float64{v, float64(i+1) / n}
	}
	return out
}
