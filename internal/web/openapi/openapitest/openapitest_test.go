package openapitest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/web/openapi"
	"github.com/authgate/authgate/internal/web/openapi/openapitest"
)

// reports collects what a Handler reports instead of failing the test.
type reports struct {
	mu  sync.Mutex
	got []string
}

func (r *reports) Helper() {}
func (r *reports) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, fmt.Sprintf(format, args...))
}
func (r *reports) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.got
	r.got = nil
	return g
}

// mutated is the document with one edit, which must be found exactly once.
func mutated(t *testing.T, old, new string) *openapitest.Checker {
	t.Helper()
	if strings.Count(string(openapi.YAML), old) != 1 {
		t.Fatalf("%q is not in the document exactly once", old)
	}
	c, err := openapitest.New(bytes.Replace(openapi.YAML, []byte(old), []byte(new), 1))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestHandlerFindsDrift runs a real server behind checkers of documents that no longer match it,
// and expects each mismatch reported with its operation and status, and nothing reported when
// the document is the real one: the validation of every test exchange can fail.
func TestHandlerFindsDrift(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite)
	e.CreateUser("ada@example.com", "correct horse battery staple")
	_, access := e.Login("ada@example.com", "correct horse battery staple")
	real, err := openapitest.Load()
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		checker *openapitest.Checker
		method  string
		path    string
		body    string
		headers []string
		want    []string // substrings of the one report; none: no report
		next    http.Handler
	}{
		{"the real document", real, "GET", "/api/me/", "", authtest.Bearer(access), nil, nil},
		{"a refused request is not held to the document", real, "POST", "/api/token/", `{"email": 5, "x": [`, nil, nil, nil},
		{"no trailing slash", real, "GET", "/api/me", "", authtest.Bearer(access), nil, nil},
		{"an unknown path", real, "GET", "/api/nope/", "", nil, nil, nil},
		{"a field the document does not list",
			mutated(t, "        last_login: {type: [string, 'null'], format: date-time}\n", ""),
			"GET", "/api/me/", "", authtest.Bearer(access), []string{"GET /api/me/ → 200", "last_login"}, nil},
		{"a status the document does not list",
			mutated(t, "        '401': {$ref: '#/components/responses/Unauthorized'}\n        '503': {$ref: '#/components/responses/Unavailable'}\n  /api/token/2fa/:",
				"        '503': {$ref: '#/components/responses/Unavailable'}\n  /api/token/2fa/:"),
			"GET", "/api/me/", "", nil, []string{"GET /api/me/ → 401", "401"}, nil},
		{"an accepted request the document refuses",
			mutated(t, "      required: [email, password]\n", "      required: [email, password, otp]\n"),
			"POST", "/api/token/", `{"email": "ada@example.com", "password": "correct horse battery staple"}`, nil,
			[]string{"POST /api/token/ → 200", "request", "otp"}, nil},
		{"a method the document adds",
			mutated(t, "  /api/me/:\n    get:\n", "  /api/me/:\n    put:\n      operationId: putMe\n      responses: {'200': {description: x}}\n    get:\n"),
			"PUT", "/api/me/", "", authtest.Bearer(access), []string{"PUT /api/me/ → 405", "'405'"}, nil},
		{"OPTIONS lists what the document lists",
			mutated(t, "  /api/me/:\n    get:\n", "  /api/me/:\n    put:\n      operationId: putMe\n      responses: {'200': {description: x}}\n    get:\n"),
			"OPTIONS", "/api/me/", "", nil, []string{"OPTIONS /api/me/ → 200", `Allow is "GET, OPTIONS"; the document lists "GET, PUT, OPTIONS"`}, nil},
		{"a path the document drops",
			mutated(t, "  /healthz:\n    get:\n      tags: [operations]\n      operationId: healthz\n", "  /healthy:\n    get:\n      tags: [operations]\n      operationId: healthz\n"),
			"GET", "/healthz", "", nil, []string{"GET /healthz → 200", "must be 404"}, nil},
		{"a body where the document gives none", real, "DELETE", "/api/sessions/abc/", "", nil,
			[]string{"DELETE /api/sessions/{id}/ → 204", "no body"}, answer(204, "application/json", "{}")},
		{"a bare 400 the document does not allow", real, "POST", "/api/password/reset/", "", nil,
			[]string{"POST /api/password/reset/ → 400"}, answer(400, "", "")},
		{"a bare 400 the document allows",
			mutated(t, "          description: No e-mail, or a body that does not parse.\n", "          description: No e-mail, or a body that does not parse.\n          x-empty-body: true\n"),
			"POST", "/api/password/reset/", "", nil, nil, answer(400, "", "")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := &reports{}
			next := tc.next
			if next == nil {
				next = e.App.Handler
			}
			srv := httptest.NewServer(tc.checker.Handler(rep, next))
			defer srv.Close()
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for i := 0; i+1 < len(tc.headers); i += 2 {
				req.Header.Set(tc.headers[i], tc.headers[i+1])
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := rep.take()
			if tc.want == nil {
				if len(got) > 0 {
					t.Errorf("reported %q", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d reports, want 1: %q", len(got), got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got[0], w) {
					t.Errorf("report lacks %q:\n%s", w, got[0])
				}
			}
		})
	}
}

// answer is a server that always gives this answer.
func answer(status int, contentType, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}
