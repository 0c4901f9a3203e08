package attacktest

import (
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
)

var anyUUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// TestNoEnumerationSignUp (ASVS 2.2.1/3.2, issue 14): Djoser's sign-up answers 400 "user with
// this email address already exists."; authgate answers an address in use with the bytes of a
// new sign-up (but for the fresh id) after the same hashing work, with the production argon2id
// parameters: the median of paired differences is within a third of a hash, while a sign-up
// refused before hashing (a common password) is clearly faster, which shows the measurement can
// see a missing hash. resend_activation answers the same bytes for every address. Not parallel:
// it times answers.
func TestNoEnumerationSignUp(t *testing.T) {
	e := startDefaultHashing(t, map[string]string{"AUTHGATE_SIGNUP": "open", "AUTHGATE_THROTTLE_SIGNUP": "0/hour"})
	e.CreateUser("known@example.com", pw)
	var n atomic.Int64
	signUp := func(email func() string, password string) func() authtest.Response {
		return func() authtest.Response {
			return e.Post("/auth/users/", map[string]string{"email": email(), "password": password, "re_password": password})
		}
	}
	fresh := func() string { return fmt.Sprintf("new-%d@example.com", n.Add(1)) }
	known := func() string { return "known@example.com" }
	shape := func(r authtest.Response, email string) string { // answerShape holds the body
		return strings.ReplaceAll(anyUUID.ReplaceAllString(answerShape(r), "ID"), email, "EMAIL")
	}
	// Two addresses of one length: the answers must then be the same bytes but for the id.
	newer, taken := signUp(func() string { return "fresh@example.com" }, pw)(), signUp(known, pw)()
	if a, b := shape(newer, "fresh@example.com"), shape(taken, "known@example.com"); taken.Status != 201 || a != b {
		t.Fatalf("a new address answers\n%s\nan address in use\n%s", a, b)
	}
	off, hash := offsets(e, 15, "new address", map[string]func() authtest.Response{
		"new address":      signUp(fresh, pw),
		"address in use":   signUp(known, pw),
		"refused, no hash": signUp(fresh, "password"),
	}, map[string]int{"new address": 201, "address in use": 201, "refused, no hash": 400})
	t.Logf("a new sign-up takes %v; the others differ by %v", hash, off)
	tolerance := hash / 3
	if d := off["address in use"]; d > tolerance || d < -tolerance {
		t.Errorf("a sign-up with an address in use differs from a new one by %v (> %v)", d, tolerance)
	}
	if off["refused, no hash"] > -tolerance {
		t.Errorf("a sign-up without hashing is not measurably faster (%v): the test cannot see a missing hash", off["refused, no hash"])
	}

	// resend_activation: one answer for unknown, active and pending addresses.
	var want string
	for _, email := range []string{"nobody@example.com", "known@example.com", "fresh@example.com"} {
		r := e.Post("/auth/users/resend_activation/", map[string]string{"email": email})
		if got := answerShape(r); r.Status != 204 || want != "" && got != want {
			t.Errorf("resend_activation for %s answers %d\n%s\nnot\n%s", email, r.Status, got, want)
		} else {
			want = got
		}
	}
	if u, err := e.App.Service.UserByEmail(t.Context(), "known@example.com"); err != nil || !u.IsActive || u.ActivationPending {
		t.Errorf("the address in use changed: %+v %v", u, err)
	}
}
