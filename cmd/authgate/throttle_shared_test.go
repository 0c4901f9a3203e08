package main_test

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/store/storetest"
	"github.com/authgate/authgate/internal/tcptest"
)

// testRedisURL is the machine's Redis (see .ci/run).
const testRedisURL = "redis://127.0.0.1:6379/0"

// randomClient is a documentation-range IPv6 address (RFC 3849) no other run uses, so that this
// run's Redis throttling keys never meet another's.
func randomClient() string {
	var b [16]byte
	_, _ = rand.Read(b[4:])
	copy(b[:4], []byte{0x20, 0x01, 0x0d, 0xb8})
	return netip.AddrFrom16(b).String()
}

// loginFrom posts credentials through a trusted proxy on behalf of client and returns the
// status, body and Retry-After header.
func loginFrom(t *testing.T, s *instance, client, email, password string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest("POST", s.url+"/api/token/",
		strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", client)
	code, b, h := send(t, req)
	return code, b, h.Get("Retry-After")
}

// TestScaleOutSharedThrottle: with Redis, login throttling counts across instances: two tries
// on A and two on B use up 4/min, and the fifth is refused on either. Without Redis each
// instance counts alone (the control that shows the sharing is real).
func TestScaleOutSharedThrottle(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	limits := []string{"AUTHGATE_THROTTLE_LOGIN=4/min", "AUTHGATE_TRUSTED_PROXIES=127.0.0.1"}
	shared := instanceEnv(dbURL, append(limits, "AUTHGATE_REDIS_URL="+testRedisURL)...)
	alone := instanceEnv(dbURL, limits...)
	servers := serveMany(t, shared, shared, alone, alone)
	email := newUser(t, shared, "throttle")

	for _, c := range []struct {
		name string
		a, b *instance
		want int
	}{
		{"redis", servers[0], servers[1], 429},
		{"memory", servers[2], servers[3], 200},
	} {
		client := randomClient()
		for i, s := range []*instance{c.a, c.a, c.b, c.b} {
			if st, body, _ := loginFrom(t, s, client, email, "wrong password"); st != 401 {
				t.Fatalf("%s: try %d: %d %s", c.name, i+1, st, body)
			}
		}
		for _, s := range []*instance{c.a, c.b} {
			st, body, retry := loginFrom(t, s, client, email, scalePassword)
			if st != c.want {
				t.Fatalf("%s: fifth try on %s: %d %s, want %d", c.name, s.url, st, body, c.want)
			}
			if st == 429 && (!strings.HasPrefix(body, `{"detail":"Request was throttled. Expected available in `) || retry == "") {
				t.Fatalf("%s: throttled answer: %s (Retry-After %q)", c.name, body, retry)
			}
		}
	}
}

// hungRedis is a Redis URL whose server accepts connections and never answers, with go-redis
// timeouts long enough that only authgate's own deadline can end a request.
func hungRedis(t *testing.T) string {
	return fmt.Sprintf("redis://%s/0?dial_timeout=1m&read_timeout=1m&write_timeout=1m", tcptest.Silent(t))
}

// TestLimiterDown: a Redis that refuses connections or never answers makes login (and refresh)
// fail closed with 503 within about a second, not after the Redis client's own timeouts.
func TestLimiterDown(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	// Refresh throttling is off by default (then refresh never asks Redis); turn it on to see it
	// fail closed too.
	servers := serveMany(t,
		instanceEnv(dbURL, "AUTHGATE_REDIS_URL=redis://127.0.0.1:1/0", "AUTHGATE_THROTTLE_REFRESH=600/min"),
		instanceEnv(dbURL, "AUTHGATE_REDIS_URL="+hungRedis(t), "AUTHGATE_THROTTLE_REFRESH=600/min"))
	email := newUser(t, instanceEnv(dbURL), "limiter")
	refresh := login(t, serveMany(t, instanceEnv(dbURL))[0], email)["refresh"]

	for _, s := range servers {
		for _, c := range []struct{ path, body string }{
			{"/api/token/", `{"email":"` + email + `","password":"` + scalePassword + `"}`},
			{"/api/token/refresh/", `{"refresh":"` + refresh + `"}`},
		} {
			start := time.Now()
			st, body := curl(t, s.url+c.path, c.body)
			took := time.Since(start)
			if st != 503 || body != unavailableBody {
				t.Fatalf("%s with Redis down: %d %s", c.path, st, body)
			}
			// Not a performance figure: without authgate's deadline the hung server holds the
			// request for the client's one-minute timeouts.
			if took > 10*time.Second {
				t.Fatalf("%s with Redis down took %v", c.path, took)
			}
		}
	}
}
