package attacktest

import (
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/authtest"
)

// redisURL is the Redis the shared limiter runs on in these tests.
const redisURL = "redis://127.0.0.1:6379/0"

// limiters runs f with the in-process limiter and with the shared Redis one.
func limiters(t *testing.T, f func(t *testing.T, vars map[string]string)) {
	for name, vars := range map[string]map[string]string{
		"memory": {},
		"redis":  {"AUTHGATE_REDIS_URL": redisURL},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, vars)
		})
	}
}

func with(base map[string]string, more map[string]string) authtest.Option {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for k, v := range more {
		m[k] = v
	}
	return authtest.With(m)
}

var throttledRe = regexp.MustCompile(`^Request was throttled\. Expected available in (\d+) seconds?\.$`)

// wantThrottled checks DRF's 429: its detail, and a Retry-After that says the same number of
// seconds, within the window.
func wantThrottled(t *testing.T, r authtest.Response, window time.Duration) {
	t.Helper()
	m := throttledRe.FindStringSubmatch(r.Str("detail"))
	if r.Status != 429 || m == nil || len(r.JSON) != 1 {
		t.Fatalf("want DRF's 429, got %d %s", r.Status, r.Raw)
	}
	if r.Header.Get("Retry-After") != m[1] {
		t.Fatalf("Retry-After %q, detail says %s seconds", r.Header.Get("Retry-After"), m[1])
	}
	if n, _ := strconv.Atoi(m[1]); n < 1 || time.Duration(n)*time.Second > window {
		t.Fatalf("expected wait %d s outside (0, %v]", n, window)
	}
}

// TestThrottleLoginPerAddress (ASVS 2.2.1, NIST 800-63B 5.2.2): past the per-address rate the
// login answers DRF's 429 with Retry-After, even with the right password, until the window has
// passed.
func TestThrottleLoginPerAddress(t *testing.T) {
	t.Parallel()
	limiters(t, func(t *testing.T, vars map[string]string) {
		e := authtest.Start(t, authtest.SQLite, with(vars, map[string]string{
			"AUTHGATE_THROTTLE_LOGIN": "3/min", "AUTHGATE_TRUSTED_PROXIES": "127.0.0.1/32,::1/128"}))
		email, ip := uniqueEmail("throttle"), uniqueIP()
		e.CreateUser(email, pw)
		wrong := map[string]string{"email": email, "password": "wrong"}
		for i := range 3 {
			if r := e.Post("/api/token/", wrong, "X-Forwarded-For", ip); r.Status != 401 {
				t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Raw)
			}
		}
		wantThrottled(t, e.Post("/api/token/", map[string]string{"email": email, "password": pw}, "X-Forwarded-For", ip), time.Minute)
		// Another account from the same address: the per-address bucket holds too.
		wantThrottled(t, e.Post("/api/token/", map[string]string{"email": uniqueEmail("other"), "password": "x"}, "X-Forwarded-For", ip), time.Minute)
		e.Clock.Advance(61 * time.Second)
		if r := e.Post("/api/token/", map[string]string{"email": email, "password": pw}, "X-Forwarded-For", ip); r.Status != 200 {
			t.Fatalf("after the window: %d %s", r.Status, r.Raw)
		}
	})
}

// TestThrottleAtomicUnderParallelAttempts: a burst of parallel guesses gets exactly the rate's
// number of tries through, never more (the check and the count are one atomic step).
func TestThrottleAtomicUnderParallelAttempts(t *testing.T) {
	t.Parallel()
	limiters(t, func(t *testing.T, vars map[string]string) {
		e := authtest.Start(t, authtest.SQLite, with(vars, map[string]string{
			"AUTHGATE_THROTTLE_LOGIN": "5/min", "AUTHGATE_TRUSTED_PROXIES": "127.0.0.1/32,::1/128"}))
		email, ip := uniqueEmail("burst"), uniqueIP()
		e.CreateUser(email, pw)
		var mu sync.Mutex
		counts := map[int]int{}
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				r := e.Post("/api/token/", map[string]string{"email": email, "password": "guess"}, "X-Forwarded-For", ip)
				mu.Lock()
				counts[r.Status]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if counts[401] != 5 || counts[429] != 35 {
			t.Fatalf("statuses %v, want exactly 5×401 and 35×429", counts)
		}
	})
}

// TestThrottleNoAccountLockout (ASVS 2.2.1: no lock-out as denial of service): an attacker who
// exhausts an account's bucket from their address does not lock the owner out from theirs, and a
// distributed attack meets a per-account ceiling that is higher than the per-address rate.
func TestThrottleNoAccountLockout(t *testing.T) {
	t.Parallel()
	limiters(t, func(t *testing.T, vars map[string]string) {
		e := authtest.Start(t, authtest.SQLite, with(vars, map[string]string{
			"AUTHGATE_THROTTLE_LOGIN": "3/min", "AUTHGATE_THROTTLE_LOGIN_ACCOUNT": "8/min",
			"AUTHGATE_TRUSTED_PROXIES": "127.0.0.1/32,::1/128"}))
		email := uniqueEmail("victim")
		e.CreateUser(email, pw)
		wrong := map[string]string{"email": email, "password": "guess"}
		right := map[string]string{"email": email, "password": pw}
		attacker := uniqueIP()
		for range 3 {
			e.Post("/api/token/", wrong, "X-Forwarded-For", attacker)
		}
		wantThrottled(t, e.Post("/api/token/", right, "X-Forwarded-For", attacker), time.Minute)
		if r := e.Post("/api/token/", right, "X-Forwarded-For", uniqueIP()); r.Status != 200 {
			t.Fatalf("owner locked out by another address's failures: %d %s", r.Status, r.Raw)
		}
		// Spread over fresh addresses: the account's budget of 8 failed password checks (the 3
		// guesses above spent 3; the owner's right password spent nothing) stops the guessing
		// although no single address reached its rate.
		admitted := 3
		for range 10 {
			r := e.Post("/api/token/", wrong, "X-Forwarded-For", uniqueIP())
			if r.Status == 429 {
				wantThrottled(t, r, time.Minute)
				break
			}
			if r.Status != 401 {
				t.Fatalf("distributed guess: %d %s", r.Status, r.Raw)
			}
			admitted++
		}
		if admitted != 8 {
			t.Fatalf("account budget admitted %d failed tries, want 8", admitted)
		}
	})
}

