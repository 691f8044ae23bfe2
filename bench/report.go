package main

// The run's output: one markdown table on stdout (and table.md), every
// figure in results.json, and report.html with inline SVG charts (delivery
// latency CDFs on a log axis, RSS against open streams) that opens offline.

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Results is everything one run measured.
type Results struct {
	Started              string           `json:"started"`
	Seconds              float64          `json:"seconds"`
	SetupSeconds         float64          `json:"setup_seconds"`
	Setup                string           `json:"setup"`
	Machine              Machine          `json:"machine"`
	Config               config           `json:"config"`
	Write                []WriteResult    `json:"write,omitempty"`
	Delivery             []DeliveryResult `json:"delivery,omitempty"`
	Mix                  *MixResult       `json:"mix,omitempty"`
	Idle                 *IdleResult      `json:"idle,omitempty"`
	Fanout               *FanoutResult    `json:"fanout,omitempty"`
	Cluster              []ClusterRun     `json:"cluster,omitempty"`
	StreamsEndedEarly    int64            `json:"streams_ended_early"`
	ServerWarnings       int              `json:"server_warning_lines"`
	ServerRefusals       float64          `json:"server_refusals"` // messenger_refusals_total over every server of the run
	ServerWarningSamples []string         `json:"server_warning_samples,omitempty"`
	Errors               []string         `json:"errors,omitempty"`
}

// row is one line of the table.
type row struct{ Figure, Value, Baseline, Ratio string }

