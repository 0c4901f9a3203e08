package mail

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// funcs are the helpers every template may call:
//
//	{{minutes .minutes}}  "1 minute", "15 minutes"; takes any integer or float, or a time.Duration
func funcs() map[string]any {
	return map[string]any{"minutes": minutes}
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
