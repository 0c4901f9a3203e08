package web_test

import (
	"bytes"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/authtest/idptest"
)

// frontend is the page sign-ins return to (AUTHGATE_OIDC_REDIRECT_URLS); nothing listens there:
// the test's browser stops at it and reads the fragment.
const frontend = "http://app.example.test/login"

// socialEnv starts authgate with the mock provider "mock" and the GitHub preset "github".
func socialEnv(t *testing.T, b authtest.Backend, p *idptest.IDP, g *idptest.GitHub, vars map[string]string) *authtest.Env {
	t.Helper()
	base := idptest.Vars(p, g, frontend+",http://app.example.test/account")
	base["AUTHGATE_SIGNUP"] = "open"
	for k, v := range vars {
		base[k] = v
	}
	return authtest.Start(t, b, authtest.With(base))
}

// browser is a cookie-keeping HTTP client that follows redirects until the frontend.
type browser struct {
	t      *testing.T
	client *http.Client
	// startLocation is where the last start sent the browser (the provider's authorization request).
	startLocation string
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t}
	b.client = &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) == 1 && strings.Contains(via[0].URL.Path, "/start") {
			b.startLocation = req.URL.String()
		}
		if req.URL.Host == "app.example.test" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// landing is where a sign-in ended: the status of the last answer, and the frontend's fragment
// when it got there.
type landing struct {
	status   int
	location string
	frag     url.Values
	body     string
}

// open navigates to rawURL and follows redirects to the frontend.
func (b *browser) open(rawURL string) landing {
	b.t.Helper()
	resp, err := b.client.Get(rawURL)
	if err != nil {
		b.t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	l := landing{status: resp.StatusCode, location: resp.Header.Get("Location"), body: buf.String()}
	if u, err := url.Parse(l.location); err == nil && l.location != "" {
		l.frag, _ = url.ParseQuery(u.Fragment)
	}
	return l
}

// signIn runs a whole sign-in from the start URL.
func (b *browser) signIn(env *authtest.Env, provider string) landing {
	b.t.Helper()
	return b.open(env.URL + "/api/oauth/" + provider + "/start?" + url.Values{"redirect_to": {frontend}}.Encode())
}

// wantCode checks that the sign-in landed on the frontend with a one-time code and returns it.
func (l landing) wantCode(t *testing.T) string {
	t.Helper()
	if l.status != http.StatusFound || !strings.HasPrefix(l.location, frontend+"#") || l.frag.Get("oauth_code") == "" {
		t.Fatalf("sign-in ended with %d Location %q body %s; want the frontend with a code", l.status, l.location, l.body)
	}
	return l.frag.Get("oauth_code")
}

func (l landing) wantError(t *testing.T, reason string) {
	t.Helper()
	if l.status != http.StatusFound || l.frag.Get("oauth_error") != reason || l.frag.Get("oauth_code") != "" {
		t.Fatalf("sign-in ended with %d Location %q body %s; want oauth_error=%s", l.status, l.location, l.body, reason)
	}
}
