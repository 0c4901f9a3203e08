package attacktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
)

// respell re-signs a token's claims under different bytes: Python's json.dumps separators, the
// members in reverse order, and the given edit applied to the member list. Its jti is unchanged.
func respell(t *testing.T, raw string, edit func(members []string) []string) string {
	t.Helper()
	_, p, _ := segments(t, raw)
	dec := json.NewDecoder(strings.NewReader(unb64(t, p)))
	dec.UseNumber()
	var c map[string]any
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	var members []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range c {
			if !yield(k) {
				return
			}
		}
	}) {
		v, _ := json.Marshal(c[k])
		members = append(members, fmt.Sprintf("%q: %s", k, v))
	}
	slices.Reverse(members)
	if edit != nil {
		members = edit(members)
	}
	payload := "{" + strings.Join(members, ", ") + "}"
	out := forge(t, "HS256", key(), `{"typ": "JWT", "alg": "HS256"}`, payload)
	if out == raw || payloadOf(t, out)["jti"] != payloadOf(t, raw)["jti"] {
		t.Fatalf("respelling failed: %s", payload)
	}
	return out
}

// escapeJTI writes the jti's first character as a JSON \u escape.
func escapeJTI(members []string) []string {
	for i, m := range members {
		if rest, ok := strings.CutPrefix(m, `"jti": "`); ok {
			members[i] = fmt.Sprintf(`"jti": "\u%04x%s`, rest[0], rest[1:])
		}
	}
	return members
}

// respellings are the re-encodings of a token every check below tries.
func respellings(t *testing.T, raw string) map[string]string {
	return map[string]string{
		"python spacing":     respell(t, raw, nil),
		"escaped jti":        respell(t, raw, escapeJTI),
		"extra claim":        respell(t, raw, func(m []string) []string { return append(m, `"note": "hi"`) }),
		"compact, reordered": respell(t, raw, func(m []string) []string { return []string{strings.Join(m, ",")} }),
	}
}

// TestBlacklistKeyedByJTI (SimpleJWT token_blacklist, RFC 7519 §4.1.7): the blacklist holds jtis,
// not strings. A blacklisted or rotated refresh token re-encoded with other bytes — JSON spacing,
// member order, escapes, an extra claim — and re-signed with the key is still blacklisted, and
// replaying a rotated one that way still trips reuse detection.
func TestBlacklistKeyedByJTI(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		e.CreateUser("a@example.com", pw)

		// The respelt token is a token authgate would otherwise take: a fresh one is accepted.
		fresh, _ := e.Login("a@example.com", pw)
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": respell(t, fresh, nil)}); r.Status != 200 {
			t.Fatalf("control: respelt live token refused: %d %s", r.Status, r.Raw)
		}

		r1, _ := e.Login("a@example.com", pw)
		if r := e.Post("/api/token/blacklist/", map[string]string{"refresh": r1}); r.Status != 200 {
			t.Fatalf("blacklist: %d %s", r.Status, r.Raw)
		}
		for name, tok := range respellings(t, r1) {
			if bytes.Equal([]byte(tok), []byte(r1)) {
				t.Fatalf("%s: same bytes", name)
			}
			if r := e.Post("/api/token/refresh/", map[string]string{"refresh": tok}); r.Status != 401 || r.Raw != `{"detail":"Token is blacklisted","code":"token_not_valid"}` {
				t.Errorf("blacklisted token, %s: refresh answers %d %s", name, r.Status, r.Raw)
			}
			if r := e.Post("/api/token/verify/", map[string]string{"token": tok}); r.Status != 400 || r.Raw != `{"non_field_errors":["Token is blacklisted"]}` {
				t.Errorf("blacklisted token, %s: verify answers %d %s", name, r.Status, r.Raw)
			}
			if r := e.Post("/api/token/blacklist/", map[string]string{"refresh": tok}); r.Status != 401 {
				t.Errorf("blacklisted token, %s: blacklisting again answers %d %s", name, r.Status, r.Raw)
			}
		}

		r2, _ := e.Login("a@example.com", pw)
		rot := e.Post("/api/token/refresh/", map[string]string{"refresh": r2})
		if rot.Status != 200 {
			t.Fatalf("rotate: %d %s", rot.Status, rot.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": respell(t, r2, escapeJTI)}); r.Status != 401 || r.Str("detail") != "Token is blacklisted" {
			t.Fatalf("rotated token respelt: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": rot.Str("refresh")}); r.Status != 401 {
			t.Fatalf("reuse of a respelt rotated token did not revoke its family: %d %s", r.Status, r.Raw)
		}
	})
}
