package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is a bench's figures: each scenario beside the ceiling it was alternated with, and
// the leak check.
type Report struct {
	Target    string
	Database  string
	Conns     int
	Window    time.Duration
	Warmup    time.Duration
	Rounds    int
	CPUs      int
	GoVersion string
	// Settings describe the target's configuration as the bench set it, in words.
	Settings  string
	Scenarios []ScenarioReport
	Leaks     *LeakCheck
}

// Ceiling is one ceiling measurement.
type Ceiling struct {
	// Kind is "http", "storage" or "argon2id"; Label says it in words.
	Kind, Label string
	PerSec      float64
	Latency     Latency
	// PeakRSS is the ceiling server's when it is a process of this machine; CPUPerRequest its
	// CPU time per request, or this process's per transaction or hash for the in-process
	// ceilings.
	PeakRSS       uint64
	CPUPerRequest time.Duration
}

// ScenarioReport is one scenario's Result beside its ceiling.
type ScenarioReport struct {
	Name string
	Result
	// Ceiling is what the scenario was alternated with, or nil; Ratio is PerSec over the
	// ceiling's; Target the ratio aimed for (0: none).
	Ceiling *Ceiling
	Ratio   float64
	Target  float64
}

// Pass reports whether the scenario ran without errors and met its targets (ratio, and for
// the protected endpoint the memory bound when memory was measured beside a ceiling).
func (s ScenarioReport) Pass() bool {
	if s.Errors > 0 {
		return false
	}
	if s.Target > 0 && s.Ratio < s.Target {
		return false
	}
	// The memory bound is authgate's: judged where the ratio is (a run beside its ceiling).
	return s.Name != Me || s.Target == 0 || s.PeakRSS == 0 || s.PeakRSS < TargetRSS
}

