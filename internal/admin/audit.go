package admin

import (
	"net/http"
	"net/url"

	"github.com/authgate/authgate/internal/auth"
)

// auditData is the audit log page.
type auditData struct {
	Q        string
	Kind     string
	Kinds    []string
	Error    string
	Events   []eventRow
	NextURL  string
	FirstURL string
}

// auditList is the audit log: filter by the user's e-mail and the kind, newest first, in pages.
func (p *panel) auditList(w http.ResponseWriter, r *http.Request, s *staffSession) {
	d := auditData{Q: queryText(r, "q"), Kind: queryText(r, "kind"), Kinds: eventKinds()}
	if d.Kind != "" && !validKind(d.Kind) {
		d.Error = "Unknown event kind; showing every kind."
		d.Kind = ""
	}
	q := auth.EventQuery{Search: d.Q, Kind: d.Kind, BeforeID: cursorID(r, "before"), Limit: pageSize + 1}
	events, err := p.svc.Store().ListEvents(r.Context(), q)
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	filters := url.Values{"q": {d.Q}, "kind": {d.Kind}}
	if len(events) > pageSize {
		events = events[:pageSize]
		d.NextURL = pageURL("/admin/audit/", filters, "before", idCursor(events[len(events)-1].ID))
	}
	if q.BeforeID > 0 {
		d.FirstURL = pageURL("/admin/audit/", filters, "", "")
	}
	if d.Events, err = p.eventRows(r.Context(), events); err != nil {
		p.internalError(w, r, err)
		return
	}
	p.page(w, r, s, http.StatusOK, "audit", "Audit log", "audit", d, crumb{Label: "Audit log"})
}

// validKind accepts what an event kind looks like: short, lowercase letters and underscores.
func validKind(k string) bool {
	if len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'a' && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}
