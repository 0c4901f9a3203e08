package throttle

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrBadRate is wrapped by every error about a malformed or invalid rate.
var ErrBadRate = errors.New("throttle: bad rate")

// Bounds of an enforceable Rate. The log keeps up to N timestamps per key,
// the Redis limiter keeps time in microseconds and expires keys in
// milliseconds, and a window of centuries is a typo.
const (
	MaxN   = 1_000_000
	MinPer = time.Millisecond
	MaxPer = 100 * 365 * 24 * time.Hour
)

// Rate allows N hits in any window of length Per. The zero Rate, and any Rate
// with N == 0, is off: it allows everything.
type Rate struct {
	N   int
	Per time.Duration
}

// Off reports whether the rate allows everything (N == 0), as DRF does for a
// throttle whose rate is None.
func (r Rate) Off() bool { return r.N == 0 }

// problem says why r cannot be enforced, or "" if it can; an off rate
// always can.
func (r Rate) problem() string {
	switch {
	case r.Off():
		return ""
	case r.N < 0:
		return fmt.Sprintf("negative count %d", r.N)
	case r.N > MaxN:
		return fmt.Sprintf("count %d is above %d", r.N, MaxN)
	case r.Per < MinPer:
		return fmt.Sprintf("window %v is shorter than %v", r.Per, MinPer)
	case r.Per > MaxPer:
		return fmt.Sprintf("window %v is longer than %v", r.Per, MaxPer)
	}
	return ""
}

// validate is the error for Allow when r cannot be enforced.
func (r Rate) validate() error {
	if p := r.problem(); p != "" {
		return fmt.Errorf("%w: %s", ErrBadRate, p)
	}
	return nil
}

// periodUnit gives the length of a period word. DRF itself only looks at the
// first letter ("10/mango" is ten a minute); we accept the spellings people
// write and reject the rest.
func periodUnit(word string) (time.Duration, bool) {
	switch word {
	case "s", "sec", "secs", "second", "seconds":
		return time.Second, true
	case "m", "min", "mins", "minute", "minutes":
		return time.Minute, true
	case "h", "hr", "hrs", "hour", "hours":
		return time.Hour, true
	case "d", "day", "days":
		return 24 * time.Hour, true
	}
	return 0, false
}

// ParseRate parses a rate in Django REST framework's syntax: "100/day",
// "10/min", "10/m", "5/second", "5/s". The period may carry a multiplier
// ("10/5m", "3/15min", "100/12h") or be any Go duration ("10/90s",
// "10/1h30m"). "", "off" and a count of zero ("0/min") give an off Rate.
// Errors wrap ErrBadRate and quote the input.
func ParseRate(s string) (Rate, error) {
	in := strings.TrimSpace(s)
	if in == "" || in == "off" {
		return Rate{}, nil
	}
	num, period, ok := strings.Cut(in, "/")
	if !ok {
		return Rate{}, fmt.Errorf("%w %q: want <count>/<period>, as in \"10/min\"", ErrBadRate, s)
	}
	num = strings.TrimSpace(num)
	n, err := strconv.ParseUint(num, 10, strconv.IntSize-1)
	if err != nil {
		return Rate{}, fmt.Errorf("%w %q: count %q is not a whole number from 0 to %d", ErrBadRate, s, num, MaxN)
	}
	per, err := parsePeriod(strings.TrimSpace(period))
	if err != nil {
		return Rate{}, fmt.Errorf("%w %q: %v", ErrBadRate, s, err)
	}
	if n == 0 {
		return Rate{}, nil
	}
	r := Rate{N: int(n), Per: per}
	if p := r.problem(); p != "" {
		return Rate{}, fmt.Errorf("%w %q: %s", ErrBadRate, s, p)
	}
	return r, nil
}

// parsePeriod parses "min", "5m", "15minutes" or a Go duration such as "90s".
func parsePeriod(p string) (time.Duration, error) {
	if unit, ok := periodUnit(p); ok {
		return unit, nil
	}
	digits := strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' })
	if digits > 0 {
		if unit, ok := periodUnit(strings.TrimSpace(p[digits:])); ok {
			k, err := strconv.ParseInt(p[:digits], 10, 64)
			if err != nil || k < 1 || k > int64(maxDuration/unit) {
				return 0, fmt.Errorf("period multiplier %q is out of range", p[:digits])
			}
			return time.Duration(k) * unit, nil
		}
	}
	d, err := time.ParseDuration(p)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("unknown period %q (want s, m, h or d, optionally with a multiplier as in \"5m\", or a duration such as \"90s\")", p)
	}
	return d, nil
}

const maxDuration = time.Duration(math.MaxInt64)

// String formats a valid r so that ParseRate gives it back: "10/minute", "10/5m",
// "10/1.5s", or "off".
func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	for _, u := range []struct {
		d           time.Duration
		long, short string
	}{
		{24 * time.Hour, "day", "d"},
		{time.Hour, "hour", "h"},
		{time.Minute, "minute", "m"},
		{time.Second, "second", "s"},
	} {
		if r.Per <= 0 || r.Per%u.d != 0 {
			continue
		}
		if k := r.Per / u.d; k != 1 {
			return fmt.Sprintf("%d/%d%s", r.N, k, u.short)
		}
		return fmt.Sprintf("%d/%s", r.N, u.long)
	}
	return fmt.Sprintf("%d/%s", r.N, r.Per)
}
