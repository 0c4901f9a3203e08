package loadtest_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the test's own queries

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/loadtest"
	"github.com/authgate/authgate/internal/password"
	"github.com/authgate/authgate/internal/store/storetest"
)

const pw = "correct horse battery staple"

// cheap are authtest's hashing parameters: the argon2 ceiling must use the target's.
var cheap = password.Params{Time: 1, MemoryKiB: 1024, Threads: 1, KeyLen: 32, SaltLen: 22}

// TestBenchAgainstAuthgate is the CI run of the load tool: every scenario against a real
// authgate on each backend, each beside its ceiling, for a second; every answer checked, none
// wrong, and a report whose JSON carries every figure.
func TestBenchAgainstAuthgate(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, authtest.With(map[string]string{
			"AUTHGATE_THROTTLE_LOGIN": "0/min", "AUTHGATE_THROTTLE_LOGIN_ACCOUNT": "0/min",
			"AUTHGATE_THROTTLE_REFRESH": "0/min", "AUTHGATE_USER_CACHE_TTL": "1s",
		}))
		var accounts []loadtest.Account
		for i := range 3 {
			email := fmt.Sprintf("load%d@example.com", i)
			e.CreateUser(email, pw)
			accounts = append(accounts, loadtest.Account{Email: email, Password: pw})
		}
		key := []byte("ceiling-key-0123456789abcdef0123456789")
		ceiling := httptest.NewServer(loadtest.CeilingHandler(key, nil))
		defer ceiling.Close()
		var progress atomic.Int32
		rep, err := loadtest.Bench(context.Background(), loadtest.Plan{
			// A dense mix: in one second on a loaded machine each worker still meets every action
			// (the default's 5 logins in 1,000 may not come at all).
			Run: loadtest.Options{BaseURL: e.URL, Conns: 4, Duration: time.Second, Accounts: accounts,
				PID: os.Getpid(), Mix: loadtest.Mix{{loadtest.Me, 20}, {loadtest.Verify, 4}, {loadtest.Refresh, 4}, {loadtest.Login, 2}}},
			Scenarios: loadtest.Scenarios(),
			Ceilings: loadtest.Ceilings{HTTP: ceiling.URL, HTTPKey: key,
				Storage: &loadtest.StorageOptions{DatabaseURL: e.App.Config.DatabaseURL, PoolSize: 4},
				Argon2:  &cheap, Argon2Workers: 2},
			Database: string(b), LeakCheck: true,
			Log: func(string, ...any) { progress.Add(1) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Scenarios) != 5 || progress.Load() < 6 {
			t.Fatalf("%d scenarios, %d progress lines", len(rep.Scenarios), progress.Load())
		}
		for _, s := range rep.Scenarios {
			if s.Errors != 0 || s.Shed != 0 {
				t.Errorf("%s: %d errors %v %v, %d shed", s.Name, s.Errors, s.ErrorKinds, s.ErrorSamples, s.Shed)
			}
			if s.Requests == 0 || s.PerSec <= 0 || s.Latency.P50 <= 0 || s.Latency.P99 < s.Latency.P50 || s.Latency.Max < s.Latency.P99 {
				t.Errorf("%s: %d requests, %.1f/s, latency %+v", s.Name, s.Requests, s.PerSec, s.Latency)
			}
			if s.PeakRSS == 0 || s.CPUPerRequest <= 0 {
				t.Errorf("%s: no memory or CPU sample: %d bytes, %s per request", s.Name, s.PeakRSS, s.CPUPerRequest)
			}
			if wantCeiling := s.Name != loadtest.Mixed; wantCeiling != (s.Ceiling != nil) || wantCeiling && (s.Ceiling.PerSec <= 0 || s.Ratio <= 0) {
				t.Errorf("%s: ceiling %+v ratio %v", s.Name, s.Ceiling, s.Ratio)
			}
		}
		if mixed := rep.Scenarios[4]; len(mixed.Actions) != 4 || mixed.Actions[loadtest.Me].Requests <= mixed.Actions[loadtest.Login].Requests {
			t.Errorf("mixed actions %+v", mixed.Actions)
		}
		if rep.Leaks == nil || !rep.Leaks.OK {
			t.Errorf("leak check %+v", rep.Leaks)
		}

		raw, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		var j struct {
			Target    string `json:"target"`
			OK        *bool  `json:"ok"`
			Scenarios []struct {
				Name    string  `json:"name"`
				PerSec  float64 `json:"requests_per_sec"`
				Errors  *int    `json:"errors"`
				Latency struct {
					P99 float64 `json:"p99_ms"`
				} `json:"latency"`
				Ratio   float64 `json:"ratio"`
				Target  float64 `json:"target_ratio"`
				Ceiling *struct {
					Kind string `json:"kind"`
				} `json:"ceiling"`
			} `json:"scenarios"`
			Leaks *struct {
				OK bool `json:"ok"`
			} `json:"leaks"`
		}
		if err := json.Unmarshal(raw, &j); err != nil {
			t.Fatal(err)
		}
		if j.Target != e.URL || j.OK == nil || len(j.Scenarios) != 5 || j.Leaks == nil {
			t.Fatalf("JSON report %s", raw)
		}
		for i, kind := range []string{"http", "http", "storage", "argon2id"} {
			s := j.Scenarios[i]
			if s.Errors == nil || *s.Errors != 0 || s.PerSec <= 0 || s.Latency.P99 <= 0 || s.Ceiling == nil || s.Ceiling.Kind != kind || s.Ratio <= 0 {
				t.Errorf("JSON scenario %d: %+v", i, s)
			}
		}
		if j.Scenarios[0].Target != loadtest.TargetMe || j.Scenarios[2].Target != loadtest.TargetRefresh || j.Scenarios[3].Target != loadtest.TargetLogin {
			t.Errorf("targets %v %v %v", j.Scenarios[0].Target, j.Scenarios[2].Target, j.Scenarios[3].Target)
		}
		var table bytes.Buffer
		if err := rep.WriteTable(&table); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"ceiling: bare HS256 net/http", "ceiling: " + string(b) + " insert+mark tx", "ceiling: argon2id m=1024,t=1,p=1 ×2", "refresh", "mixed", "at rest before"} {
			if !strings.Contains(table.String(), want) {
				t.Errorf("table lacks %q:\n%s", want, table.String())
			}
		}
	})
}

