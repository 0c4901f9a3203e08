// Package authtest is authgate's end-to-end test harness: a real server (httptest) on a real
// SQLite file or PostgreSQL database, a movable clock, and an in-process SMTP server catching mail.
package authtest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/app"
	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/config"
	"github.com/authgate/authgate/internal/mail/mailtest"
	"github.com/authgate/authgate/internal/password"
	"github.com/authgate/authgate/internal/store/storetest"
	"github.com/authgate/authgate/internal/web/openapi/openapitest"
)

// Key is the HS256 key the harness signs with (PyJWT and Django tests use it too).
const Key = "authgate-test-signing-key-0123456789abcdef"

// Clock is real time plus an offset that tests move forward.
type Clock struct {
	mu  sync.Mutex
	off time.Duration
}

// Now is the harness's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// Backend names a storage backend a test runs on.
type Backend string

// The backends every behavioural test runs on.
const (
	SQLite   Backend = "sqlite"
	Postgres Backend = "postgres"
)

// Backends lists them.
func Backends() []Backend { return []Backend{SQLite, Postgres} }

// ForEachBackend runs f as a subtest on every backend (STANDARDS: one behavioural suite for all).
func ForEachBackend(t *testing.T, f func(t *testing.T, b Backend)) {
	for _, b := range Backends() {
		t.Run(string(b), func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

// DatabaseURL returns a fresh, empty database of the backend for this test.
func DatabaseURL(t testing.TB, b Backend) string {
	if b == Postgres {
		return storetest.PostgresURL(t)
	}
	// Not t.TempDir: subtest names may hold '#' or '?', which a URL path cannot.
	dir, err := os.MkdirTemp("", "authgate-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return "sqlite://" + filepath.Join(dir, "authgate.db")
}

// Env is a running authgate under test.
type Env struct {
	T       testing.TB
	URL     string
	App     *app.App
	Clock   *Clock
	Mail    *mailtest.Server
	Backend Backend
	Server  *httptest.Server
	Logs    *LockedBuffer
	Client  *http.Client
}

// Option adjusts the settings (environment variables) before the server starts.
type Option func(vars map[string]string)

// With sets settings by their variable names ("AUTHGATE_TWO_FACTOR": "required").
func With(vars map[string]string) Option {
	return func(m map[string]string) {
		for k, v := range vars {
			m[k] = v
		}
	}
}

// Start runs authgate on a fresh database of the backend, with mail going to an in-process SMTP
// server and cheap password hashing, generous throttles unless an option sets them.
func Start(t testing.TB, b Backend, opts ...Option) *Env {
	t.Helper()
	return StartWithMail(t, b, mailtest.NewServer(t), opts...)
}

// StartWithMail is Start with mail going to smtp, a server the test made itself (one requiring
// STARTTLS and AUTH, speaking implicit TLS, or refusing every message): AUTHGATE_EMAIL_URL is
// smtp.URL() unless an option sets it, and the server's certificate is trusted.
func StartWithMail(t testing.TB, b Backend, smtp *mailtest.Server, opts ...Option) *Env {
	t.Helper()
	base := map[string]string{
		"AUTHGATE_DATABASE_URL":           DatabaseURL(t, b),
		"AUTHGATE_SIGNING_KEY":            Key,
		"AUTHGATE_EMAIL_URL":              smtp.URL(),
		"AUTHGATE_THROTTLE_LOGIN":         "1000/min",
		"AUTHGATE_THROTTLE_LOGIN_ACCOUNT": "1000/min",
		"AUTHGATE_THROTTLE_REFRESH":       "10000/min",
		"AUTHGATE_THROTTLE_CODE":          "1000/min",
		"AUTHGATE_THROTTLE_RESET":         "1000/min",
		"AUTHGATE_THROTTLE_SIGNUP":        "1000/min",
	}
	// The listener exists before the app, so that links in mails name the server's real address.
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	base["AUTHGATE_PUBLIC_URL"] = "http://" + srv.Listener.Addr().String()
	for _, o := range opts {
		o(base)
	}
	if base["AUTHGATE_SIGNING_KEY_FILE"] != "" && base["AUTHGATE_SIGNING_KEY"] == Key {
		delete(base, "AUTHGATE_SIGNING_KEY") // the test brings its own key
	}
	cfg, _, err := config.Load("test", nil, func(k string) string { return base[k] }, io.Discard, nil)
	if err != nil {
		srv.Close()
		t.Fatalf("config: %v", err)
	}
	logs := &LockedBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := &Clock{}
	cheap := password.Params{Time: 1, MemoryKiB: 1024, Threads: 1}
	a, err := app.Open(context.Background(), cfg, log, app.Options{
		Now: clock.Now, HashParams: &cheap, MailTLS: smtp.TLSConfig(),
	})
	if err != nil {
		srv.Close()
		t.Fatalf("app.Open: %v", err)
	}
	// Every exchange with the server is held to the OpenAPI document: a response it does not
	// describe, or an accepted request it does not allow, fails the test (openapitest).
	srv.Config.Handler = openapitest.Handler(t, a.Handler)
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return &Env{T: t, URL: srv.URL, App: a, Clock: clock, Mail: smtp, Backend: b, Server: srv, Logs: logs,
		Client: &http.Client{Timeout: 30 * time.Second}}
}

// CreateUser makes a user directly through the Service.
func (e *Env) CreateUser(email, pw string, mod ...func(*auth.NewUser)) auth.User {
	e.T.Helper()
	n := auth.NewUser{Email: email, Password: pw, SkipPolicy: true}
	for _, m := range mod {
		m(&n)
	}
	u, err := e.App.Service.CreateUser(context.Background(), n, "", auth.Client{IP: "test"})
	if err != nil {
		e.T.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// Response is an answer with its body decoded when it is JSON.
type Response struct {
	Status int
	Header http.Header
	Raw    string
	JSON   map[string]any
}

// Str returns a string field of the JSON body.
func (r Response) Str(k string) string {
	s, _ := r.JSON[k].(string)
	return s
}

// Do sends a request; body is JSON-encoded unless it is a string (sent as is with the given type).
func (e *Env) Do(method, path string, body any, headers ...string) Response {
	e.T.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case url.Values:
		rd = strings.NewReader(b.Encode())
		ct = "application/x-www-form-urlencoded"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		rd = strings.NewReader(string(j))
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := Response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.JSON)
	return r
}

// Post sends a JSON POST.
func (e *Env) Post(path string, body any, headers ...string) Response {
	e.T.Helper()
	return e.Do(http.MethodPost, path, body, headers...)
}

// Bearer is the Authorization header pair for an access token.
func Bearer(access string) []string { return []string{"Authorization", "Bearer " + access} }

// Login logs in and fails the test unless tokens come back.
func (e *Env) Login(email, pw string) (refresh, access string) {
	e.T.Helper()
	r := e.Post("/api/token/", map[string]string{"email": email, "password": pw})
	if r.Status != 200 || r.Str("access") == "" {
		e.T.Fatalf("login %s: %d %s", email, r.Status, r.Raw)
	}
	return r.Str("refresh"), r.Str("access")
}

var codeRe = regexp.MustCompile(`\b(\d{6,12})\b`)

// WaitCode waits for a mail to the address and returns the code in it.
func (e *Env) WaitCode(to string) string {
	e.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := e.Mail.WaitFor(ctx, to)
	if err != nil {
		e.T.Fatalf("no mail to %s: %v", to, err)
	}
	c := codeRe.FindStringSubmatch(m.Text)
	if c == nil {
		e.T.Fatalf("no code in mail to %s: %q", to, m.Text)
	}
	return c[1]
}

// LockedBuffer is a concurrency-safe log sink.
type LockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TOTP is the code of an authenticator app with the base32 key secret at the instant, computed
// by Debian's oathtool: an implementation independent of the server's (RFC 6238: SHA-1, six
// digits, 30-second steps).
func TOTP(t testing.TB, at time.Time, secret string) string {
	t.Helper()
	out, err := exec.Command("oathtool", "--totp", "-b", "-N", "@"+strconv.FormatInt(at.Unix(), 10), secret).CombinedOutput()
	if err != nil {
		t.Fatalf("oathtool (apt-get install oathtool): %v: %s", err, out)
	}
	code := strings.TrimSpace(string(out))
	if len(code) != 6 {
		t.Fatalf("oathtool: %q", out)
	}
	return code
}
