package admin

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/authgate/authgate/internal/auth"
)

//go:embed templates
var templateFS embed.FS

// view is what every page template gets: the chrome (title, navigation, the signed-in user, a
// CSRF token for its forms, a one-time message) and the page's own Data.
type view struct {
	Title     string
	Nav       string // the navigation entry to highlight
	Crumbs    []crumb
	Me        *auth.User // nil on the login and error pages
	CSRF      string
	Flash     string
	Data      any
	RequestID string // on error pages, to quote to an operator
}

// crumb is one breadcrumb; the last has no link.
type crumb struct {
	Label string
	URL   string
}

// mustParsePages parses every page with the layout and partials. Templates are embedded, so a
// failure is a broken build, found by any test; it panics like template.Must.
func mustParsePages(static staticFiles) map[string]*template.Template {
	funcs := templateFuncs(static)
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic("admin: templates: " + err.Error())
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t := template.New("layout.html").Funcs(funcs)
		t = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n))
		pages[base] = t
	}
	return pages
}

// render writes a page with a status. The page is rendered to memory first, so a template fault
// never leaves half a page behind.
func (p *panel) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := p.pages[page]
	var buf bytes.Buffer
	if !ok {
		p.log.ErrorContext(r.Context(), "admin page template missing", "page", page)
		p.plainError(w)
		return
	}
	if err := t.Execute(&buf, v); err != nil {
		p.log.ErrorContext(r.Context(), "admin page not rendered", "page", page, "err", err)
		p.plainError(w)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// plainError is the last resort when a page itself cannot be rendered.
func (p *panel) plainError(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte(`<!doctype html><title>Server error</title><p>A server error occurred.</p>`))
}

// staffView starts the view of a page for a logged-in administrator, with a fresh CSRF token and
// the pending one-time message.
func (p *panel) staffView(w http.ResponseWriter, r *http.Request, s *staffSession, title, nav string, crumbs ...crumb) (*view, error) {
	tok, err := p.maskToken(s.csrf)
	if err != nil {
		return nil, err
	}
	me := s.user
	return &view{Title: title, Nav: nav, Crumbs: crumbs, Me: &me, CSRF: tok, Flash: p.takeFlash(w, r, s)}, nil
}

// page renders a staff page with its data.
func (p *panel) page(w http.ResponseWriter, r *http.Request, s *staffSession, status int, name, title, nav string, data any, crumbs ...crumb) {
	v, err := p.staffView(w, r, s, title, nav, crumbs...)
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	v.Data = data
	p.render(w, r, status, name, v)
}
