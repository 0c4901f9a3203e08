package admin

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
)

//go:embed static
var staticFS embed.FS

// staticFile is one embedded asset with the version its URL carries, so a new build's assets are
// fetched afresh while unchanged ones are cached.
type staticFile struct {
	body    []byte
	version string
	ctype   string
}

// staticFiles maps a file name to its asset.
type staticFiles map[string]staticFile

func loadStatic() staticFiles {
	out := staticFiles{}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic("admin: embedded static files: " + err.Error()) // a broken build, not a runtime condition
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic("admin: embedded static files: " + err.Error())
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(e.Name()))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[e.Name()] = staticFile{body: b, version: hex.EncodeToString(sum[:6]), ctype: ct}
	}
	return out
}

// url is the versioned address of an asset, for templates.
func (s staticFiles) url(name string) string {
	f, ok := s[name]
	if !ok {
		return "/admin/static/" + name
	}
	return "/admin/static/" + name + "?v=" + f.version
}

// serveStatic answers GET /admin/static/{file}: public assets, no session needed.
func (p *panel) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := p.static[r.PathValue("file")]
	if !ok {
		p.errorPage(w, r, http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Content-Length", strconv.Itoa(len(f.body)))
	if r.URL.Query().Get("v") == f.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(f.body)
}
