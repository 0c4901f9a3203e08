package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// TestStaffRemovesIdentity (issue #19): a user's page lists their external identities; staff
// remove one (audited with the administrator), never the account's last way to log in, and not
// without the CSRF token.
func TestStaffRemovesIdentity(t *testing.T) {
	t.Parallel()
	e, _, st, u := env(t)
	ctx := context.Background()
	link := func(userID, provider, subject string) auth.Identity {
		i := auth.Identity{ID: auth.NewUUID(), UserID: userID, Provider: provider, Subject: subject,
			Email: subject + "@idp.example", CreatedAt: time.Now()}
		if err := e.App.DB.CreateIdentity(ctx, i); err != nil {
			t.Fatal(err)
		}
		return i
	}
	g := link(u.ID, "google", "g-123")
	only := e.CreateUser("only-sso@example.com", "") // no usable password
	last := link(only.ID, "github", "gh-7")

	a := newAgent(t, e)
	a.login(staffEmail, password)
	page := a.get("/admin/users/" + u.ID + "/")
	if page.Status != 200 || !strings.Contains(page.Body, `id="identities"`) || !strings.Contains(page.Body, "g-123@idp.example") {
		t.Fatalf("user page: %d %s", page.Status, errorText(page.Body))
	}
	if other := a.get("/admin/users/" + st.ID + "/"); strings.Contains(other.Body, `id="identities"`) {
		t.Error("a user without identities shows the section")
	}
	remove := "/admin/users/" + u.ID + "/identities/" + g.ID + "/remove/"
	if p := a.post(remove, url.Values{}); p.Status != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d", p.Status)
	}
	p := a.submit("/admin/users/"+u.ID+"/", remove, url.Values{})
	if p.Status != http.StatusSeeOther || !strings.Contains(a.get(p.Location).Body, "The identity was removed") {
		t.Fatalf("remove: %d %s", p.Status, p.Location)
	}
	if ids, _ := e.App.DB.IdentitiesOfUser(ctx, u.ID); len(ids) != 0 {
		t.Fatalf("left %+v", ids)
	}
	evs, err := e.App.DB.ListEvents(ctx, auth.EventQuery{UserID: u.ID, Kind: "identity_unlinked", Limit: 10})
	if err != nil || len(evs) != 1 || evs[0].ActorID != st.ID || evs[0].Detail != "google" {
		t.Fatalf("audit: %v %+v", err, evs)
	}

	p = a.submit("/admin/users/"+only.ID+"/", "/admin/users/"+only.ID+"/identities/"+last.ID+"/remove/", url.Values{})
	if p.Status != http.StatusSeeOther || !strings.Contains(a.get(p.Location).Body, "last way") {
		t.Fatalf("remove the last way to log in: %d", p.Status)
	}
	if ids, _ := e.App.DB.IdentitiesOfUser(ctx, only.ID); len(ids) != 1 {
		t.Fatalf("the last identity went: %+v", ids)
	}
}
