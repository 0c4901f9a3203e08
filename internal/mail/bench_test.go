package mail_test

import (
	"context"
	"path/filepath"
	"testing"

	authmail "github.com/authgate/authgate/internal/mail"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

// BenchmarkSend delivers the verification code message, one connection per message as in
// production, to an in-process server.
func BenchmarkSend(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []mailtest.Option
	}{
		{"plain", nil},
		{"STARTTLS+AUTH", []mailtest.Option{mailtest.WithStartTLS(), mailtest.WithAuth("u", "p")}},
		{"smtps+AUTH", []mailtest.Option{mailtest.WithImplicitTLS(), mailtest.WithAuth("u", "p")}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := mailtest.NewServer(b, tc.opts...)
			s := open(b, srv.URL(), authmail.Options{TLSConfig: srv.TLSConfig()})
			ctx := context.Background()
			data := codeData()
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Send(ctx, "ada@example.com", "two_factor_code", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("file", func(b *testing.B) {
		s := open(b, "file://"+filepath.Join(b.TempDir(), "mail"), authmail.Options{})
		ctx := context.Background()
		data := codeData()
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Send(ctx, "ada@example.com", "two_factor_code", data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
