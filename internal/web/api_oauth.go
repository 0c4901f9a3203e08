package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/authgate/authgate/internal/auth"
)

// IdentityProvider is an external identity provider as the sign-in routes use it
// (internal/social implements it).
type IdentityProvider interface {
	Name() string
	Label() string
	// AuthCodeURL is the provider's authorization request for this sign-in.
	AuthCodeURL(ctx context.Context, state, nonce, verifier string) (string, error)
	// Identity redeems the authorization code and returns the identity the provider vouches
	// for; errors wrap auth.ErrProviderRefused or auth.ErrProviderUnavailable.
	Identity(ctx context.Context, code, verifier, nonce string) (auth.ExternalIdentity, error)
}

// oauthCookie binds a sign-in to the browser that started it; it lives on the callback's path only.
const oauthCookie = "authgate_oauth"

// The parameters the browser carries back to the frontend, in the fragment of redirect_to, so
// that neither the frontend's server logs nor a Referer ever see them.
const (
	fragCode   = "oauth_code"
	fragError  = "oauth_error"
	fragLinked = "oauth_linked"
)

func (h *handler) provider(w http.ResponseWriter, r *http.Request) (IdentityProvider, bool) {
	p, ok := h.providers[r.PathValue("provider")]
	if !ok {
		writeDetail(w, http.StatusNotFound, "Not found.")
	}
	return p, ok
}

// redirectAllowed reports whether a frontend page is listed (AUTHGATE_OIDC_REDIRECT_URLS): an
// exact match, so the sign-in is no open redirect.
func (h *handler) redirectAllowed(v string) bool {
	return v != "" && slices.Contains(h.oauthRedirects, v)
}

type providerBody struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	StartURL string `json:"start_url"`
}

// oauthProviders is GET /api/oauth/providers/: what a frontend needs for its "Sign in with …"
// buttons.
func (h *handler) oauthProviders() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := make([]providerBody, 0, len(h.providerOrder))
		for _, name := range h.providerOrder {
			p := h.providers[name]
			out = append(out, providerBody{Name: name, Label: p.Label(), StartURL: h.publicURL + "/api/oauth/" + name + "/start"})
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// oauthStart is GET /api/oauth/{provider}/start?redirect_to=…: the browser is sent to the
// provider with a fresh state, PKCE challenge and nonce, kept here and bound to the browser by
// a cookie. With link=… (from POST /api/identities/{provider}/link/) the sign-in links the
// provider's identity to the user who asked.
func (h *handler) oauthStart() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := h.provider(w, r)
		if !ok {
			return
		}
		// Each start stores a record: throttled per client address like a login.
		if !h.throttle(w, r, "login", bucket{"oauth-start:ip:" + throttleAddr(h.clientIP(r)), h.rates.Login}) {
			return
		}
		q := r.URL.Query()
		redirectTo, linkUser := q.Get("redirect_to"), ""
		if link := q.Get("link"); link != "" {
			f, err := h.svc.TakeLinkIntent(r.Context(), p.Name(), link)
			if errors.Is(err, auth.ErrFlowInvalid) {
				writeJSON(w, http.StatusBadRequest, detail{Detail: "The link request is invalid or expired.", Code: "link_invalid"})
				return
			}
			if err != nil {
				h.fail(w, r, err)
				return
			}
			redirectTo, linkUser = f.RedirectTo, f.UserID
		}
		if !h.redirectAllowed(redirectTo) {
			fe := fieldErrors{}
			fe.add("redirect_to", "This page is not one a sign-in may return to.")
			writeFields(w, fe)
			return
		}
		fs, err := h.svc.StartOAuth(r.Context(), p.Name(), redirectTo, linkUser)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		to, err := p.AuthCodeURL(r.Context(), fs.State, fs.Nonce, fs.Verifier)
		if err != nil {
			h.log.ErrorContext(r.Context(), "identity provider unavailable", "request_id", requestID(r), "provider", p.Name(), "err", err)
			writeJSON(w, http.StatusServiceUnavailable, detail{Detail: "The identity provider is unavailable. Try again later.", Code: "provider_unavailable"})
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name: oauthCookie, Value: fs.Binding, Path: "/api/oauth/" + p.Name() + "/callback",
			MaxAge: int(auth.OAuthStateTTL.Seconds()), HttpOnly: true, Secure: strings.HasPrefix(h.publicURL, "https://"),
			// Lax: the callback is a top-level navigation from the provider's site, which a
			// Strict cookie would not accompany.
			SameSite: http.SameSiteLaxMode,
		})
		noStore(w)
		found(w, to)
	})
}

