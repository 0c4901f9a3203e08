package loadtest

import (
	"encoding/base64"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 10000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5000 * time.Microsecond}, {0.9, 9000 * time.Microsecond}, {0.99, 9900 * time.Microsecond}} {
		got := h.quantile(c.q)
		if diff := math.Abs(float64(got-c.want)) / float64(c.want); diff > 1.0/subBuckets {
			t.Errorf("p%.0f = %s, want %s within 1/%d", c.q*100, got, c.want, subBuckets)
		}
	}
	if h.quantile(1) != 10*time.Millisecond {
		t.Errorf("max %s", h.quantile(1))
	}
	var other histogram
	other.record(time.Hour)
	h.merge(&other)
	if h.n != 10001 || h.quantile(1) != time.Hour {
		t.Errorf("merge: n %d max %s", h.n, h.quantile(1))
	}
	var empty histogram
	if empty.quantile(0.5) != 0 {
		t.Error("empty histogram")
	}
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 123456789, maxTracked} {
		mid := uint64(bucketMid(bucketOf(v)))
		if math.Abs(float64(mid)-float64(v)) > float64(v)/subBuckets+1 {
			t.Errorf("value %d lands in a bucket reported as %d", v, mid)
		}
	}
}

func TestMix(t *testing.T) {
	m, err := ParseMix(" me=6, refresh=3 ,login=1")
	if err != nil || m.String() != "me=6,refresh=3,login=1" {
		t.Fatalf("%v %v", m, err)
	}
	for _, bad := range []string{"", "me", "me=x", "me=1,me=2", "dance=1", "me=0", "me=-1"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("mix %q accepted", bad)
		}
	}
	p := newPicker(m, 0)
	counts := map[string]int{}
	run, longest, last := 0, 0, ""
	for range 1000 {
		a := p.next()
		counts[a]++
		if a == last {
			run++
		} else {
			run, last = 1, a
		}
		longest = max(longest, run)
	}
	if counts[Me] != 600 || counts[Refresh] != 300 || counts[Login] != 100 {
		t.Errorf("counts %v, want exactly 600/300/100", counts)
	}
	if longest > 2 {
		t.Errorf("an action came %d times in a row: not spread", longest)
	}
}

func jws(payload string) string {
	return "eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".sig"
}

func TestChecks(t *testing.T) {
	me := func(body string) error { return checkMe(response{status: 200, body: []byte(body)}, "u1") }
	if err := me(`{"id":"u1","email":"a@example.com"}`); err != nil {
		t.Error(err)
	}
	if err := me(`{"message":"hello"}`); err != nil { // a protected view of another server
		t.Error(err)
	}
	for _, bad := range []string{`{"id":"u2"}`, `[]`, `not json`, ``} {
		if err := me(bad); err == nil {
			t.Errorf("me answer %q accepted", bad)
		}
	}
	if err := checkMe(response{status: 401, body: []byte(`{}`)}, "u1"); err == nil {
		t.Error("401 accepted")
	}
	if checkVerify(response{status: 200, body: []byte("{}\n")}) != nil || checkVerify(response{status: 200, body: []byte(`{"a":1}`)}) == nil {
		t.Error("verify check")
	}

	tg := &target{jtis: newJTISet()}
	pair := func(refreshJTI string) response {
		return response{status: 200, body: []byte(`{"access":"` + jws(`{"user_id":"u1","jti":"a1"}`) +
			`","refresh":"` + jws(`{"user_id":"u1","jti":"`+refreshJTI+`"}`) + `"}`)}
	}
	if p, err := tg.checkPair(pair("00112233445566778899aabbccddeeff"), Refresh); err != nil || p.userID != "u1" {
		t.Fatalf("%+v %v", p, err)
	}
	_, err := tg.checkPair(pair("00112233445566778899aabbccddeeff"), Refresh)
	var ae *answerError
	if !errors.As(err, &ae) || ae.kind != "refresh: reused jti" {
		t.Fatalf("a jti handed out twice: %v", err)
	}
	if _, err := tg.checkPair(response{status: 200, body: []byte(`{"two_factor_required":true}`)}, Login); err == nil ||
		!strings.Contains(err.Error(), "two-factor") {
		t.Errorf("challenge: %v", err)
	}
	n := jws(`{"user_id":7,"jti":"x"}`)
	if c, err := decodeClaims(n); err != nil || c.userID() != "7" {
		t.Errorf("numeric user id: %+v %v", c, err)
	}
	for _, bad := range []string{"x", "a.b", "a.!!!.c", jws(`[]`), jws(`{"jti":"x"}`)} {
		if _, err := decodeClaims(bad); err == nil {
			t.Errorf("token %q accepted", bad)
		}
	}
}

func TestParseMetrics(t *testing.T) {
	m, err := parseMetrics(strings.NewReader("# HELP go_goroutines x\n# TYPE go_goroutines gauge\ngo_goroutines 12\n" +
		`authgate_http_requests_total{route="/"} 3` + "\nprocess_open_fds 9.5e+00\nbroken\nempty \n"))
	if err != nil || m["go_goroutines"] != 12 || m["process_open_fds"] != 9.5 || len(m) != 2 {
		t.Fatalf("%v %v", m, err)
	}
}
