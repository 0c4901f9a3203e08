package password

import (
	"runtime"
	"testing"
)

// TestVerifyDummyDoesTheWork checks, by the memory it allocates, that
// VerifyDummy really runs argon2id at the Hasher's parameters: a dummy that
// returned early would let an attacker tell unknown accounts apart.
func TestVerifyDummyDoesTheWork(t *testing.T) {
	t.Parallel()
	const memKiB = 8 << 10
	h := newHasher(t, Options{Params: Params{Time: 1, MemoryKiB: memKiB, Threads: 1}})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := h.VerifyDummy(ctx(t), "pw"); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got < memKiB<<10 {
		t.Errorf("VerifyDummy allocated %d bytes, want at least the %d of one argon2id hash", got, memKiB<<10)
	}
	if h.InFlight() != 0 {
		t.Errorf("InFlight after VerifyDummy = %d", h.InFlight())
	}
}