// oauthCallback is GET /api/oauth/{provider}/callback: the provider sends the browser back with
// a code and the state. The browser goes on to the frontend with a one-time code to exchange
// (POST /api/oauth/token/), or with the reason the sign-in was refused.
func (h *handler) oauthCallback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := h.provider(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		binding := ""
		if c, err := r.Cookie(oauthCookie); err == nil {
			binding = c.Value
		}
		noStore(w)
		c := h.client(r)
		f, err := h.svc.TakeOAuthState(r.Context(), p.Name(), q.Get("state"), binding)
		if errors.Is(err, auth.ErrFlowInvalid) {
			h.svc.OAuthFailed(r.Context(), "", p.Name(), "state invalid, used, expired or from another browser", c)
			writeJSON(w, http.StatusBadRequest, detail{Detail: "The sign-in is invalid or expired. Start again.", Code: "oauth_state_invalid"})
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		// The state is spent: its cookie goes too (kept on a forged state, which must not
		// spoil the real sign-in in progress).
		http.SetCookie(w, &http.Cookie{Name: oauthCookie, Value: "", Path: "/api/oauth/" + p.Name() + "/callback", MaxAge: -1,
			HttpOnly: true, Secure: strings.HasPrefix(h.publicURL, "https://"), SameSite: http.SameSiteLaxMode})
		back := func(key, val string) {
			found(w, f.RedirectTo+"#"+url.Values{key: {val}}.Encode())
		}
		if e := q.Get("error"); e != "" || q.Get("code") == "" {
			reason := "provider_error"
			if e == "access_denied" {
				reason = e
			}
			h.svc.OAuthFailed(r.Context(), f.UserID, p.Name(), "provider answered "+truncateASCII(e, 64), c)
			back(fragError, reason)
			return
		}
		ext, err := p.Identity(r.Context(), q.Get("code"), f.Verifier, f.Nonce)
		if err != nil {
			h.log.WarnContext(r.Context(), "sign-in with a provider refused", "request_id", requestID(r), "provider", p.Name(), "err", err)
			reason := "provider_refused"
			if errors.Is(err, auth.ErrProviderUnavailable) {
				reason = "provider_unavailable"
			}
			h.svc.OAuthFailed(r.Context(), f.UserID, p.Name(), reason, c)
			back(fragError, reason)
			return
		}
		var xe *auth.ExternalError
		if f.UserID != "" {
			err = h.svc.LinkExternal(r.Context(), f.UserID, ext, c)
			switch {
			case err == nil:
				back(fragLinked, p.Name())
			case errors.As(err, &xe):
				back(fragError, xe.Code)
			default:
				h.log.ErrorContext(r.Context(), "link failed", "request_id", requestID(r), "err", err)
				back(fragError, "server_error")
			}
			return
		}
		code, err := h.svc.ExternalSignIn(r.Context(), ext, c)
		switch {
		case err == nil:
			back(fragCode, code)
		case errors.As(err, &xe):
			back(fragError, xe.Code)
		default:
			h.log.ErrorContext(r.Context(), "sign-in failed", "request_id", requestID(r), "err", err)
			back(fragError, "server_error")
		}
	})
}

func truncateASCII(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
	if len(s) > n {
		s = s[:n]
	}
	return s
}

// oauthToken is POST /api/oauth/token/ {"code"}: the one-time code from the callback becomes
// what POST /api/token/ gives — the token pair (or the cookie mode's cookie), or the same
// two-factor challenge.
func (h *handler) oauthToken() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.throttleLogin(w, r, "per client address", bucket{"login:ip:" + throttleAddr(h.clientIP(r)), h.rates.Login}) {
			return
		}
		code, _ := in.str("code", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		res, err := h.svc.ExchangeLoginCode(r.Context(), code, h.client(r))
		h.countLogin(err, res.Challenge != "")
		if errors.Is(err, auth.ErrFlowInvalid) {
			writeJSON(w, http.StatusUnauthorized, detail{Detail: "The sign-in code is invalid, expired or was already used.", Code: "oauth_code_invalid"})
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.writeLogin(w, res)
	})
}

type identityBody struct {
	ID         string  `json:"id"`
	Provider   string  `json:"provider"`
	Email      string  `json:"email"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
}

// identities is GET /api/identities/: the caller's linked identities.
func (h *handler) identities() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := h.svc.Identities(r.Context(), caller(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out := make([]identityBody, 0, len(list))
		for _, i := range list {
			b := identityBody{ID: i.ID, Provider: i.Provider, Email: i.Email, CreatedAt: djangoTime(i.CreatedAt)}
			if !i.LastUsedAt.IsZero() {
				t := djangoTime(i.LastUsedAt)
				b.LastUsedAt = &t
			}
			out = append(out, b)
		}
		noStore(w)
		writeJSON(w, http.StatusOK, out)
	})
}

type locationBody struct {
	Location string `json:"location"`
}

// linkIdentity is POST /api/identities/{provider}/link/ {"redirect_to"}: the access token cannot
// go with a browser navigation, so this records the caller's intent (single use, two minutes)
// and answers the start URL that carries it; the frontend sends the browser there.
func (h *handler) linkIdentity() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body first: its size and shape are refused before anything is looked up, as on
		// every other route (CONTRACT "oversized body").
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p, ok := h.provider(w, r)
		if !ok {
			return
		}
		to, _ := in.str("redirect_to", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if !h.redirectAllowed(to) {
			fe := fieldErrors{}
			fe.add("redirect_to", "This page is not one a sign-in may return to.")
			writeFields(w, fe)
			return
		}
		opaque, err := h.svc.CreateLinkIntent(r.Context(), caller(r), p.Name(), to, h.client(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, locationBody{h.publicURL + "/api/oauth/" + p.Name() + "/start?" + url.Values{"link": {opaque}}.Encode()})
	})
}

// unlinkIdentity is DELETE /api/identities/{id}/; the last way to log in stays.
func (h *handler) unlinkIdentity() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h.svc.UnlinkIdentity(r.Context(), caller(r), r.PathValue("id"), "", h.client(r))
		if errors.Is(err, auth.ErrLastLogin) {
			writeJSON(w, http.StatusBadRequest, detail{Detail: "This is the account's last way to log in: set a password or link another provider first.", Code: "last_login_method"})
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// found sends the browser on, without the little HTML page http.Redirect writes.
func found(w http.ResponseWriter, to string) {
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusFound)
}
