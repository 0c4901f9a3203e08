package mail

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// funcs are the helpers every template may call:
//
//	{{minutes .minutes}}    "1 minute", "15 minutes"; takes any integer or float, or a time.Duration
//	{{lifetime .lifetime}}  "30 minutes", "2 hours", "3 days": a time.Duration in its largest whole unit
//	{{httpurl .link}}       the link when it is an http or https URL, else nothing (a link shown as text)
func funcs() map[string]any {
	return map[string]any{"minutes": minutes, "lifetime": lifetime, "httpurl": httpURL}
}

// httpURL keeps a link shown as text to what a reader may safely copy into a browser.
func httpURL(s string) string {
	if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		return s
	}
	return ""
}

// lifetime spells how long a link lives in the largest unit that divides it: days, hours, else
// minutes (rounded).
func lifetime(d time.Duration) (string, error) {
	if d <= 0 {
		return "", fmt.Errorf("lifetime: %v is not a lifetime", d)
	}
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.FormatInt(n, 10) + " " + unit + "s"
	}
	switch {
	case d%(24*time.Hour) == 0:
		return plural(int64(d/(24*time.Hour)), "day"), nil
	case d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour"), nil
	}
	return plural(int64(math.Round(d.Minutes())), "minute"), nil
}

// minutes spells a lifetime in minutes with the right plural, so callers may pass an int, an
// int64 from configuration or a time.Duration.
func minutes(v any) (string, error) {
	var n float64
	switch x := v.(type) {
	case time.Duration:
		n = math.Round(x.Minutes())
	case int:
		n = float64(x)
	case int8:
		n = float64(x)
	case int16:
		n = float64(x)
	case int32:
		n = float64(x)
	case int64:
		n = float64(x)
	case uint:
		n = float64(x)
	case uint8:
		n = float64(x)
	case uint16:
		n = float64(x)
	case uint32:
		n = float64(x)
	case uint64:
		n = float64(x)
	case float32:
		n = float64(x)
	case float64:
		n = x
	default:
		return "", fmt.Errorf("minutes: want a number or a time.Duration, got %T", v)
	}
	if math.IsNaN(n) || math.IsInf(n, 0) || n < 0 {
		return "", fmt.Errorf("minutes: %v is not a lifetime", v)
	}
	s := strconv.FormatFloat(n, 'f', -1, 64)
	if n == 1 {
		return s + " minute", nil
	}
	return s + " minutes", nil
}
