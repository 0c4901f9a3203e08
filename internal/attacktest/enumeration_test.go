package attacktest

import (
	"context"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// answerShape is what a client can see of an answer, less what differs between any two
// requests (Date, the request id).
func answerShape(r authtest.Response) string {
	h := r.Header.Clone()
	h.Del("Date")
	h.Del("X-Request-Id")
	var b []byte
	b = append(b, http.StatusText(r.Status)...)
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		b = append(b, "\n"+k+": "...)
		for _, v := range h[k] {
			b = append(b, v+";"...)
		}
	}
	return string(append(append(b, "\n\n"...), r.Raw...))
}

// TestNoEnumerationLoginAnswers (ASVS 2.2.1/3.2, CONTRACT "log in"): an unknown e-mail, a wrong
// password, an inactive user and a user without a usable password get byte-identical answers
// (status, headers, body), on both login endpoints.
func TestNoEnumerationLoginAnswers(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		e.CreateUser("known@example.com", pw)
		e.CreateUser("inactive@example.com", pw, func(n *auth.NewUser) { n.Inactive = true })
		e.CreateUser("nopassword@example.com", "")
		for _, path := range []string{"/api/token/", "/api/token/sliding/"} {
			cases := map[string]map[string]string{
				"unknown e-mail": {"email": "nobody@example.com", "password": pw},
				"wrong password": {"email": "known@example.com", "password": "not " + pw},
				"inactive user":  {"email": "inactive@example.com", "password": pw},
				"no password":    {"email": "nopassword@example.com", "password": pw},
				"case-folded":    {"email": "NOBODY@Example.com", "password": pw},
			}
			want := ""
			for name, body := range cases {
				r := e.Post(path, body)
				if r.Status != 401 || r.Raw != `{"detail":"No active account found with the given credentials"}` {
					t.Fatalf("%s %s: %d %s", path, name, r.Status, r.Raw)
				}
				got := answerShape(r)
				if want == "" {
					want = got
				}
				if got != want {
					t.Errorf("%s %s answers\n%s\nothers answer\n%s", path, name, got, want)
				}
			}
		}
	})
}

// median of durations.
func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// offsets sends each case rounds times, in a fresh random order every round, and compares each
// case with the base case of the same round: it returns the median over rounds of that paired
// difference per case, and the base case's median time. Pairing within a round cancels the
// load of a busy machine, which drifts on a scale of rounds, not of single requests.
func offsets(e *authtest.Env, rounds int, base string, cases map[string]func() authtest.Response, want map[string]int) (map[string]time.Duration, time.Duration) {
	e.T.Helper()
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range cases {
			if !yield(k) {
				return
			}
		}
	})
	diffs := map[string][]time.Duration{}
	var baseTimes []time.Duration
	for range rounds {
		rand.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		took := map[string]time.Duration{}
		for _, n := range names {
			start := time.Now()
			r := cases[n]()
			took[n] = time.Since(start)
			if r.Status != want[n] {
				e.T.Fatalf("%s: %d %s", n, r.Status, r.Raw)
			}
		}
		baseTimes = append(baseTimes, took[base])
		for n, d := range took {
			diffs[n] = append(diffs[n], d-took[base])
		}
	}
	out := map[string]time.Duration{}
	for n, d := range diffs {
		out[n] = median(d)
	}
	return out, median(baseTimes)
}

// TestNoEnumerationLoginTiming (ASVS 2.2.1, OWASP "authentication responses"): with the
// production argon2id parameters, a login with an unknown e-mail and one of an inactive user take
// the time of a wrong password (the median of their paired differences is within a third of a
// hash), while a request that skips hashing (a blank password) is clearly faster — which shows
// the measurement can see a missing hash. Not parallel: it runs before the parallel tests.
func TestNoEnumerationLoginTiming(t *testing.T) {
	e := startDefaultHashing(t, nil)
	e.CreateUser("known@example.com", pw)
	e.CreateUser("inactive@example.com", pw, func(n *auth.NewUser) { n.Inactive = true })
	login := func(email, password string) func() authtest.Response {
		return func() authtest.Response {
			return e.Post("/api/token/", map[string]string{"email": email, "password": password})
		}
	}
	off, hash := offsets(e, 21, "wrong password", map[string]func() authtest.Response{
		"unknown e-mail": login("nobody@example.com", pw),
		"wrong password": login("known@example.com", "not "+pw),
		"inactive user":  login("inactive@example.com", pw),
		"no hashing":     login("known@example.com", ""),
	}, map[string]int{"unknown e-mail": 401, "wrong password": 401, "inactive user": 401, "no hashing": 400})
	t.Logf("a wrong password takes %v; the others differ by %v", hash, off)
	// The hash dominates; a third of it is far more than a database lookup and far less than the
	// hash itself, which is what a missing or much cheaper dummy hash would take off.
	tolerance := hash / 3
	for _, n := range []string{"unknown e-mail", "inactive user"} {
		if off[n] > tolerance || off[n] < -tolerance {
			t.Errorf("%s differs from a wrong password by %v (> %v)", n, off[n], tolerance)
		}
	}
	if off["no hashing"] > -tolerance {
		t.Errorf("a request without hashing is not measurably faster (%v): the test cannot see a missing hash", off["no hashing"])
	}
}

// TestNoEnumerationPasswordReset (ASVS 2.5.2/3.2): asking for a reset answers the same bytes for
// an unknown, an active and an inactive address, in about the same time (the lookup and mail run
// after the answer); only the active one gets mail.
func TestNoEnumerationPasswordReset(t *testing.T) { // not parallel: it times answers too
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_THROTTLE_RESET": "0/min"}))
	e.CreateUser("known@example.com", pw)
	e.CreateUser("inactive@example.com", pw, func(n *auth.NewUser) { n.Inactive = true })
	reset := func(email string) func() authtest.Response {
		return func() authtest.Response { return e.Post("/api/password/reset/", map[string]string{"email": email}) }
	}
	want := ""
	for _, email := range []string{"nobody@example.com", "known@example.com", "inactive@example.com"} {
		r := reset(email)()
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", email, r.Status, r.Raw)
		}
		if got := answerShape(r); want == "" {
			want = got
		} else if got != want {
			t.Errorf("%s answers\n%s\nnot\n%s", email, got, want)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.Mail.WaitFor(ctx, "known@example.com"); err != nil {
		t.Fatalf("no reset mail for the active user: %v", err)
	}
	off, base := offsets(e, 25, "unknown", map[string]func() authtest.Response{
		"unknown": reset("nobody@example.com"), "active": reset("known@example.com"), "inactive": reset("inactive@example.com"),
	}, map[string]int{"unknown": 200, "active": 200, "inactive": 200})
	t.Logf("an unknown address takes %v; the others differ by %v", base, off)
	for _, m := range e.Mail.Messages() {
		if !slices.Contains(m.To, "known@example.com") {
			t.Errorf("reset mail sent to %v", m.To)
		}
	}
	// The answers take about a millisecond (several under -race); the background work of an
	// active address competes for the CPU a little. Sending the mail before answering would add
	// an SMTP exchange, well past this.
	tolerance := 3*time.Millisecond + base/2
	for _, n := range []string{"active", "inactive"} {
		if off[n] > tolerance || off[n] < -tolerance {
			t.Errorf("reset for an %s address differs by %v (> %v)", n, off[n], tolerance)
		}
	}
}
