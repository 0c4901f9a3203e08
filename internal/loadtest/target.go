package loadtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// target is the server under load and what every worker shares.
type target struct {
	ep     endpoint
	prefix string
	opts   Options
	jtis   *jtiSet
	logins [][]byte // the login body of each account

	mu    sync.Mutex
	users []string // each account's user id, learnt from its first login
}

// session is what a worker holds for one logged-in user.
type session struct {
	account int
	userID  string
	access  string
	refresh string
	authz   string // "Bearer <access>"
	verify  []byte // {"token": "<access>"}
}

func (t *target) newSession(account int, userID, access, refresh string) *session {
	return &session{account: account, userID: userID, access: access, refresh: refresh,
		authz: "Bearer " + access, verify: tokenBody("token", access)}
}

// setupParallel bounds concurrent setup logins: they queue on the target's password hashing,
// and a burst of one per connection would only wait there.
const setupParallel = 4

// setup logs in as the scenario needs and returns one worker per connection.
func (t *target) setup(ctx context.Context) ([]*worker, error) {
	o := t.opts
	workers := make([]*worker, o.Conns)
	for i := range workers {
		workers[i] = newWorker(t, i)
	}
	if o.Bearer != "" {
		c, err := decodeClaims(o.Bearer)
		if err != nil {
			return nil, fmt.Errorf("loadtest: the Bearer token: %w", err)
		}
		s := t.newSession(0, c.userID(), o.Bearer, "")
		for _, w := range workers {
			w.sess = s
		}
		return workers, nil
	}
	t.logins = make([][]byte, len(o.Accounts))
	t.users = make([]string, len(o.Accounts))
	for i, a := range o.Accounts {
		t.logins[i], _ = json.Marshal(map[string]string{o.UsernameField: a.Email, "password": a.Password})
	}
	// One session per account for the read-only scenarios, one per connection for those that
	// rotate tokens: a refresh token chain belongs to one worker.
	n := min(len(o.Accounts), o.Conns)
	perWorker := o.Scenario == Refresh || o.Scenario == Mixed
	if perWorker {
		n = o.Conns
	}
	sessions := make([]*session, n)
	err := parallel(ctx, n, setupParallel, func(c *conn, i int) error {
		s, err := t.login(c, i%len(o.Accounts))
		sessions[i] = s
		return err
	}, t)
	if err != nil {
		return nil, err
	}
	for i, w := range workers {
		w.sess = sessions[i%n]
		w.account = i % len(o.Accounts)
	}
	return workers, nil
}

