package web

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// reference encodes v as writeJSON's reflection path does.
func reference(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n"))
}

// meReference is meBody as it was rendered through encoding/json before it wrote itself.
type meReference struct {
	ID               string  `json:"id"`
	Email            string  `json:"email"`
	TwoFactorEnabled bool    `json:"two_factor_enabled"`
	IsActive         bool    `json:"is_active"`
	IsStaff          bool    `json:"is_staff"`
	IsSuperuser      bool    `json:"is_superuser"`
	DateJoined       string  `json:"date_joined"`
	LastLogin        *string `json:"last_login"`
}

// checkAppenders holds the hand-written encoders to encoding/json's output for the same values.
func checkAppenders(t *testing.T, a, b string, flag bool, sec, nsec int64) {
	t.Helper()
	joined := time.Unix(sec%(1<<35), nsec%1e9)
	m := meBody{ID: a, Email: b, TwoFactorEnabled: flag, IsActive: !flag, IsStaff: flag, IsSuperuser: !flag, DateJoined: joined}
	ref := meReference{ID: a, Email: b, TwoFactorEnabled: flag, IsActive: !flag, IsStaff: flag, IsSuperuser: !flag, DateJoined: djangoTime(joined)}
	if flag {
		m.LastLogin = joined.Add(time.Hour)
		s := djangoTime(m.LastLogin)
		ref.LastLogin = &s
	}
	if got, want := string(m.appendJSON(nil)), reference(t, ref); got != want {
		t.Errorf("meBody:\n got %s\nwant %s", got, want)
	}
	if got, want := reference(t, m), reference(t, ref); got != want {
		t.Errorf("meBody through encoding/json:\n got %s\nwant %s", got, want)
	}
	for _, d := range []detail{
		{Detail: a},
		{Detail: a, Code: b},
		{Detail: a, Code: b, Messages: []tokenReason{{a, b, a}, {b, a, b}}},
	} {
		if got, want := string(d.appendJSON(nil)), reference(t, d); got != want {
			t.Errorf("detail %+v:\n got %s\nwant %s", d, got, want)
		}
	}
}

func TestAppendJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " backslash \ slash /`, "<html>&amp;", "\x00\x01\b\f\n\r\t\x1f\x7f",
		"é ü 漢字 🙂", "line\u2028para\u2029", "bad \xff\xfe utf8 \xc3", "Token has no 'exp' claim"} {
		checkAppenders(t, s, s+"x", len(s)%2 == 0, 1700000000, 123456789)
	}
	checkAppenders(t, "a", "b", true, 0, 0) // whole seconds: no fraction
	checkAppenders(t, "a", "b", false, 1700000000, 120000000)
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("5f0c6a8e-2b1d-4e3f-9a7c-1d2e3f4a5b6c", "ada@example.com", false, int64(1700000000), int64(5))
	f.Add("\u2028\xff\"", "\\\x00<>&", true, int64(-1), int64(999999999))
	f.Fuzz(func(t *testing.T, a, b string, flag bool, sec, nsec int64) {
		if sec < 0 {
			sec = -sec
		}
		if nsec < 0 {
			nsec = -nsec
		}
		checkAppenders(t, a, b, flag, sec, nsec)
	})
}