func ms(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func ratio(a, b float64) string {
	if b == 0 || math.IsNaN(a/b) {
		return "—"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func lostText(d DeliveryResult) string {
	s := fmt.Sprintf("lost %d of %d", d.Lost, d.Expected)
	if d.Overloaded {
		s = fmt.Sprintf("OVERLOADED, stopped after %d of %d sends; ", d.Sends, d.Planned) + s
	}
	if d.FailedButDelivered > 0 {
		s += fmt.Sprintf(", %d events of failed sends delivered", d.FailedButDelivered)
	}
	if d.Dups > 0 {
		s += fmt.Sprintf(", %d dup", d.Dups)
	}
	if d.SendErrors > 0 {
		s += fmt.Sprintf(", %d send errors", d.SendErrors)
	}
	return s
}

func latText(l Latency) string {
	return fmt.Sprintf("p50 %s · p90 %s · p99 %s · p99.9 %s · max %s ms", ms(l.P50), ms(l.P90), ms(l.P99), ms(l.P999), ms(l.Max))
}

// rows builds the table from the results.
func (r *Results) rows() []row {
	var out []row
	ceiling := map[int]float64{} // one-statement tps by concurrency
	for _, w := range r.Write {
		ceiling[w.Concurrency] = w.OneStatement.PerSec
		v := fmt.Sprintf("%.0f msgs/s, p50 %s p99 %s ms; cores: server %.2f, db %.2f", w.Server.PerSec, ms(w.Server.Lat.P50), ms(w.Server.Lat.P99), w.Server.ServerCores, w.Server.DBCores)
		if w.Server.Errors > 0 {
			v += fmt.Sprintf(" (%d errors)", w.Server.Errors)
		}
		out = append(out, row{
			fmt.Sprintf("createMessage over HTTP, c = %d", w.Concurrency), v,
			fmt.Sprintf("one statement via pgx: %.0f tps, p99 %s ms, db %.2f cores; bare INSERT: %.0f tps", w.OneStatement.PerSec, ms(w.OneStatement.Lat.P99), w.OneStatement.DBCores, w.BareInsert.PerSec),
			ratio(w.Server.PerSec, w.OneStatement.PerSec),
		})
	}
	lean := map[string]DeliveryResult{}
	for _, d := range r.Delivery {
		if d.Selection == "lean" {
			lean[fmt.Sprintf("%v/%d", d.Rate, d.Streams)] = d
		}
	}
	for _, d := range r.Delivery {
		f := fmt.Sprintf("delivery %s", d.Name)
		v := latText(d.Latency) + "; " + lostText(d) + fmt.Sprintf("; cores: server %.2f, db %.2f, bench %.2f", d.ServerCores, d.DBCores, d.ClientCores)
		if l, ok := lean[fmt.Sprintf("%v/%d", d.Rate, d.Streams)]; ok && d.Selection != "lean" {
			out = append(out, row{f, v, fmt.Sprintf("same without sender: p50 %s p99 %s ms", ms(l.Latency.P50), ms(l.Latency.P99)), "p50 " + ratio(d.Latency.P50, l.Latency.P50)})
		} else {
			out = append(out, row{f, v, fmt.Sprintf("its createMessage round trip: p50 %s p99 %s ms", ms(d.Send.P50), ms(d.Send.P99)), "p99 " + ratio(d.Latency.P99, d.Send.P99)})
		}
	}
	if m := r.Mix; m != nil {
		d := m.Delivery
		out = append(out, row{"**realistic mix**: " + strings.TrimPrefix(d.Name, "mix: "),
			latText(d.Latency) + "; " + lostText(d) + fmt.Sprintf("; cores: server %.2f, db %.2f, bench %.2f", d.ServerCores, d.DBCores, d.ClientCores),
			fmt.Sprintf("its createMessage round trip: p50 %s p99 %s ms", ms(d.Send.P50), ms(d.Send.P99)), "p99 " + ratio(d.Latency.P99, d.Send.P99)})
		out = append(out, row{"mix: event after the sender's own response", fmt.Sprintf("p50 %s p99 %s ms", ms(d.AfterResponse.P50), ms(d.AfterResponse.P99)), "—", "—"})
		if m.Write != nil {
			c := m.WriteConcurrency
			base := "write phase not run at this concurrency"
			if ceiling[c] > 0 {
				base = fmt.Sprintf("one statement via pgx, c = %d: %.0f tps", c, ceiling[c])
			}
			out = append(out, row{fmt.Sprintf("mix: createMessage c = %d with %d streams open", c, d.Streams),
				fmt.Sprintf("%.0f msgs/s, p99 %s ms", m.Write.PerSec, ms(m.Write.Lat.P99)), base, ratio(m.Write.PerSec, ceiling[c])})
		}
	}
	if i := r.Idle; i != nil && len(i.Server.Points) >= 3 && len(i.Bare.Points) >= 3 {
		k := len(i.Server.Points)
		span := fmt.Sprintf("%d→%d streams", i.Server.Points[k-2].Streams, i.Server.Points[k-1].Streams)
		out = append(out, row{"idle stream: server RSS per stream (" + span + ")", fmt.Sprintf("%.1f KiB", i.Server.RSSPerStream/1024),
			fmt.Sprintf("bare net/http SSE server: %.1f KiB", i.Bare.RSSPerStream/1024), ratio(i.Server.RSSPerStream, i.Bare.RSSPerStream)})
		out = append(out, row{"idle stream: server goroutines per stream", fmt.Sprintf("%.2f", i.Server.GoroutinesPerStream),
			fmt.Sprintf("bare server: %.2f", i.Bare.GoroutinesPerStream), ratio(i.Server.GoroutinesPerStream, i.Bare.GoroutinesPerStream)})
	}
	if f := r.Fanout; f != nil {
		var first float64
		for j, s := range f.Sizes {
			if j == 0 {
				first = s.CPUPerEvent
			}
			out = append(out, row{fmt.Sprintf("fan-out: server CPU per delivered event, group of %d", s.GroupSize),
				fmt.Sprintf("%.0f µs, %.0f µs above idle (%d events at %.0f msgs/s, lost %d)", s.CPUPerEvent, s.MarginalPerEvent, s.Events, s.Rate, s.Lost),
				fmt.Sprintf("group of %d: %.0f µs", f.Sizes[0].GroupSize, first), ratio(s.CPUPerEvent, first)})
		}
		if k := len(f.Idle); k >= 2 {
			a, z := f.Idle[0], f.Idle[k-1]
			out = append(out, row{fmt.Sprintf("fan-out, group of %d, with %d unrelated idle streams", z.GroupSize, z.IdleStreams),
				fmt.Sprintf("%.0f µs per event, %.0f µs above idle (idle: %.3f cores)", z.CPUPerEvent, z.MarginalPerEvent, z.IdleCores),
				fmt.Sprintf("with %d idle streams: %.0f µs, %.0f µs above idle (target ratio ≤ 1.1)", a.IdleStreams, a.CPUPerEvent, a.MarginalPerEvent),
				fmt.Sprintf("%.2f (above idle: %.2f)", f.IdleRatio, f.MarginalIdleRatio)})
		}
	}
	var one *DeliveryResult
	for j, c := range r.Cluster {
		if j == 0 {
			one = &r.Cluster[0].Delivery
			continue
		}
		if c.Error != "" {
			out = append(out, row{"two instances, bus " + c.Bus, "failed: " + truncate(c.Error, 120), "—", "—"})
			continue
		}
		d := c.Delivery
		out = append(out, row{"two instances: " + d.Name, fmt.Sprintf("p50 %s p99 %s ms; %s", ms(d.Latency.P50), ms(d.Latency.P99), lostText(d)),
			fmt.Sprintf("one instance: p50 %s p99 %s ms", ms(one.Latency.P50), ms(one.Latency.P99)), "p99 " + ratio(d.Latency.P99, one.Latency.P99)})
	}
	return out
}

// markdown renders the table.
func (r *Results) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Server %s · %d cores · %s · PostgreSQL %s · run of %.0f s (setup %.0f s: %s)\n\n", r.Machine.Server, r.Machine.Cores, r.Machine.GoVersion, r.Machine.Postgres, r.Seconds, r.SetupSeconds, r.Setup)
	b.WriteString("| figure | measured | baseline (same run) | ratio |\n|---|---|---|---|\n")
	for _, x := range r.rows() {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", x.Figure, x.Value, x.Baseline, x.Ratio)
	}
	fmt.Fprintf(&b, "\nStreams ended by the server: %d · refusals (messenger_refusals_total): %.0f · server WARN/ERROR log lines: %d\n", r.StreamsEndedEarly, r.ServerRefusals, r.ServerWarnings)
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "\nFAILED: %s\n", e)
	}
	return b.String()
}

