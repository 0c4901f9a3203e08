package main

import (
	"fmt"
	"net/url"
	"strings"
)

// The two places the app can keep the refresh token.
const (
	modeCookie       = "cookie"       // HttpOnly cookie set by authgate; access token in memory
	modeLocalStorage = "localstorage" // both tokens in localStorage, as the tutorial suggests
)

// config is what the page reads from /config.json.
type config struct {
	API  string `json:"api"`  // authgate's base URL, without a trailing slash
	Mode string `json:"mode"` // modeCookie or modeLocalStorage
}

// newConfig checks the flags: the API must be an http(s) URL the browser can call.
func newConfig(api, mode string) (config, error) {
	u, err := url.Parse(strings.TrimSpace(api))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return config{}, fmt.Errorf("--api %q: want authgate's URL, like http://127.0.0.1:8060", api)
	}
	if mode != modeCookie && mode != modeLocalStorage {
		return config{}, fmt.Errorf("--mode %q: want %s or %s", mode, modeCookie, modeLocalStorage)
	}
	return config{API: strings.TrimRight(u.String(), "/"), Mode: mode}, nil
}

// apiOrigin is the API's origin, for the page's Content-Security-Policy.
func (c config) apiOrigin() string {
	u, err := url.Parse(c.API)
	if err != nil {
		return "'none'"
	}
	return u.Scheme + "://" + u.Host
}
