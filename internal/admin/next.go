package admin

import (
	"net/url"
	"path"
	"strings"
)

// safeNext returns where to go after logging in: next when it is a path inside the panel on this
// host, else the dashboard. Anything that a browser could read as another host ("//evil",
// "/\evil", "https://evil", control characters) is refused: no open redirect.
func safeNext(next string) string {
	if next == "" || len(next) > 2048 || !strings.HasPrefix(next, adminPath) {
		return adminPath
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x21 || c == 0x7f || c == '\\' {
			return adminPath
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return adminPath
	}
	clean := path.Clean(u.Path)
	if strings.HasSuffix(u.Path, "/") && clean != "/" {
		clean += "/"
	}
	if !strings.HasPrefix(clean, adminPath) || strings.HasPrefix(clean, loginPath) {
		return adminPath
	}
	out := &url.URL{Path: clean, RawQuery: u.RawQuery}
	return out.String()
}
