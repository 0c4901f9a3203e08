package jwtauth

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	maxKeySetSize = 1 << 20
	// failedRetry is the longest wait after a failed fetch before another is tried.
	failedRetry = 5 * time.Second
)

// remoteKeys is a cached JWK Set fetched from authgate. A token naming a kid the cache lacks
// triggers a fetch, at most one such fetch per MinRefetchInterval; a set older than KeysMaxAge
// is refreshed by the first request that notices, while the others keep using it. After a
// failed fetch, the next waits failedRetry (or MinRefetchInterval when shorter).
type remoteKeys struct {
	url                 string
	name                string
	alg                 algorithm
	client              *http.Client
	maxAge, minInterval time.Duration
	now                 func() time.Time
	log                 *slog.Logger

	fetching sync.Mutex // held for a whole fetch, so that only one runs

	mu        sync.RWMutex // guards the fields below
	set       parsedSet
	fetchedAt time.Time // of the set; zero before the first success
	triedAt   time.Time // of the last attempt
	kidAt     time.Time // of the last attempt caused by an unknown kid
	lastErr   error     // of the last attempt
	attempts  uint64    // counts attempts, so that requests that waited for one skip theirs
	etag      string
}

// why a fetch is wanted.
type why int

const (
	forced     why = iota // Verifier.Refresh
	first                 // no set was fetched yet
	stale                 // the set is older than KeysMaxAge
	unknownKID            // a token names a kid the set lacks
)

func newRemoteKeys(c Config) *remoteKeys {
	alg, _ := lookupAlgorithm(c.Algorithm) // checked by withDefaults
	return &remoteKeys{
		url: c.JWKSURL, name: c.Algorithm, alg: alg, client: c.HTTPClient,
		maxAge: c.KeysMaxAge, minInterval: c.MinRefetchInterval, now: c.Now, log: c.Logger,
	}
}

// find returns the key for kid, or every key when the token names none, and whether the set is
// fresh.
func (k *remoteKeys) find(kid string, hasKID bool) (any, bool, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	fresh := !k.fetchedAt.IsZero() && k.now().Sub(k.fetchedAt) < k.maxAge
	if hasKID {
		pub, ok := k.set.byKID[kid]
		return pub, ok, fresh
	}
	switch len(k.set.all) {
	case 0:
		return nil, false, fresh
	case 1:
		return k.set.all[0], true, fresh
	}
	ks := jwt.VerificationKeySet{}
	for _, pub := range k.set.all {
		ks.Keys = append(ks.Keys, jwt.VerificationKey(pub))
	}
	return ks, true, fresh
}

// key returns the verification key a token with this header uses. An unknown kid is
// ErrInvalid once a fetch (or a recent one) has shown the set without it; when the set cannot
// be fetched the error wraps ErrKeysUnavailable.
func (k *remoteKeys) key(ctx context.Context, kid string, hasKID bool) (any, error) {
	pub, found, fresh := k.find(kid, hasKID)
	if found && fresh {
		return pub, nil
	}
	k.mu.RLock()
	never := k.fetchedAt.IsZero()
	k.mu.RUnlock()
	reason := unknownKID
	switch {
	case found:
		reason = stale // never waits: the stale key serves meanwhile
	case never:
		reason = first
	}
	err := k.refresh(ctx, reason)
	if pub, found, _ = k.find(kid, hasKID); found {
		return pub, nil // the fetched set has it, or the fetch failed and the stale one serves
	}
	k.mu.RLock()
	never = k.fetchedAt.IsZero()
	k.mu.RUnlock()
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrKeysUnavailable, err)
	case never:
		return nil, fmt.Errorf("%w: no key set fetched yet", ErrKeysUnavailable)
	}
	return nil, ErrInvalid
}

// refresh fetches the set when the reason allows it now, and returns the outcome of that fetch
// or, when it did not fetch, of the last one.
func (k *remoteKeys) refresh(ctx context.Context, reason why) error {
	k.mu.RLock()
	seen := k.attempts
	k.mu.RUnlock()
	if reason == stale {
		if !k.fetching.TryLock() {
			return nil
		}
	} else {
		k.fetching.Lock()
	}
	defer k.fetching.Unlock()

	k.mu.RLock()
	tried, kidAt, lastErr, etag, attempts := k.triedAt, k.kidAt, k.lastErr, k.etag, k.attempts
	k.mu.RUnlock()
	now := k.now()
	switch {
	case reason == forced:
	case attempts != seen:
		return lastErr // another request fetched while this one waited
	case lastErr != nil && now.Sub(tried) < min(k.minInterval, failedRetry):
		return lastErr
	case reason == unknownKID && !kidAt.IsZero() && now.Sub(kidAt) < k.minInterval:
		return lastErr
	}
	// A client that goes away must not cancel the fetch the others wait for.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), defaultFetchTimeout)
	defer cancel()
	set, newTag, err := k.fetch(ctx, etag)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.triedAt, k.lastErr = now, err
	k.attempts++
	if reason == unknownKID {
		k.kidAt = now
	}
	if err != nil {
		k.log.Warn("jwtauth: key set fetch failed; keeping the keys known", "url", k.url, "err", err)
		return err
	}
	if set.all != nil { // nil: 304 Not Modified, the set is as it was
		k.set, k.etag = set, newTag
	}
	k.fetchedAt = now
	return nil
}

// fetch GETs the key set, revalidating with the ETag when there is one.
func (k *remoteKeys) fetch(ctx context.Context, etag string) (parsedSet, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return parsedSet{}, "", fmt.Errorf("key set: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return parsedSet{}, "", fmt.Errorf("key set: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && etag != "":
		return parsedSet{}, etag, nil
	case resp.StatusCode != http.StatusOK:
		return parsedSet{}, "", fmt.Errorf("key set: GET %s: %s", k.url, resp.Status)
	}
	doc, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySetSize+1))
	if err != nil {
		return parsedSet{}, "", fmt.Errorf("key set: GET %s: %w", k.url, err)
	}
	if len(doc) > maxKeySetSize {
		return parsedSet{}, "", fmt.Errorf("key set: GET %s: larger than %d bytes", k.url, maxKeySetSize)
	}
	set, err := parseSet(doc, k.name, k.alg, func(kid string, err error) {
		k.log.Warn("jwtauth: key skipped", "url", k.url, "kid", kid, "err", err)
	})
	if err != nil {
		return parsedSet{}, "", fmt.Errorf("key set: GET %s: %w", k.url, err)
	}
	return set, resp.Header.Get("ETag"), nil
}