// OK reports whether every scenario passed and the leak check, when run, found nothing.
func (r *Report) OK() bool {
	for _, s := range r.Scenarios {
		if !s.Pass() {
			return false
		}
	}
	return r.Leaks == nil || r.Leaks.OK
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mib(b uint64) float64 { return float64(b*100>>20) / 100 }

type jsonLatency struct {
	P50 float64 `json:"p50_ms"`
	P90 float64 `json:"p90_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

func latencyJSON(l Latency) jsonLatency {
	return jsonLatency{ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max)}
}

type jsonScenario struct {
	Name         string                `json:"name"`
	Conns        int                   `json:"conns"`
	Requests     uint64                `json:"requests"`
	PerSec       float64               `json:"requests_per_sec"`
	Latency      jsonLatency           `json:"latency"`
	Errors       uint64                `json:"errors"`
	ErrorKinds   map[string]uint64     `json:"error_kinds"`
	ErrorSamples []string              `json:"error_samples,omitempty"`
	Shed         uint64                `json:"shed"`
	Dials        int                   `json:"dials"`
	PeakRSSMiB   float64               `json:"peak_rss_mib,omitempty"`
	CPUPerReqUS  float64               `json:"server_cpu_us_per_request,omitempty"`
	Actions      map[string]jsonAction `json:"actions,omitempty"`
	Ceiling      *jsonCeiling          `json:"ceiling,omitempty"`
	Ratio        float64               `json:"ratio,omitempty"`
	Target       float64               `json:"target_ratio,omitempty"`
	Pass         bool                  `json:"pass"`
}

type jsonCeiling struct {
	Kind        string      `json:"kind"`
	Label       string      `json:"label"`
	PerSec      float64     `json:"per_sec"`
	Latency     jsonLatency `json:"latency"`
	PeakRSSMiB  float64     `json:"peak_rss_mib,omitempty"`
	CPUPerReqUS float64     `json:"server_cpu_us_per_request,omitempty"`
}

type jsonAction struct {
	Requests uint64      `json:"requests"`
	Latency  jsonLatency `json:"latency"`
}

type jsonReport struct {
	Target    string         `json:"target"`
	Database  string         `json:"database,omitempty"`
	Conns     int            `json:"conns"`
	WindowS   float64        `json:"window_s"`
	WarmupS   float64        `json:"warmup_s"`
	CPUs      int            `json:"cpus"`
	GoVersion string         `json:"go_version"`
	Settings  string         `json:"settings,omitempty"`
	Rounds    int            `json:"rounds"`
	Scenarios []jsonScenario `json:"scenarios"`
	Leaks     *jsonLeaks     `json:"leaks,omitempty"`
	OK        bool           `json:"ok"`
}

// jsonLeaks is LeakCheck in the report's JSON.
type jsonLeaks struct {
	GoroutinesBefore float64 `json:"goroutines_before"`
	GoroutinesAfter  float64 `json:"goroutines_after"`
	OpenFDsBefore    float64 `json:"open_fds_before"`
	OpenFDsAfter     float64 `json:"open_fds_after"`
	DBOpenBefore     float64 `json:"db_open_connections_before"`
	DBOpenAfter      float64 `json:"db_open_connections_after"`
	DBInUseAfter     float64 `json:"db_in_use_connections_after"`
	OK               bool    `json:"ok"`
}

// MarshalJSON writes the report with snake_case names, durations in milliseconds and memory
// in MiB.
func (r *Report) MarshalJSON() ([]byte, error) {
	j := jsonReport{Target: r.Target, Database: r.Database, Conns: r.Conns, WindowS: r.Window.Seconds(),
		WarmupS: r.Warmup.Seconds(), Rounds: r.Rounds, CPUs: r.CPUs, GoVersion: r.GoVersion, Settings: r.Settings, OK: r.OK(), Scenarios: []jsonScenario{}}
	for _, s := range r.Scenarios {
		js := jsonScenario{Name: s.Name, Conns: s.Conns, Requests: s.Requests, PerSec: round(s.PerSec),
			Latency: latencyJSON(s.Latency), Errors: s.Errors, ErrorKinds: s.ErrorKinds, ErrorSamples: s.ErrorSamples,
			Shed: s.Shed, Dials: s.Dials, PeakRSSMiB: mib(s.PeakRSS), CPUPerReqUS: us(s.CPUPerRequest),
			Ratio: round3(s.Ratio), Target: s.Target, Pass: s.Pass()}
		if c := s.Ceiling; c != nil {
			js.Ceiling = &jsonCeiling{Kind: c.Kind, Label: c.Label, PerSec: round(c.PerSec), Latency: latencyJSON(c.Latency),
				PeakRSSMiB: mib(c.PeakRSS), CPUPerReqUS: us(c.CPUPerRequest)}
		}
		if js.ErrorKinds == nil {
			js.ErrorKinds = map[string]uint64{}
		}
		if s.Actions != nil {
			js.Actions = map[string]jsonAction{}
			for a, x := range s.Actions {
				js.Actions[a] = jsonAction{x.Requests, latencyJSON(x.Latency)}
			}
		}
		j.Scenarios = append(j.Scenarios, js)
	}
	if l := r.Leaks; l != nil {
		j.Leaks = &jsonLeaks{l.GoroutinesBefore, l.GoroutinesAfter, l.OpenFDsBefore, l.OpenFDsAfter, l.DBOpenBefore, l.DBOpenAfter, l.DBInUseAfter, l.OK}
	}
	return json.Marshal(j)
}

func us(d time.Duration) float64 { return round(float64(d) / float64(time.Microsecond)) }

func round(f float64) float64  { return float64(int64(f*10+0.5)) / 10 }
func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

func dur(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.2fms", ms(d))
	case d < 10*time.Second:
		return fmt.Sprintf("%.0fms", ms(d))
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// WriteTable writes the report as an aligned table for people.
func (r *Report) WriteTable(w io.Writer) error {
	db := ""
	if r.Database != "" {
		db = " (" + r.Database + ")"
	}
	rounds := ""
	for _, s := range r.Scenarios {
		if s.Ceiling != nil {
			rounds = fmt.Sprintf(" (%d rounds, ceiling and target in turns)", r.Rounds)
		}
	}
	fmt.Fprintf(w, "authgate bench: %s%s, %d connections, %s per run%s after %s warm-up, %d CPUs, %s\n",
		r.Target, db, r.Conns, r.Window, rounds, r.Warmup, r.CPUs, r.GoVersion)
	if r.Settings != "" {
		fmt.Fprintf(w, "server settings: %s\n", r.Settings)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\treq/s\tp50\tp90\tp99\tmax\terrors\tshed\tpeak RSS\tCPU/op\tratio\ttarget\t")
	for _, s := range r.Scenarios {
		if c := s.Ceiling; c != nil {
			fmt.Fprintf(tw, "ceiling: %s\t%.1f\t%s\t%s\t%s\t%s\t\t\t%s\t%s\t\t\t\n", c.Label, c.PerSec,
				dur(c.Latency.P50), dur(c.Latency.P90), dur(c.Latency.P99), dur(c.Latency.Max), rss(c.PeakRSS), dur(c.CPUPerRequest))
		}
		ratio, target := "", ""
		if s.Ceiling != nil {
			ratio = fmt.Sprintf("%.2f", s.Ratio)
		}
		if s.Target > 0 {
			target = fmt.Sprintf("≥%.2f", s.Target)
		}
		verdict := "ok"
		if !s.Pass() {
			verdict = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s %s\t\n", s.Name, s.PerSec,
			dur(s.Latency.P50), dur(s.Latency.P90), dur(s.Latency.P99), dur(s.Latency.Max), s.Errors, s.Shed,
			rss(s.PeakRSS), dur(s.CPUPerRequest), ratio, target, verdict)
		for _, a := range slices.Sorted(maps.Keys(s.Actions)) {
			x := s.Actions[a]
			fmt.Fprintf(tw, "  %s\t%.1f\t%s\t%s\t%s\t%s\t\t\t\t\t\t\t\n", a, float64(x.Requests)/s.Window.Seconds(),
				dur(x.Latency.P50), dur(x.Latency.P90), dur(x.Latency.P99), dur(x.Latency.Max))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Scenarios {
		if s.Errors > 0 {
			kinds := make([]string, 0, len(s.ErrorKinds))
			for _, k := range slices.Sorted(maps.Keys(s.ErrorKinds)) {
				kinds = append(kinds, fmt.Sprintf("%s ×%d", k, s.ErrorKinds[k]))
			}
			fmt.Fprintf(w, "\n%s errors: %s\n  %s\n", s.Name, strings.Join(kinds, ", "), strings.Join(s.ErrorSamples, "\n  "))
		}
	}
	if l := r.Leaks; l != nil {
		verdict := "ok"
		if !l.OK {
			verdict = "LEAK?"
		}
		fmt.Fprintf(w, "\nat rest before → after the load: goroutines %.0f → %.0f, open fds %.0f → %.0f, db connections open %.0f → %.0f, in use %.0f: %s\n",
			l.GoroutinesBefore, l.GoroutinesAfter, l.OpenFDsBefore, l.OpenFDsAfter, l.DBOpenBefore, l.DBOpenAfter, l.DBInUseAfter, verdict)
	}
	return nil
}

func rss(b uint64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
