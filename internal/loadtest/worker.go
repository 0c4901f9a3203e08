package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// maxSamples is how many error descriptions a run keeps.
const maxSamples = 5

// worker drives one connection: it sends the scenario's requests back to back and checks each
// answer. Its counts are its own until the run ends.
type worker struct {
	t       *target
	c       *conn
	sess    *session
	account int
	pick    *picker
	relogin bool // the session's refresh token is in an unknown state: log in again first

	done    uint64
	shed    uint64
	hist    map[string]*histogram
	errs    map[string]uint64
	samples []string
}

func newWorker(t *target, i int) *worker {
	w := &worker{t: t, c: newConn(t.ep, t.opts.Timeout), hist: map[string]*histogram{}, errs: map[string]uint64{}}
	if t.opts.Scenario == Mixed {
		w.pick = newPicker(t.opts.Mix, i*7919)
	}
	return w
}

func (w *worker) next() string {
	if w.pick != nil {
		return w.pick.next()
	}
	return w.t.opts.Scenario
}

// loop sends requests until end; those that finish inside [w0, end] are measured (a closed loop
// in a steady state completes throughput × window requests there, whenever each one began).
func (w *worker) loop(ctx context.Context, w0, end time.Time) {
	now := w.t.opts.Now
	for ctx.Err() == nil {
		if w.relogin {
			if err := w.renew(); err != nil {
				w.fail(err)
				if !now().Before(end) {
					return
				}
				continue
			}
		}
		action := w.next()
		start := now()
		if !start.Before(end) {
			return
		}
		ok := w.do(action)
		stop := now()
		if ok && !stop.Before(w0) && !stop.After(end) {
			h := w.hist[action]
			if h == nil {
				h = &histogram{}
				w.hist[action] = h
			}
			h.record(stop.Sub(start))
			w.done++
		}
	}
}

// do sends one request of the action and checks the answer; it reports a correct answer.
func (w *worker) do(action string) bool {
	var err error
	switch action {
	case Me:
		err = w.me()
	case Verify:
		err = w.verify()
	case Refresh:
		err = w.refresh()
	case Login:
		err = w.login()
	}
	if errors.Is(err, errShed) {
		w.shed++
		return false
	}
	if err != nil {
		w.fail(err)
		return false
	}
	return true
}

// errShed marks a 503 with Retry-After.
var errShed = errors.New("shed")

// transportPause is how long a worker waits after a transport failure (refused connection,
// reset), so that a server that went away is not hammered by a spinning loop.
const transportPause = 10 * time.Millisecond

func (w *worker) fail(err error) {
	kind := "transport"
	var ae *answerError
	if errors.As(err, &ae) {
		kind = ae.kind
	}
	w.errs[kind]++
	if len(w.samples) < maxSamples {
		w.samples = append(w.samples, err.Error())
	}
	if kind == "transport" {
		time.Sleep(transportPause)
	}
}

func (w *worker) send(method, path string, body []byte, headers ...string) (response, error) {
	ct := ""
	if body != nil {
		ct = "application/json"
	}
	r, err := w.c.do(method, w.t.prefix+path, ct, body, headers...)
	if err != nil {
		return r, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if r.shed {
		return r, errShed
	}
	return r, nil
}

// me checks the protected endpoint: 200 and a JSON object whose "id", when present, is the
// token's user.
func (w *worker) me() error {
	r, err := w.send("GET", w.t.opts.Paths.Me, nil, "Authorization", w.sess.authz)
	if err != nil {
		return err
	}
	return checkMe(r, w.sess.userID)
}

func checkMe(r response, userID string) error {
	if r.status != 200 {
		return wrongStatus(Me, r)
	}
	var b struct {
		ID json.RawMessage `json:"id"`
	}
	if len(r.body) == 0 || r.body[0] != '{' || json.Unmarshal(r.body, &b) != nil {
		return wrongBody(Me, "not a JSON object", r.body)
	}
	if b.ID != nil && jsonScalar(b.ID) != userID {
		return wrongBody(Me, "the answer is about user "+jsonScalar(b.ID)+", the token names "+userID, r.body)
	}
	return nil
}

// verify checks POST /api/token/verify/: 200 and an empty JSON object.
func (w *worker) verify() error {
	r, err := w.send("POST", w.t.opts.Paths.Verify, w.sess.verify)
	if err != nil {
		return err
	}
	return checkVerify(r)
}

func checkVerify(r response) error {
	if r.status != 200 {
		return wrongStatus(Verify, r)
	}
	if !bytes.Equal(bytes.TrimSpace(r.body), []byte("{}")) {
		return wrongBody(Verify, "want {}", r.body)
	}
	return nil
}

// refresh rotates the worker's refresh token; each one is sent exactly once. When the answer is
// lost or wrong, the token's state is unknown and the worker logs in again before going on.
func (w *worker) refresh() error {
	r, err := w.send("POST", w.t.opts.Paths.Refresh, tokenBody("refresh", w.sess.refresh))
	if errors.Is(err, errShed) {
		return err // not processed: the token is still good
	}
	if err != nil {
		w.relogin = true
		return err
	}
	p, err := w.t.checkPair(r, Refresh)
	if err == nil && p.userID != w.sess.userID {
		err = wrongBody(Refresh, "the new access token names user "+p.userID+", the refresh token "+w.sess.userID, r.body)
	}
	if err != nil {
		w.relogin = true
		return err
	}
	if p.refresh == "" { // the target does not rotate (ROTATE_REFRESH_TOKENS off)
		p.refresh = w.sess.refresh
	}
	w.sess = w.t.newSession(w.sess.account, w.sess.userID, p.access, p.refresh)
	return nil
}

// login checks POST /api/token/: a pair naming the account's user. In the mixed scenario the
// worker goes on with the new session.
func (w *worker) login() error {
	r, err := w.send("POST", w.t.opts.Paths.Login, w.t.logins[w.account])
	if err != nil {
		return err
	}
	p, err := w.t.checkPair(r, Login)
	if err != nil {
		return err
	}
	if want := w.t.userOf(w.account); p.userID != want {
		return wrongBody(Login, "the access token names user "+p.userID+", earlier logins "+want, r.body)
	}
	if w.pick != nil {
		w.sess = w.t.newSession(w.account, p.userID, p.access, p.refresh)
	}
	return nil
}

// renew replaces a session whose refresh token may have been spent.
func (w *worker) renew() error {
	s, err := w.t.login(w.c, w.sess.account)
	if err != nil {
		return err
	}
	w.sess, w.relogin = s, false
	return nil
}

// tokenBody is {"field":"token"}: a JWS in compact form is base64url and dots, nothing to escape.
func tokenBody(field, tok string) []byte {
	b := make([]byte, 0, len(field)+len(tok)+7)
	b = append(b, `{"`...)
	b = append(b, field...)
	b = append(b, `":"`...)
	b = append(b, tok...)
	return append(b, `"}`...)
}
