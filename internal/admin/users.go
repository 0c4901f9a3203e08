package admin

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/authgate/authgate/internal/auth"
)

// userListData is the users page.
type userListData struct {
	Q          string
	Unverified bool // only users whose address is not verified
	Users      []auth.User
	Total      int
	NextURL    string
	FirstURL   string
	CanAdd     bool
}

// userList lists users by e-mail, searchable, in keyset pages (the cursor is the last e-mail).
func (p *panel) userList(w http.ResponseWriter, r *http.Request, s *staffSession) {
	ctx := r.Context()
	d := userListData{Q: queryText(r, "q"), CanAdd: s.user.IsSuperuser, Unverified: queryText(r, "verified") == "0"}
	after := strings.ToLower(queryText(r, "after"))
	users, err := p.svc.Store().ListUsers(ctx, auth.UserQuery{Search: d.Q, Unverified: d.Unverified, After: after, Limit: pageSize + 1})
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	if d.Total, err = p.svc.Store().CountUsers(ctx); err != nil {
		p.internalError(w, r, err)
		return
	}
	filters := url.Values{"q": {d.Q}}
	if d.Unverified {
		filters.Set("verified", "0")
	}
	if len(users) > pageSize {
		users = users[:pageSize]
		d.NextURL = pageURL("/admin/users/", filters, "after", strings.ToLower(users[len(users)-1].Email))
	}
	if after != "" {
		d.FirstURL = pageURL("/admin/users/", filters, "", "")
	}
	d.Users = users
	p.page(w, r, s, http.StatusOK, "users", "Users", "users", d, crumb{Label: "Users"})
}
