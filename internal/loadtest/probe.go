package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// ProcessRSS reads a process's resident set size in bytes from /proc/PID/status (Linux).
func ProcessRSS(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("loadtest: resident memory of process %d: %w", pid, err)
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := strings.Fields(string(v)) // "12345 kB"
			if len(f) == 2 && f[1] == "kB" {
				if n, err := strconv.ParseUint(f[0], 10, 64); err == nil {
					return n << 10, nil
				}
			}
		}
	}
	return 0, fmt.Errorf("loadtest: no VmRSS line in /proc/%d/status", pid)
}

// clockTick is Linux's USER_HZ, the unit of /proc/PID/stat times (100 on every architecture Go
// supports on Linux).
const clockTick = 10 * time.Millisecond

// ProcessCPU reads the CPU time (user and system, all threads) a process has used so far, from
// /proc/PID/stat (Linux), to 10 ms.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("loadtest: CPU time of process %d: %w", pid, err)
	}
	// "pid (comm) state ppid ... utime stime ...": comm may hold spaces, so count from its end.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("loadtest: /proc/%d/stat: unexpected format", pid)
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("loadtest: /proc/%d/stat: unexpected format", pid)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// rssSampler records the largest resident set of a process during a window, and the CPU time
// it used inside the window.
type rssSampler struct {
	stopc chan struct{}
	done  chan procStats
}

// procStats is what a sampler saw of the server process.
type procStats struct {
	peakRSS uint64
	cpu     time.Duration
}

// rssInterval is how often the sampler reads /proc: cheap, and often enough to see a peak
// that lasts a GC cycle.
const rssInterval = 50 * time.Millisecond

func startRSSSampler(pid int, from, to time.Time, now func() time.Time) *rssSampler {
	s := &rssSampler{stopc: make(chan struct{}), done: make(chan procStats, 1)}
	if pid <= 0 {
		s.done <- procStats{}
		return s
	}
	go func() {
		var st procStats
		defer func() { s.done <- st }()
		wait := func(until time.Time) bool {
			t := time.NewTimer(until.Sub(now()))
			defer t.Stop()
			select {
			case <-s.stopc:
				return false
			case <-t.C:
				return true
			}
		}
		if !wait(from) {
			return
		}
		cpu0, err := ProcessCPU(pid)
		if err != nil {
			return
		}
		// The window's CPU time is read at its end, or when the run stops first (the last
		// request can finish a moment before the window's end).
		defer func() {
			if cpu1, err := ProcessCPU(pid); err == nil {
				st.cpu = cpu1 - cpu0
			}
		}()
		for {
			if rss, err := ProcessRSS(pid); err == nil && rss > st.peakRSS {
				st.peakRSS = rss
			}
			next := now().Add(rssInterval)
			if !next.Before(to) {
				wait(to)
				return
			}
			if !wait(next) {
				return
			}
		}
	}()
	return s
}

// stop ends sampling and returns what it saw (zeros for what it could not see).
func (s *rssSampler) stop() procStats {
	select {
	case <-s.stopc:
	default:
		close(s.stopc)
	}
	return <-s.done
}

// Metrics are unlabelled samples of a Prometheus text exposition, by metric name.
type Metrics map[string]float64

// ScrapeMetrics reads GET /metrics of a target and keeps its unlabelled samples
// (go_goroutines, process_open_fds, process_resident_memory_bytes, authgate_db_* ...).
func ScrapeMetrics(ctx context.Context, client *http.Client, baseURL string) (Metrics, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(baseURL, "/")+"/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("loadtest: metrics: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("loadtest: metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("loadtest: metrics: status %d", resp.StatusCode)
	}
	return parseMetrics(io.LimitReader(resp.Body, 16<<20))
}

func parseMetrics(r io.Reader) (Metrics, error) {
	m := Metrics{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, ok := strings.Cut(line, " ")
		if !ok || strings.ContainsRune(name, '{') {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		m[name] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("loadtest: metrics: %w", err)
	}
	return m, nil
}