// writeReport prints the table on stdout and writes table.md,
// results.json and report.html into dir.
func writeReport(r *Results, dir string, stdout io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	md := r.markdown()
	fmt.Fprint(stdout, md)
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), j, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "table.md"), []byte(md), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.html"), []byte(r.html()), 0o644)
}

// html renders the report page: the table and the charts, no external files.
func (r *Results) html() string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><title>messenger bench</title><style>
body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
svg{background:#fff;border:1px solid #ddd;margin:1em 0}.axis{stroke:#333}.grid{stroke:#eee}text{font:11px system-ui,sans-serif}</style></head><body>`)
	fmt.Fprintf(&b, "<h1>messenger bench</h1><p>%s · server %s · %d cores · %s · %s · %.0f s</p>",
		html.EscapeString(r.Started), html.EscapeString(r.Machine.Server), r.Machine.Cores, html.EscapeString(r.Machine.GoVersion), html.EscapeString(r.Machine.CPU), r.Seconds)
	b.WriteString("<table><tr><th>figure</th><th>measured</th><th>baseline (same run)</th><th>ratio</th></tr>")
	for _, x := range r.rows() {
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", html.EscapeString(strings.ReplaceAll(x.Figure, "**", "")), html.EscapeString(x.Value), html.EscapeString(x.Baseline), html.EscapeString(x.Ratio))
	}
	b.WriteString("</table>")
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "<p><b>FAILED:</b> %s</p>", html.EscapeString(e))
	}
	var series []cdfSeries
	for _, d := range r.Delivery {
		series = append(series, cdfSeries{d.Name, d.Latency.CDF})
	}
	if r.Mix != nil {
		series = append(series, cdfSeries{r.Mix.Delivery.Name, r.Mix.Delivery.Latency.CDF})
	}
	if len(series) > 0 {
		b.WriteString("<h2>Delivery latency (send start → event parsed), CDF</h2>")
		b.WriteString(cdfChart(series))
	}
	series = nil
	for _, c := range r.Cluster {
		if c.Error == "" {
			series = append(series, cdfSeries{c.Delivery.Name, c.Delivery.Latency.CDF})
		}
	}
	if len(series) > 0 {
		b.WriteString("<h2>Two instances: delivery latency, CDF</h2>")
		b.WriteString(cdfChart(series))
	}
	if r.Idle != nil {
		b.WriteString("<h2>Memory: RSS against open idle streams</h2>")
		b.WriteString(rssChart([]IdleSide{r.Idle.Server, r.Idle.Bare}))
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

type cdfSeries struct {
	Name   string
	Points [][2]float64
}

var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

// cdfChart draws the CDFs on a log latency axis (ms) against the fraction
// of events on a "nines" axis (0, 0.5, 0.9, 0.99, 0.999, 0.9999 equally
// spaced from 0.9 on), so the tail percentiles are as readable as the median.
func cdfChart(series []cdfSeries) string {
	const W, H, L, R, T, B = 900, 420, 60, 40, 20, 50
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s.Points {
			lo, hi = math.Min(lo, p[0]), math.Max(hi, p[0])
		}
	}
	if math.IsInf(lo, 0) {
		return "<p>no events</p>"
	}
	dlo, dhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if dhi <= dlo {
		dhi = dlo + 1
	}
	x := func(v float64) float64 { return L + (math.Log10(v)-dlo)/(dhi-dlo)*(W-L-R) }
	y := func(f float64) float64 {
		nines := -math.Log10(math.Max(1-f, 1e-4)) // 0.9 → 1, 0.99 → 2 … 1 → 4
		return T + (1-nines/4)*(H-T-B)
	}
	var b strings.Builder
	legendH := 16 * len(series)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">`, W, H+legendH+10)
	for d := dlo; d <= dhi; d++ {
		px := x(math.Pow(10, d))
		fmt.Fprintf(&b, `<line class="grid" x1="%.1f" y1="%d" x2="%.1f" y2="%d"/><text x="%.1f" y="%d" text-anchor="middle">%g ms</text>`, px, T, px, H-B, px, H-B+15, math.Pow(10, d))
	}
	for _, f := range []float64{0, 0.5, 0.9, 0.99, 0.999, 0.9999} {
		fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/><text x="%d" y="%.1f" text-anchor="end">%g</text>`, L, y(f), W-R, y(f), L-5, y(f)+4, f)
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/><line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, L, H-B, W-R, H-B, L, T, L, H-B)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">latency (log scale); fraction of events at most that late</text>`, (W+L)/2, H-B+35)
	for i, s := range series {
		c := palette[i%len(palette)]
		var pts []string
		prev := 0.0
		for _, p := range s.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x(p[0]), y(prev), x(p[0]), y(p[1])))
			prev = p[1]
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`, c, strings.Join(pts, " "))
		ly := H + 5 + 16*i
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="4" fill="%s"/><text x="%d" y="%d">%s</text>`, L, ly+4, c, L+20, ly+9, html.EscapeString(s.Name))
	}
	b.WriteString("</svg>")
	return b.String()
}

