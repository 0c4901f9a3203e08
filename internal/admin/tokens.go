package admin

import (
	"net/http"
	"net/url"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// Token states as the list filter names them (auth.TokenQuery.State).
const (
	stateActive      = "active"
	stateBlacklisted = "blacklisted"
	stateExpired     = "expired"
)

// tokenRow is an outstanding token as the panel shows it. It deliberately has no field for the
// token itself: a live refresh token is a credential, and the panel shows its claims only.
type tokenRow struct {
	ID            int64
	JTI           string
	UserID        string
	UserEmail     string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	FamilyID      string
	ParentJTI     string
	ClientIP      string
	UserAgent     string
	State         string
	BlacklistedAt time.Time
	Reason        string
}

func (p *panel) tokenRows(ts []auth.OutstandingToken) []tokenRow {
	now := p.now()
	rows := make([]tokenRow, 0, len(ts))
	for _, t := range ts {
		rows = append(rows, toRow(t, now))
	}
	return rows
}

func toRow(t auth.OutstandingToken, now time.Time) tokenRow {
	state := stateActive
	switch {
	case t.Blacklisted:
		state = stateBlacklisted
	case !now.Before(t.ExpiresAt):
		state = stateExpired
	}
	return tokenRow{
		ID: t.ID, JTI: t.JTI, UserID: t.UserID, UserEmail: t.UserEmail, CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, FamilyID: t.FamilyID, ParentJTI: t.ParentJTI, ClientIP: t.ClientIP,
		UserAgent: t.UserAgent, State: state, BlacklistedAt: t.BlacklistedAt, Reason: t.Reason,
	}
}

// filterLink is one choice of a list filter, as a link that keeps the search.
type filterLink struct {
	Label    string
	URL      string
	Selected bool
}

// tokenListData is the outstanding tokens page.
type tokenListData struct {
	Q        string
	State    string
	States   []filterLink
	Error    string
	Tokens   []tokenRow
	NextURL  string
	FirstURL string
	Back     string // this page, to come back to after blacklisting
}

// tokenList lists outstanding tokens newest first: search by user e-mail or jti prefix, filter
// by state, keyset pages by id.
func (p *panel) tokenList(w http.ResponseWriter, r *http.Request, s *staffSession) {
	d := tokenListData{Q: queryText(r, "q"), State: queryText(r, "state"), Back: r.URL.RequestURI()}
	switch d.State {
	case "", stateActive, stateBlacklisted, stateExpired:
	default:
		d.Error = "Unknown state; showing every token."
		d.State = ""
	}
	for _, o := range []struct{ value, label string }{
		{"", "All"}, {stateActive, "Active"}, {stateBlacklisted, "Blacklisted"}, {stateExpired, "Expired"},
	} {
		d.States = append(d.States, filterLink{Label: o.label, Selected: o.value == d.State,
			URL: pageURL("/admin/tokens/", url.Values{"q": {d.Q}, "state": {o.value}}, "", "")})
	}
	rows, next, first, err := p.listTokens(r, "/admin/tokens/", d.Q, d.State)
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	d.Tokens, d.NextURL, d.FirstURL = rows, next, first
	p.page(w, r, s, http.StatusOK, "tokens", "Outstanding tokens", "tokens", d, crumb{Label: "Outstanding tokens"})
}

// listTokens reads one keyset page of tokens for a list and the links to the next and first pages.
func (p *panel) listTokens(r *http.Request, path, search, state string) (rows []tokenRow, next, first string, err error) {
	q := auth.TokenQuery{Search: search, State: state, Now: p.now(), BeforeID: cursorID(r, "before"), Limit: pageSize + 1}
	tokens, err := p.svc.Store().ListTokens(r.Context(), q)
	if err != nil {
		return nil, "", "", err
	}
	filters := url.Values{"q": {search}}
	if path == "/admin/tokens/" {
		filters.Set("state", state)
	}
	if len(tokens) > pageSize {
		tokens = tokens[:pageSize]
		next = pageURL(path, filters, "before", idCursor(tokens[len(tokens)-1].ID))
	}
	if q.BeforeID > 0 {
		first = pageURL(path, filters, "", "")
	}
	return p.tokenRows(tokens), next, first, nil
}

// blacklistedData is the blacklisted tokens page.
type blacklistedData struct {
	Q        string
	Tokens   []tokenRow
	NextURL  string
	FirstURL string
}

// blacklistedList lists blacklisted tokens with their reason and time, as Django admin's
// "Blacklisted tokens".
func (p *panel) blacklistedList(w http.ResponseWriter, r *http.Request, s *staffSession) {
	d := blacklistedData{Q: queryText(r, "q")}
	rows, next, first, err := p.listTokens(r, "/admin/blacklisted/", d.Q, stateBlacklisted)
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	d.Tokens, d.NextURL, d.FirstURL = rows, next, first
	p.page(w, r, s, http.StatusOK, "blacklisted", "Blacklisted tokens", "blacklisted", d, crumb{Label: "Blacklisted tokens"})
}
