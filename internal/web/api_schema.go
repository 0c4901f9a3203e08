package web

import (
	"net/http"
	"strconv"

	"github.com/authgate/authgate/internal/web/openapi"
)

// schema is GET /api/schema/: the OpenAPI document (openapi/openapi.yaml) as JSON, or as written
// with ?format=yaml. An unknown format is a 404, as DRF answers one.
func (h *handler) schema() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		ct := "application/json"
		switch r.URL.Query().Get("format") {
		case "", "json":
			b, err := openapi.JSON()
			if err != nil {
				h.fail(w, r, err)
				return
			}
			body = b
		case "yaml":
			body, ct = openapi.YAML, "application/yaml"
		default:
			writeDetail(w, http.StatusNotFound, "Not found.")
			return
		}
		hd := w.Header()
		hd.Set("Content-Type", ct)
		hd.Set("Content-Length", strconv.Itoa(len(body)))
		hd.Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(body)
	})
}
