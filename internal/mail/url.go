package mail

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// endpoint is a parsed mail URL.
type endpoint struct {
	scheme      string // smtp, smtps, console or file
	host        string // smtp and smtps: the host name without brackets
	port        string
	user        string
	password    string
	startTLS    bool   // smtp only
	dir         string // file only
	redactedURL string // safe to log and to put in errors
}

// addr is host:port for dialing.
func (e endpoint) addr() string { return net.JoinHostPort(e.host, e.port) }

// parseURL reads a mail URL. Its errors name the URL with the password replaced.
func parseURL(raw string) (endpoint, error) {
	e, err := parseURLParts(raw)
	if err != nil {
		return endpoint{}, fmt.Errorf("mail: URL %q: %w", redactURL(raw), err)
	}
	return e, nil
}

func parseURLParts(raw string) (endpoint, error) {
	if strings.TrimSpace(raw) == "" {
		return endpoint{}, errors.New("empty; want smtp://, smtps://, console:// or file:///dir")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return endpoint{}, urlParseError(err)
	}
	e := endpoint{scheme: strings.ToLower(u.Scheme), redactedURL: redactURL(raw)}
	if u.Fragment != "" {
		return endpoint{}, errors.New("a fragment (#...) is not allowed")
	}
	switch e.scheme {
	case "smtp", "smtps":
		return parseSMTP(u, e)
	case "console":
		if u.User != nil || u.Host != "" || u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return endpoint{}, errors.New("console:// takes no host, credentials, path or options")
		}
		return e, nil
	case "file":
		return parseFile(u, e)
	case "":
		return endpoint{}, errors.New("missing scheme; want smtp://, smtps://, console:// or file:///dir")
	default:
		return endpoint{}, fmt.Errorf("unsupported scheme %q; want smtp, smtps, console or file", u.Scheme)
	}
}

func parseSMTP(u *url.URL, e endpoint) (endpoint, error) {
	if u.Opaque != "" {
		return endpoint{}, fmt.Errorf("want %s://host:port", e.scheme)
	}
	if u.Path != "" && u.Path != "/" {
		return endpoint{}, fmt.Errorf("%s URLs take no path", e.scheme)
	}
	e.host = u.Hostname()
	if e.host == "" {
		return endpoint{}, errors.New("missing host")
	}
	e.port = u.Port()
	switch {
	case e.port == "" && e.scheme == "smtps":
		e.port = "465"
	case e.port == "":
		e.port = "587"
	default:
		n, err := strconv.Atoi(e.port)
		if err != nil || n < 1 || n > 65535 {
			// Not quoted: after a password with an unescaped "/", the "port" is the password.
			return endpoint{}, errors.New("port is not between 1 and 65535")
		}
	}
	if e.scheme == "smtp" && e.port == "465" {
		return endpoint{}, errors.New("port 465 expects implicit TLS: use smtps://")
	}
	if u.User != nil {
		e.user = u.User.Username()
		e.password, _ = u.User.Password()
		if e.user == "" {
			return endpoint{}, errors.New("credentials need a user name")
		}
		if e.password == "" {
			return endpoint{}, fmt.Errorf("user %q has no password", e.user)
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return endpoint{}, errors.New("malformed query string")
	}
	e.startTLS = e.scheme == "smtp"
	for key, values := range q {
		if key != "starttls" || e.scheme != "smtp" {
			return endpoint{}, fmt.Errorf("unknown option %s(%s URLs accept %s)", quoteToken(key), e.scheme, smtpOptions(e.scheme))
		}
		if len(values) != 1 {
			return endpoint{}, errors.New("starttls is given more than once")
		}
		e.startTLS, err = strconv.ParseBool(values[0])
		if err != nil {
			return endpoint{}, fmt.Errorf("starttls value %sis not true or false", quoteToken(values[0]))
		}
	}
	// Credentials in clear text would cross the network: refuse unless they stay on this machine.
	if e.user != "" && e.scheme == "smtp" && !e.startTLS && !isLoopback(e.host) {
		return endpoint{}, fmt.Errorf("refusing to send credentials without TLS to %s; use starttls=true or smtps://", e.host)
	}
	return e, nil
}

func smtpOptions(scheme string) string {
	if scheme == "smtp" {
		return "only starttls"
	}
	return "none"
}

func parseFile(u *url.URL, e endpoint) (endpoint, error) {
	if u.User != nil || u.RawQuery != "" {
		return endpoint{}, errors.New("file URLs take no credentials or options")
	}
	if u.Opaque != "" || (u.Host != "" && u.Host != "localhost") {
		return endpoint{}, errors.New("want an absolute directory such as file:///var/spool/authgate")
	}
	if u.Path == "" || u.Path == "/" || !filepath.IsAbs(u.Path) {
		return endpoint{}, errors.New("want an absolute directory other than / such as file:///var/spool/authgate")
	}
	e.dir = filepath.Clean(u.Path)
	return e, nil
}

// isLoopback reports whether host names this machine without a DNS lookup.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