// liar is a SimpleJWT look-alike that gets things wrong on purpose: /api/me/ answers about
// another user and every refresh hands out the same refresh token.
func liar() *httptest.Server {
	tok := func(payload string) string {
		return "eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
	}
	pair := `{"access":"` + tok(`{"user_id":"u1","jti":"a"}`) + `","refresh":"` + tok(`{"user_id":"u1","jti":"r1"}`) + `"}`
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/token/", "/api/token/refresh/":
			w.Write([]byte(pair))
		case "/api/me/":
			w.Write([]byte(`{"id":"u2"}`))
		}
	}))
}

// TestRunCatchesWrongAnswers: the checks fail a server that answers about the wrong user or
// hands out a refresh token twice.
func TestRunCatchesWrongAnswers(t *testing.T) {
	srv := liar()
	defer srv.Close()
	acct := []loadtest.Account{{Email: "a@example.com", Password: pw}}
	me, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Scenario: loadtest.Me, Conns: 2,
		Duration: 200 * time.Millisecond, Accounts: acct})
	if err != nil {
		t.Fatal(err)
	}
	if me.Requests != 0 || me.Errors == 0 || me.ErrorKinds["me: body"] != me.Errors || !strings.Contains(me.ErrorSamples[0], "user u2") {
		t.Errorf("me against a liar: %d ok, %d errors %v %v", me.Requests, me.Errors, me.ErrorKinds, me.ErrorSamples)
	}
	// The setup login already hands out r1; the first refresh hands it out again.
	ref, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Scenario: loadtest.Refresh, Conns: 1,
		Duration: 200 * time.Millisecond, Accounts: acct})
	if err != nil || ref.ErrorKinds["refresh: reused jti"] == 0 || ref.Requests != 0 {
		t.Errorf("refresh against a liar: %+v %v", ref, err)
	}
}

