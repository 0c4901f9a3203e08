package throttle

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Rate
	}{
		// DRF's own spellings.
		{"100/day", Rate{100, 24 * time.Hour}},
		{"1000/hour", Rate{1000, time.Hour}},
		{"10/minute", Rate{10, time.Minute}},
		{"10/min", Rate{10, time.Minute}},
		{"10/m", Rate{10, time.Minute}},
		{"5/second", Rate{5, time.Second}},
		{"5/sec", Rate{5, time.Second}},
		{"5/s", Rate{5, time.Second}},
		{"3/h", Rate{3, time.Hour}},
		{"3/d", Rate{3, 24 * time.Hour}},
		{"7/seconds", Rate{7, time.Second}},
		{"7/days", Rate{7, 24 * time.Hour}},
		{" 10 / min ", Rate{10, time.Minute}},
		// Multipliers and Go durations.
		{"10/5m", Rate{10, 5 * time.Minute}},
		{"10/5min", Rate{10, 5 * time.Minute}},
		{"10/5 minutes", Rate{10, 5 * time.Minute}},
		{"3/15minutes", Rate{3, 15 * time.Minute}},
		{"100/12h", Rate{100, 12 * time.Hour}},
		{"1/7d", Rate{1, 7 * 24 * time.Hour}},
		{"10/90s", Rate{10, 90 * time.Second}},
		{"10/1h30m", Rate{10, 90 * time.Minute}},
		{"2/1.5s", Rate{2, 1500 * time.Millisecond}},
		{"2/250ms", Rate{2, 250 * time.Millisecond}},
		{"1000000/day", Rate{MaxN, 24 * time.Hour}},
		{"007/min", Rate{7, time.Minute}},
		// Off.
		{"", Rate{}},
		{"   ", Rate{}},
		{"off", Rate{}},
		{"0/min", Rate{}},
		{"0/5m", Rate{}},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if err != nil {
			t.Errorf("ParseRate(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseRate(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if got.Off() != (tt.want.N == 0) {
			t.Errorf("ParseRate(%q).Off() = %v", tt.in, got.Off())
		}
	}
}

func TestParseRateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, why string
	}{
		{"10", "want <count>/<period>"},
		{"min", "want <count>/<period>"},
		{"/min", `count ""`},
		{"-1/min", `count "-1"`},
		{"+5/min", `count "+5"`},
		{"1.5/min", `count "1.5"`},
		{"ten/min", `count "ten"`},
		{"99999999999999999999/min", "whole number from 0 to 1000000"},
		{"1000001/day", "count 1000001 is above 1000000"},
		{"10/", `unknown period ""`},
		{"10/mango", `unknown period "mango"`}, // DRF would read a minute
		{"10/M", `unknown period "M"`},
		{"10/week", `unknown period "week"`},
		{"10/min/s", `unknown period "min/s"`},
		{"10/0s", `multiplier "0"`},
		{"10/0m", "multiplier"},
		{"10/-5s", `unknown period "-5s"`},
		{"10/5x", `unknown period "5x"`},
		{"10/99999999999999999999d", "multiplier"},
		{"10/500us", "shorter than 1ms"},
		{"1/101000d", "longer than"},
		{"0/mango", `unknown period "mango"`}, // off, but still a typo
	}
	for _, tt := range tests {
		r, err := ParseRate(tt.in)
		if err == nil {
			t.Errorf("ParseRate(%q) = %+v, want an error", tt.in, r)
			continue
		}
		if !errors.Is(err, ErrBadRate) {
			t.Errorf("ParseRate(%q) error %v does not wrap ErrBadRate", tt.in, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, strconv.Quote(tt.in)) || !strings.Contains(msg, tt.why) {
			t.Errorf("ParseRate(%q) error %q, want it to quote the input and say %q", tt.in, msg, tt.why)
		}
		if r != (Rate{}) {
			t.Errorf("ParseRate(%q) returned %+v with its error", tt.in, r)
		}
	}
}

func TestRateString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    Rate
		want string
	}{
		{Rate{}, "off"},
		{Rate{N: 0, Per: time.Minute}, "off"},
		{Rate{10, time.Second}, "10/second"},
		{Rate{10, time.Minute}, "10/minute"},
		{Rate{10, time.Hour}, "10/hour"},
		{Rate{10, 24 * time.Hour}, "10/day"},
		{Rate{10, 5 * time.Minute}, "10/5m"},
		{Rate{10, 90 * time.Second}, "10/90s"},
		{Rate{10, 36 * time.Hour}, "10/36h"},
		{Rate{10, 48 * time.Hour}, "10/2d"},
		{Rate{2, 1500 * time.Millisecond}, "2/1.5s"},
		{Rate{2, 250 * time.Millisecond}, "2/250ms"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.r, got, tt.want)
		}
		back, err := ParseRate(tt.want)
		if err != nil {
			t.Errorf("ParseRate(%q): %v", tt.want, err)
		}
		if back.N != tt.r.N || (!back.Off() && back.Per != tt.r.Per) {
			t.Errorf("ParseRate(%q) = %+v, want %+v back", tt.want, back, tt.r)
		}
	}
}

// FuzzParseRate checks that no input panics, that every error wraps
// ErrBadRate and quotes the input, and that every rate survives a trip
// through String.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"10/min", "0/s", "", "off", "10/5m", "2/1.5s", "1/1h30m", "x/y", "10/99999999999999999999d", "5/ 3 days"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			if !errors.Is(err, ErrBadRate) || !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("ParseRate(%q) error %q", s, err)
			}
			return
		}
		if p := r.problem(); p != "" {
			t.Fatalf("ParseRate(%q) = %+v, which cannot be enforced: %s", s, r, p)
		}
		back, err := ParseRate(r.String())
		if err != nil || back != r {
			t.Fatalf("ParseRate(%q) = %+v; String %q parses as %+v, %v", s, r, r.String(), back, err)
		}
	})
}