// rssChart draws RSS (MiB) against open streams for each side.
func rssChart(sides []IdleSide) string {
	const W, H, L, R, T, B = 700, 360, 70, 20, 20, 50
	maxS, maxM := 1.0, 1.0
	for _, s := range sides {
		for _, p := range s.Points {
			maxS = math.Max(maxS, float64(p.Streams))
			maxM = math.Max(maxM, float64(p.RSSBytes)/(1<<20))
		}
	}
	maxM = math.Ceil(maxM/100) * 100
	x := func(v float64) float64 { return L + v/maxS*(W-L-R) }
	y := func(v float64) float64 { return T + (1-v/maxM)*(H-T-B) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">`, W, H+16*len(sides)+10)
	for i := 0.0; i <= 5; i++ {
		v := maxM * i / 5
		fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/><text x="%d" y="%.1f" text-anchor="end">%.0f MiB</text>`, L, y(v), W-R, y(v), L-5, y(v)+4, v)
		s := maxS * i / 5
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%.0f</text>`, x(s), H-B+15, s)
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/><line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, L, H-B, W-R, H-B, L, T, L, H-B)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">open idle streams</text>`, (W+L)/2, H-B+35)
	for i, s := range sides {
		c := palette[i%len(palette)]
		var pts []string
		for _, p := range s.Points {
			px, py := x(float64(p.Streams)), y(float64(p.RSSBytes)/(1<<20))
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px, py))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, px, py, c)
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, c, strings.Join(pts, " "))
		ly := H + 5 + 16*i
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="4" fill="%s"/><text x="%d" y="%d">%s: %.1f KiB, %.2f goroutines per stream</text>`,
			L, ly+4, c, L+20, ly+9, html.EscapeString(s.Name), s.RSSPerStream/1024, s.GoroutinesPerStream)
	}
	b.WriteString("</svg>")
	return b.String()
}

// compareMarkdown is one table of two runs' figures side by side, matched
// by figure name (a figure only one run has shows "—" on the other side).
func compareMarkdown(before, after *Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Before: server %s, %s · after: server %s, %s\n\n", before.Machine.Server, before.Started, after.Machine.Server, after.Started)
	b.WriteString("| figure | before | after | ratio before | ratio after |\n|---|---|---|---|---|\n")
	prev := map[string]row{}
	for _, x := range before.rows() {
		prev[x.Figure] = x
	}
	seen := map[string]bool{}
	for _, x := range after.rows() {
		seen[x.Figure] = true
		p, ok := prev[x.Figure]
		if !ok {
			p = row{Value: "—", Ratio: "—"}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", x.Figure, p.Value, x.Value, p.Ratio, x.Ratio)
	}
	for _, p := range before.rows() {
		if !seen[p.Figure] {
			fmt.Fprintf(&b, "| %s | %s | — | %s | — |\n", p.Figure, p.Value, p.Ratio)
		}
	}
	return b.String()
}
