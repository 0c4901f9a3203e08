package jwtauth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Introspection makes the Verifier ask authgate, after a token's signature and claims check
// out, whether it is still active (RFC 7662 token introspection at
// POST /api/token/introspect/): a logout, an ended session, a logout everywhere or a disabled
// user then shows within CacheTTL instead of when the token expires. Each answer is kept for
// CacheTTL per token (an inactive one until the token expires), so a busy service asks once per
// token and TTL. When authgate cannot be asked, the middleware answers 503: a revoked token is
// never let through for want of an answer.
type Introspection struct {
	// URL is authgate's endpoint, "https://auth.example.com/api/token/introspect/".
	URL string
	// ClientID and ClientSecret are this service's credentials, one of authgate's
	// AUTHGATE_INTROSPECTION_CLIENTS.
	ClientID, ClientSecret string
	// CacheTTL is how long an "active" answer is reused for one token; default 5 seconds.
	CacheTTL time.Duration
	// HTTPClient asks authgate; default Config.HTTPClient.
	HTTPClient *http.Client
}

// DefaultIntrospectionTTL is the default Introspection.CacheTTL.
const DefaultIntrospectionTTL = 5 * time.Second

// maxCachedAnswers bounds the answers kept; past it the expired ones go, and if that is not
// enough, all of them.
const maxCachedAnswers = 10000

// ErrIntrospectionUnavailable means authgate could not say whether the token is active: the
// middleware answers 503. Errors wrap it with the cause.
var ErrIntrospectionUnavailable = errors.New("jwtauth: token introspection unavailable")

type introspector struct {
	cfg    Introspection
	now    func() time.Time
	client *http.Client

	mu      sync.Mutex
	answers map[[32]byte]answer
}

type answer struct {
	active bool
	until  time.Time
}

func newIntrospector(i Introspection, c Config) (*introspector, error) {
	switch {
	case !strings.HasPrefix(i.URL, "https://") && !strings.HasPrefix(i.URL, "http://"):
		return nil, fmt.Errorf("%w: Introspection.URL %q is not an http(s) URL", ErrConfig, i.URL)
	case i.ClientID == "" || i.ClientSecret == "":
		return nil, fmt.Errorf("%w: Introspection needs ClientID and ClientSecret", ErrConfig)
	case i.CacheTTL < 0:
		return nil, fmt.Errorf("%w: Introspection.CacheTTL is negative", ErrConfig)
	}
	if i.CacheTTL == 0 {
		i.CacheTTL = DefaultIntrospectionTTL
	}
	if i.HTTPClient == nil {
		i.HTTPClient = c.HTTPClient
	}
	return &introspector{cfg: i, now: c.Now, client: i.HTTPClient, answers: map[[32]byte]answer{}}, nil
}

// active reports whether authgate says the token is active, from the cache when it can.
func (in *introspector) active(ctx context.Context, raw string, exp time.Time) (bool, error) {
	key := sha256.Sum256([]byte(raw))
	now := in.now()
	in.mu.Lock()
	a, ok := in.answers[key]
	in.mu.Unlock()
	if ok && now.Before(a.until) {
		return a.active, nil
	}
	active, err := in.ask(ctx, raw)
	if err != nil {
		return false, err
	}
	a = answer{active: active, until: exp}
	if active && now.Add(in.cfg.CacheTTL).Before(exp) {
		a.until = now.Add(in.cfg.CacheTTL)
	}
	in.mu.Lock()
	if len(in.answers) >= maxCachedAnswers {
		for k, x := range in.answers {
			if !now.Before(x.until) {
				delete(in.answers, k)
			}
		}
		if len(in.answers) >= maxCachedAnswers {
			clear(in.answers)
		}
	}
	in.answers[key] = a
	in.mu.Unlock()
	return active, nil
}

// ask posts the token to authgate's introspection endpoint (RFC 7662 §2.1, client credentials
// form-urlencoded inside HTTP Basic as RFC 6749 §2.3.1 says).
func (in *introspector) ask(ctx context.Context, raw string) (bool, error) {
	body := url.Values{"token": {raw}, "token_type_hint": {"access_token"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.cfg.URL, strings.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrIntrospectionUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(in.cfg.ClientID), url.QueryEscape(in.cfg.ClientSecret))
	resp, err := in.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrIntrospectionUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("%w: %s answered %s", ErrIntrospectionUnavailable, in.cfg.URL, resp.Status)
	}
	var r struct {
		Active *bool `json:"active"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&r); err != nil || r.Active == nil {
		return false, fmt.Errorf("%w: %s answered no \"active\" member", ErrIntrospectionUnavailable, in.cfg.URL)
	}
	return *r.Active, nil
}
