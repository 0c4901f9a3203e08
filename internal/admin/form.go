package admin

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/authgate/authgate/internal/auth"
)

// maxFormBytes bounds a form body; the largest legitimate form (blacklist selected) is a few
// dozen kilobytes.
const maxFormBytes = 256 << 10

// parseForm reads a POST body within the limit; on failure it answers (413 or 400 page) and
// reports false.
func (p *panel) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	err := r.ParseForm()
	if err == nil {
		return true
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		p.errorPage(w, r, http.StatusRequestEntityTooLarge)
	} else {
		p.errorPage(w, r, http.StatusBadRequest)
	}
	return false
}

// checked reads an HTML checkbox: present with any value but "", "0", "off" or "false".
func checked(r *http.Request, name string) bool {
	switch strings.ToLower(r.PostFormValue(name)) {
	case "", "0", "off", "false":
		return false
	}
	return true
}

// queryText is a search box's value, trimmed, without control characters (PostgreSQL refuses
// NUL in text) and bounded (a longer one cannot match an e-mail).
func queryText(r *http.Request, name string) string {
	return truncate(strings.TrimSpace(strings.Map(dropControl, r.URL.Query().Get(name))), 254)
}

func dropControl(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return -1
	}
	return r
}

// hasControl reports whether s holds a control character, which no e-mail address does.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return dropControl(r) < 0 }) >= 0
}

// cursorID reads a keyset cursor id; anything but a positive integer starts at the first page.
func cursorID(r *http.Request, name string) int64 {
	n, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// validationText joins a validation error's messages for one message line.
func validationText(ve *auth.ValidationError) string {
	var msgs []string
	for _, f := range slices.Sorted(maps.Keys(ve.Fields)) {
		msgs = append(msgs, ve.Fields[f]...)
	}
	return strings.Join(msgs, " ")
}
