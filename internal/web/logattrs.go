package web

import (
	"log/slog"
	"time"
)

func slogStr(k, v string) slog.Attr     { return slog.String(k, v) }
func slogInt(k string, v int) slog.Attr { return slog.Int(k, v) }

// slogDur logs a duration as whole microseconds under k+"_us": an integer costs nothing to
// format, where the JSON handler renders a float through encoding/json.
func slogDur(k string, v time.Duration) slog.Attr {
	return slog.Int64(k+"_us", v.Microseconds())
}

func levelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelInfo
	}
	return slog.LevelInfo
}