// parallel runs f for 0..n-1 on at most p connections of their own, stopping at the first error.
func parallel(ctx context.Context, n, p int, f func(c *conn, i int) error, t *target) error {
	next := make(chan int)
	errc := make(chan error, p)
	var wg sync.WaitGroup
	for range min(n, p) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newConn(t.ep, t.opts.Timeout)
			defer c.close()
			for i := range next {
				if err := f(c, i); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for i := range n {
		select {
		case next <- i:
		case err = <-errc:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errc:
		default:
		}
	}
	return err
}

// login logs an account in during setup, retrying while the target sheds load.
func (t *target) login(c *conn, account int) (*session, error) {
	email := t.opts.Accounts[account].Email
	for attempt := 0; ; attempt++ {
		r, err := c.do("POST", t.prefix+t.opts.Paths.Login, "application/json", t.logins[account])
		if err != nil {
			return nil, fmt.Errorf("loadtest: log in as %s: %w", email, err)
		}
		if r.shed && attempt < 20 {
			time.Sleep(250 * time.Millisecond)
			continue
		}
		if r.status == 429 {
			return nil, fmt.Errorf("loadtest: log in as %s: throttled (429); turn the target's login throttling off for a load test (AUTHGATE_THROTTLE_LOGIN=0/min, AUTHGATE_THROTTLE_LOGIN_ACCOUNT=0/min)", email)
		}
		p, err := t.checkPair(r, "login")
		if err != nil {
			return nil, fmt.Errorf("loadtest: log in as %s: %w", email, err)
		}
		if err := t.learnUser(account, p.userID); err != nil {
			return nil, fmt.Errorf("loadtest: log in as %s: %w", email, err)
		}
		return t.newSession(account, p.userID, p.access, p.refresh), nil
	}
}

// learnUser records an account's user id from its first login and checks later ones.
func (t *target) learnUser(account int, id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch t.users[account] {
	case "":
		t.users[account] = id
	case id:
	default:
		return fmt.Errorf("access token names user %s, an earlier login named %s", id, t.users[account])
	}
	return nil
}

func (t *target) userOf(account int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.users[account]
}

// pair is a checked answer carrying tokens.
type pair struct {
	access, refresh string
	userID          string
}

// answerError is a wrong answer: kind counts it, msg describes it.
type answerError struct {
	kind string
	msg  string
}

func (e *answerError) Error() string { return e.msg }

func wrongStatus(action string, r response) error {
	return &answerError{kind: fmt.Sprintf("%s: status %d", action, r.status),
		msg: fmt.Sprintf("%s: status %d: %s", action, r.status, truncateBytes(r.body, 200))}
}

func wrongBody(action, why string, body []byte) error {
	return &answerError{kind: action + ": body", msg: fmt.Sprintf("%s: %s: %s", action, why, truncateBytes(body, 200))}
}

// checkPair checks a login or refresh answer: 200 with an access token (and a refresh token on
// login), both naming the same user; a new refresh token's jti must never have been seen.
func (t *target) checkPair(r response, action string) (pair, error) {
	if r.status != 200 {
		return pair{}, wrongStatus(action, r)
	}
	var b struct {
		Access            string `json:"access"`
		Refresh           string `json:"refresh"`
		TwoFactorRequired bool   `json:"two_factor_required"`
	}
	if err := json.Unmarshal(r.body, &b); err != nil {
		return pair{}, wrongBody(action, "not JSON", r.body)
	}
	if b.TwoFactorRequired {
		return pair{}, wrongBody(action, "two-factor login is on for this account; bench accounts need it off", r.body)
	}
	if b.Access == "" || (action == "login" && b.Refresh == "") {
		return pair{}, wrongBody(action, "no access or refresh token", r.body)
	}
	ac, err := decodeClaims(b.Access)
	if err != nil {
		return pair{}, wrongBody(action, "access token: "+err.Error(), r.body)
	}
	p := pair{access: b.Access, refresh: b.Refresh, userID: ac.userID()}
	if b.Refresh != "" {
		rc, err := decodeClaims(b.Refresh)
		if err != nil {
			return pair{}, wrongBody(action, "refresh token: "+err.Error(), r.body)
		}
		if rc.userID() != p.userID {
			return pair{}, wrongBody(action, "access and refresh tokens name different users", r.body)
		}
		if rc.JTI == "" {
			return pair{}, wrongBody(action, "refresh token without jti", r.body)
		}
		if !t.jtis.add(rc.JTI) {
			return pair{}, &answerError{kind: action + ": reused jti", msg: action + ": the server handed out a refresh token jti it had handed out before: " + rc.JTI}
		}
	}
	return p, nil
}

// claims are the token fields the checks need; user_id may be a string (authgate's UUIDs) or a
// number (Django's default integer keys).
type claims struct {
	JTI    string          `json:"jti"`
	UserID json.RawMessage `json:"user_id"`
}

func (c claims) userID() string { return jsonScalar(c.UserID) }

// jsonScalar is a JSON string's text, or any other value as written.
func jsonScalar(raw json.RawMessage) string {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return string(bytes.TrimSpace(raw))
}

// decodeClaims reads a JWS payload without verifying it: the server verifies, the load tool
// only follows which user and which jti it was given.
func decodeClaims(tok string) (claims, error) {
	_, rest, ok := strings.Cut(tok, ".")
	payload, _, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		return claims{}, errors.New("not a JWS compact token")
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return claims{}, errors.New("payload is not base64url")
	}
	var c claims
	if err := json.Unmarshal(b, &c); err != nil {
		return claims{}, errors.New("payload is not a JSON object")
	}
	if len(c.UserID) == 0 {
		return claims{}, errors.New("no user_id claim")
	}
	return c, nil
}
