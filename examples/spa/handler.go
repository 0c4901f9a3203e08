package main

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// newHandler serves the page, its modules and /config.json, under a Content-Security-Policy that
// (img-src data: is for the QR code authgate draws when an authenticator app is set up)
// allows scripts from this origin only and connections to this origin and authgate: an injected
// inline script cannot run, and a page script cannot send tokens anywhere else.
func newHandler(c config) (http.Handler, error) {
	files, err := fs.Sub(static, "static")
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	body, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	})
	mux.Handle("GET /", spaFiles(files))
	csp := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self' " + c.apiOrigin() + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		mux.ServeHTTP(w, r)
	}), nil
}

// spaFiles serves the static files, and the page itself for every path whose last segment has no
// extension: the app's screens have addresses of their own (/account/sessions, and the links
// authgate mails, such as /activate/{uid}/{token}), which its router reads from location. A
// missing file (/nope.js) stays a 404, and no directory is ever listed.
func spaFiles(files fs.FS) http.Handler {
	static := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" || strings.Contains(path.Base(r.URL.Path), ".") {
			static.ServeHTTP(w, r)
			return
		}
		http.ServeFileFS(w, r, files, "index.html")
	})
}
