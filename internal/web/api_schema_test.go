package web_test

import (
	"testing"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/web/openapi"
)

// TestSchemaServed covers GET /api/schema/: the embedded document as JSON, as written with
// ?format=yaml, and DRF's 404 for a format it does not have.
func TestSchemaServed(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		want, err := openapi.JSON()
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/schema/", "/api/schema", "/api/schema/?format=json"} {
			r := e.Do("GET", path, nil)
			if r.Status != 200 || r.Header.Get("Content-Type") != "application/json" || r.Raw != string(want) {
				t.Errorf("GET %s: %d %s, %d bytes; want the document's JSON", path, r.Status, r.Header.Get("Content-Type"), len(r.Raw))
			}
			if r.JSON["openapi"] != "3.1.0" {
				t.Errorf("GET %s: openapi = %v", path, r.JSON["openapi"])
			}
		}
		r := e.Do("GET", "/api/schema/?format=yaml", nil)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/yaml" || r.Raw != string(openapi.YAML) {
			t.Errorf("?format=yaml: %d %s, %d bytes; want the YAML as written", r.Status, r.Header.Get("Content-Type"), len(r.Raw))
		}
		r = e.Do("GET", "/api/schema/?format=xml", nil)
		if r.Status != 404 || r.Raw != `{"detail":"Not found."}` {
			t.Errorf("?format=xml: %d %s", r.Status, r.Raw)
		}
	})
}

// TestPatternRoutes covers a route with a {name} segment as dispatch serves it: the other
// methods are 405 with Allow, OPTIONS lists the methods, a longer path is 404.
func TestPatternRoutes(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite)
	e.CreateUser("ada@example.com", pw)
	_, access := e.Login("ada@example.com", pw)
	if r := e.Do("DELETE", "/api/sessions/no-such-session", nil, authtest.Bearer(access)...); r.Status != 404 {
		t.Errorf("DELETE an unknown session: %d %s", r.Status, r.Raw)
	}
	r := e.Do("GET", "/api/sessions/abc/", nil, authtest.Bearer(access)...)
	if r.Status != 405 || r.Header.Get("Allow") != "DELETE, OPTIONS" || r.Raw != `{"detail":"Method \"GET\" not allowed."}` {
		t.Errorf("GET /api/sessions/abc/: %d %q %s", r.Status, r.Header.Get("Allow"), r.Raw)
	}
	r = e.Do("OPTIONS", "/api/sessions/abc/", nil)
	if r.Status != 200 || r.Header.Get("Allow") != "DELETE, OPTIONS" || r.Raw != `{}` {
		t.Errorf("OPTIONS /api/sessions/abc/: %d %q %s", r.Status, r.Header.Get("Allow"), r.Raw)
	}
	if r := e.Do("DELETE", "/api/sessions/abc/def/", nil, authtest.Bearer(access)...); r.Status != 404 {
		t.Errorf("DELETE /api/sessions/abc/def/: %d %s", r.Status, r.Raw)
	}
	if r := e.Do("POST", "/api/sessions/logout-others/", map[string]string{}, authtest.Bearer(access)...); r.Status != 200 {
		t.Errorf("the exact route beside the pattern: %d %s", r.Status, r.Raw)
	}
}
