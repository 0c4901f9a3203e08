package admin_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/auth"
)

var (
	nextRe    = regexp.MustCompile(`href="([^"]+)" rel="next"`)
	userRowRe = regexp.MustCompile(`<th scope="row"><a href="/admin/users/[^/]+/">([^<]+)</a></th>`)
	tokenRe   = regexp.MustCompile(`<a class="mono" href="/admin/tokens/([0-9a-f]+)/">`)
)

// walk follows "Next page" links from path and returns every page's matches of re.
func walk(t *testing.T, a *agent, path string, re *regexp.Regexp) [][]string {
	t.Helper()
	var pages [][]string
	for path != "" && len(pages) < 10 {
		p := a.get(path)
		if p.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.Status)
		}
		var rows []string
		for _, m := range re.FindAllStringSubmatch(p.Body, -1) {
			rows = append(rows, m[1])
		}
		pages = append(pages, rows)
		path = ""
		if m := nextRe.FindStringSubmatch(p.Body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	return pages
}

func TestUsersKeysetPagination(t *testing.T) {
	t.Parallel()
	e, _, _, _ := env(t) // root@, staff@, alice@
	for i := 0; i < 60; i++ {
		e.CreateUser(fmt.Sprintf("user%02d@example.org", i), "")
	}
	a := newAgent(t, e)
	a.login(staffEmail, password)

	pages := walk(t, a, "/admin/users/", userRowRe)
	if len(pages) != 2 || len(pages[0]) != 50 || len(pages[1]) != 13 {
		t.Fatalf("page sizes: %d pages %v", len(pages), lens(pages))
	}
	all := slices.Concat(pages...)
	if !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != 63 {
		t.Errorf("users not in e-mail order or repeated: %v", all)
	}
	if !strings.Contains(a.get("/admin/users/?after="+all[49]).Body, "« First page") {
		t.Error("no link back to the first page")
	}

	// The search is kept across pages.
	pages = walk(t, a, "/admin/users/?q=USER", userRowRe)
	if len(pages) != 2 || len(pages[0]) != 50 || len(pages[1]) != 10 {
		t.Fatalf("search pages: %v", lens(pages))
	}
	for _, email := range slices.Concat(pages...) {
		if !strings.HasPrefix(email, "user") {
			t.Errorf("search returned %s", email)
		}
	}
}

func TestTokensKeysetPagination(t *testing.T) {
	t.Parallel()
	e, _, _, u := env(t)
	for i := 0; i < 55; i++ {
		e.Login(userEmail, password)
	}
	a := newAgent(t, e)
	a.login(staffEmail, password)
	pages := walk(t, a, "/admin/tokens/?q=alice", tokenRe)
	if len(pages) != 2 || len(pages[0]) != 50 || len(pages[1]) != 5 {
		t.Fatalf("page sizes: %v", lens(pages))
	}
	want, err := e.App.Service.Store().ListTokens(context.Background(), auth.TokenQuery{UserID: u.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Concat(pages...)
	for i, tk := range want {
		if got[i] != tk.JTI {
			t.Fatalf("row %d: %s, want %s (newest first, no gaps)", i, got[i], tk.JTI)
		}
	}
	// Audit log pages too (every login is an event).
	pages = walk(t, a, "/admin/audit/?kind=login_ok", regexp.MustCompile(`<span class="badge kind">(login_ok)</span>`))
	if len(pages) != 2 || len(pages[0]) != 50 || len(pages[1]) != 5 {
		t.Errorf("audit pages: %v", lens(pages))
	}
}

func lens(pages [][]string) []int {
	var out []int
	for _, p := range pages {
		out = append(out, len(p))
	}
	return out
}