// TestForwardedForTrustedOnlyFromProxies: X-Forwarded-For cannot buy an attacker fresh buckets
// unless the peer is a configured proxy, and behind one only the address the proxy appended (the
// rightmost untrusted hop) counts, not what the client wrote before it.
func TestForwardedForTrustedOnlyFromProxies(t *testing.T) {
	t.Parallel()
	t.Run("no trusted proxies", func(t *testing.T) {
		t.Parallel()
		e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_THROTTLE_LOGIN": "3/min"}))
		for i := range 3 {
			r := e.Post("/api/token/", map[string]string{"email": uniqueEmail("x"), "password": "y"}, "X-Forwarded-For", uniqueIP())
			if r.Status != 401 {
				t.Fatalf("attempt %d: %d %s", i, r.Status, r.Raw)
			}
		}
		wantThrottled(t, e.Post("/api/token/", map[string]string{"email": uniqueEmail("x"), "password": "y"}, "X-Forwarded-For", uniqueIP()), time.Minute)
	})
	t.Run("spoofed hop before the proxy's", func(t *testing.T) {
		t.Parallel()
		e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{
			"AUTHGATE_THROTTLE_LOGIN": "3/min", "AUTHGATE_TRUSTED_PROXIES": "127.0.0.1/32,::1/128"}))
		real := uniqueIP()
		for i := range 3 {
			r := e.Post("/api/token/", map[string]string{"email": uniqueEmail("x"), "password": "y"}, "X-Forwarded-For", uniqueIP()+", "+real)
			if r.Status != 401 {
				t.Fatalf("attempt %d: %d %s", i, r.Status, r.Raw)
			}
		}
		wantThrottled(t, e.Post("/api/token/", map[string]string{"email": uniqueEmail("x"), "password": "y"}, "X-Forwarded-For", "garbage, "+uniqueIP()+", "+real), time.Minute)
		// A different real client behind the same proxy has its own bucket.
		if r := e.Post("/api/token/", map[string]string{"email": uniqueEmail("x"), "password": "y"}, "X-Forwarded-For", uniqueIP()); r.Status != 401 {
			t.Fatalf("other client behind the proxy: %d %s", r.Status, r.Raw)
		}
	})
}

// TestThrottleRefreshAndReset: the other unauthenticated endpoints that cost work or mail are
// throttled per address too (refresh, password reset per address and per e-mail, 2FA codes).
func TestThrottleRefreshAndReset(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{
		"AUTHGATE_THROTTLE_REFRESH": "2/min", "AUTHGATE_THROTTLE_RESET": "2/min", "AUTHGATE_THROTTLE_CODE": "2/min",
		"AUTHGATE_TRUSTED_PROXIES": "127.0.0.1/32,::1/128"}))
	ip := uniqueIP()
	for range 2 {
		e.Post("/api/token/refresh/", map[string]string{"refresh": "x.y.z"}, "X-Forwarded-For", ip)
	}
	wantThrottled(t, e.Post("/api/token/refresh/", map[string]string{"refresh": "x.y.z"}, "X-Forwarded-For", ip), time.Minute)

	victim := uniqueEmail("reset")
	for range 2 {
		if r := e.Post("/api/password/reset/", map[string]string{"email": victim}, "X-Forwarded-For", uniqueIP()); r.Status != 200 {
			t.Fatalf("reset: %d %s", r.Status, r.Raw)
		}
	}
	// Per e-mail: a third request for the same address from yet another client is refused.
	wantThrottled(t, e.Post("/api/password/reset/", map[string]string{"email": victim}, "X-Forwarded-For", uniqueIP()), time.Minute)

	for range 2 {
		e.Post("/api/token/2fa/", map[string]string{"challenge": "c", "code": "123456"}, "X-Forwarded-For", ip)
	}
	wantThrottled(t, e.Post("/api/token/2fa/", map[string]string{"challenge": "c", "code": "123456"}, "X-Forwarded-For", ip), time.Minute)
}

// TestThrottleIPv6Prefix: an IPv6 client cannot buy fresh per-address buckets by rotating through
// the addresses of its own /64; another /64 is another client.
func TestThrottleIPv6Prefix(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{
		"AUTHGATE_THROTTLE_LOGIN": "3/min", "AUTHGATE_TRUSTED_PROXIES": "127.0.0.1/32,::1/128"}))
	net := uniqueNet64()
	for i := range 3 {
		r := e.Post("/api/token/", map[string]string{"email": uniqueEmail("v6"), "password": "y"}, "X-Forwarded-For", fmt.Sprintf("%s%x:%x:7:%x", net, i+1, i*3, i))
		if r.Status != 401 {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Raw)
		}
	}
	wantThrottled(t, e.Post("/api/token/", map[string]string{"email": uniqueEmail("v6"), "password": "y"}, "X-Forwarded-For", net+"ffff:ffff:ffff:ffff"), time.Minute)
	if r := e.Post("/api/token/", map[string]string{"email": uniqueEmail("v6"), "password": "y"}, "X-Forwarded-For", uniqueIP()); r.Status != 401 {
		t.Fatalf("another /64: %d %s", r.Status, r.Raw)
	}
}