func TestOptionsValidated(t *testing.T) {
	acct := []loadtest.Account{{Email: "a@example.com", Password: pw}}
	for name, o := range map[string]loadtest.Options{
		"scenario":  {BaseURL: "http://127.0.0.1:1", Scenario: "dance", Accounts: acct},
		"conns":     {BaseURL: "http://127.0.0.1:1", Scenario: loadtest.Me, Conns: -1, Accounts: acct},
		"accounts":  {BaseURL: "http://127.0.0.1:1", Scenario: loadtest.Me},
		"password":  {BaseURL: "http://127.0.0.1:1", Scenario: loadtest.Me, Accounts: []loadtest.Account{{Email: "a"}}},
		"bearer":    {BaseURL: "http://127.0.0.1:1", Scenario: loadtest.Login, Bearer: "x.y.z"},
		"url":       {BaseURL: "ftp://x", Scenario: loadtest.Me, Accounts: acct},
		"unreached": {BaseURL: "http://127.0.0.1:1", Scenario: loadtest.Me, Accounts: acct, Timeout: time.Second},
	} {
		if _, err := loadtest.Run(context.Background(), o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCeilingHandler(t *testing.T) {
	key := []byte("ceiling-key-0123456789abcdef0123456789")
	now := time.Now()
	h := loadtest.CeilingHandler(key, func() time.Time { return now })
	good := loadtest.CeilingToken(key, "u1", now)
	expired := loadtest.CeilingToken(key, "u1", now.Add(-2*time.Hour))
	other := loadtest.CeilingToken([]byte("another-key-0123456789abcdef012345678"), "u1", now)
	parts := strings.Split(good, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + "." + parts[2]
	for _, c := range []struct {
		auth   string
		status int
	}{{"Bearer " + good, 200}, {"", 401}, {"Bearer " + expired, 401}, {"Bearer " + other, 401}, {"Bearer " + none, 401}, {"Bearer a.b", 401}} {
		r := httptest.NewRequest("GET", "/", nil)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.status || c.status == 200 && strings.TrimSpace(w.Body.String()) != `{"id":"u1"}` {
			t.Errorf("%q: %d %s", c.auth, w.Code, w.Body)
		}
	}
}

// TestStorageCeiling measures a few hundred milliseconds on each backend and leaves nothing
// behind: the SQLite scratch file and the PostgreSQL scratch table are gone.
func TestStorageCeiling(t *testing.T) {
	dir := t.TempDir()
	pg := storetest.PostgresURL(t)
	for _, url := range []string{"sqlite://" + filepath.Join(dir, "authgate.db"), pg} {
		res, err := loadtest.StorageCeiling(context.Background(), loadtest.StorageOptions{DatabaseURL: url, Workers: 4, PoolSize: 2,
			Duration: 300 * time.Millisecond})
		if err != nil || res.Transactions == 0 || res.Errors != 0 || res.PerSec <= 0 || res.Latency.P50 <= 0 || res.CPUPerTx <= 0 {
			t.Errorf("%s: %+v %v", res.Dialect, res, err)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left in the directory: %v", left)
	}
	db, err := sql.Open("pgx", pg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_tables WHERE tablename LIKE 'authgate_bench_ceiling_%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d scratch tables left (%v)", n, err)
	}
	if _, err := loadtest.StorageCeiling(context.Background(), loadtest.StorageOptions{DatabaseURL: "mysql://x", Duration: time.Second}); err == nil {
		t.Error("mysql accepted")
	}
}

func TestArgon2Ceiling(t *testing.T) {
	res, err := loadtest.Argon2Ceiling(context.Background(), cheap, 2, 200*time.Millisecond, nil)
	if err != nil || res.Hashes == 0 || res.PerSec <= 0 || res.Workers != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := loadtest.Argon2Ceiling(context.Background(), password.Params{}, 2, time.Second, nil); err == nil {
		t.Error("zero parameters accepted")
	}
}

func TestProcessProbes(t *testing.T) {
	rss, err := loadtest.ProcessRSS(os.Getpid())
	if err != nil || rss < 1<<20 {
		t.Errorf("RSS %d %v", rss, err)
	}
	if _, err := loadtest.ProcessCPU(os.Getpid()); err != nil {
		t.Error(err)
	}
	if _, err := loadtest.ProcessRSS(-5); err == nil {
		t.Error("no such process: no error")
	}
}
