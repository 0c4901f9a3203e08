package password

import (
	"testing"
)

// BenchmarkHash measures one argon2id hash at the default parameters.
func BenchmarkHash(b *testing.B) {
	h := newHasher(b, Options{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(b.Context(), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashParallel measures throughput under a flood at the default
// MaxConcurrent (GOMAXPROCS).
func BenchmarkHashParallel(b *testing.B) {
	h := newHasher(b, Options{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(b.Context(), "correct horse battery staple"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkVerify measures Verify of each Django vector at Django's default
// parameters, and of authgate's own default hash; VerifyDummy should cost the
// same as the argon2id-authgate-default case.
func BenchmarkVerify(b *testing.B) {
	h := newHasher(b, Options{})
	for _, v := range loadVectors(b) {
		if v.cheap() && v.Name != "argon2id-authgate-default" {
			continue
		}
		b.Run(v.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, _, err := h.Verify(b.Context(), v.Checks[0].Password, v.Encoded); !ok || err != nil {
					b.Fatalf("Verify = %v, %v", ok, err)
				}
			}
		})
	}
	b.Run("dummy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := h.VerifyDummy(b.Context(), "correct horse battery staple"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
