package mail

import (
	"log/slog"
	"testing"
)

// BenchmarkPrepare renders and MIME-encodes the verification code message: the CPU cost of a
// send before any I/O.
func BenchmarkPrepare(b *testing.B) {
	s, err := Open("console://", Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	data := map[string]any{"code": "482913", "minutes": 10, "email": "ada@example.com", "purpose": "login"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.prepare("ada@example.com", "two_factor_code", data); err != nil {
			b.Fatal(err)
		}
	}
}
