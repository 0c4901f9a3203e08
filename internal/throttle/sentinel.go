package throttle

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// defaultSentinelPort is Redis Sentinel's port when an address names none.
const defaultSentinelPort = "26379"

// openSentinel returns a client that asks Redis Sentinel where the primary is, for a URL
//
//	redis+sentinel://[[USER]:PASSWORD@]HOST[:PORT][,HOST[:PORT]…]/MASTER[/DB][?OPTIONS]
//
// HOST:PORT are the sentinels (port 26379 when left out), MASTER the name they monitor the
// primary under, DB the database number (0). The user and password are those of the Redis
// servers; the sentinels' own, when they require one, go in the options sentinel_username and
// sentinel_password. Other options are go-redis's (dial_timeout=1s, max_retries=…), as in a
// redis:// URL. "rediss+sentinel://" speaks TLS to sentinels and servers alike.
//
// The client (go-redis's failover client) connects to the primary the sentinels name, and on
// their +switch-master announcement drops its connections and reconnects to the new one. It
// never writes to a replica: until a replica is promoted, calls fail, and throttled requests
// fail closed.
func openSentinel(rawURL string) (*redis.Client, error) {
	opt, err := parseSentinelURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("throttle: open redis: %w", err)
	}
	opt.ContextTimeoutEnabled = true
	return redis.NewFailoverClient(opt), nil
}

func parseSentinelURL(rawURL string) (*redis.FailoverOptions, error) {
	scheme, rest, _ := strings.Cut(rawURL, "://")
	var base string
	switch strings.ToLower(scheme) {
	case "redis+sentinel":
		base = "redis"
	case "rediss+sentinel":
		base = "rediss"
	default:
		return nil, fmt.Errorf("unsupported scheme %q (want redis+sentinel or rediss+sentinel)", scheme)
	}
	rest, rawQuery, _ := strings.Cut(rest, "?")
	authority, path, _ := strings.Cut(rest, "/")
	var userinfo string
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, authority = authority[:i], authority[i+1:]
	}
	var sentinels []string
	for _, h := range strings.Split(authority, ",") {
		if h == "" {
			return nil, errors.New("a sentinel address is empty")
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil { // no port
			host, port = strings.Trim(h, "[]"), defaultSentinelPort
		}
		if host == "" {
			return nil, fmt.Errorf("sentinel address %q has no host", h)
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return nil, fmt.Errorf("sentinel address %q has an invalid port", h)
		}
		sentinels = append(sentinels, net.JoinHostPort(host, port))
	}
	rawMaster, db, _ := strings.Cut(path, "/")
	master, err := url.PathUnescape(rawMaster)
	if err != nil || master == "" {
		return nil, errors.New("the URL names no master (redis+sentinel://host:26379/MASTER/DB)")
	}
	if db == "" {
		db = "0"
	}
	if _, err := strconv.Atoi(db); err != nil {
		return nil, fmt.Errorf("invalid database number %q", db)
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, errors.New("invalid query string")
	}
	for _, k := range []string{"master_name", "addr", "db", "username", "password"} {
		if q.Has(k) {
			return nil, fmt.Errorf("option %s is given by the URL itself", k)
		}
	}
	sentinelUser, sentinelPassword := q.Get("sentinel_username"), q.Get("sentinel_password")
	q.Del("sentinel_username")
	q.Del("sentinel_password")
	q.Set("master_name", master)
	for _, s := range sentinels[1:] {
		q.Add("addr", s)
	}
	// go-redis's own failover URL: the first sentinel as host, the others as addr options.
	u := url.URL{Scheme: base, Host: sentinels[0], Path: "/" + db, RawQuery: q.Encode()}
	opt, err := redis.ParseFailoverURL(u.String())
	if err != nil {
		// go-redis quotes no secret here: the passwords are not in u.
		return nil, err
	}
	opt.SentinelUsername, opt.SentinelPassword = sentinelUser, sentinelPassword
	if userinfo != "" {
		user, password, _ := strings.Cut(userinfo, ":")
		if opt.Username, err = url.PathUnescape(user); err != nil {
			return nil, errors.New("invalid user name")
		}
		if opt.Password, err = url.PathUnescape(password); err != nil {
			return nil, errors.New("invalid password encoding")
		}
	}
	return opt, nil
}
