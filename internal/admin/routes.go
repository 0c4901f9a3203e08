package admin

import (
	"net/http"
	"strings"
)

// routes is the panel's whole surface, top to bottom. Every pattern is exact ({$}); a known path
// asked with another method gets the 405 page, an unknown one the 404 page.
func (p *panel) routes() *http.ServeMux {
	mux := http.NewServeMux()
	handle := func(path string, m methods) { mux.Handle(path+"{$}", m.with(p)) }

	handle("/admin/login/", methods{"GET": p.loginPage, "POST": p.loginSubmit})
	handle("/admin/login/code/", methods{"GET": p.codePage, "POST": p.codeSubmit})
	handle("/admin/login/code/resend/", methods{"POST": p.codeResend})
	handle("/admin/logout/", methods{"POST": p.staff(p.logout)})

	handle("/admin/", methods{"GET": p.staff(p.dashboard)})
	handle("/admin/users/", methods{"GET": p.staff(p.userList)})
	handle("/admin/users/add/", methods{"GET": p.staff(p.userAddPage), "POST": p.staff(p.userAdd)})
	handle("/admin/users/{id}/", methods{"GET": p.staff(p.userPage), "POST": p.staff(p.userUpdate)})
	handle("/admin/users/{id}/password/", methods{"GET": p.staff(p.passwordPage), "POST": p.staff(p.passwordSet)})
	handle("/admin/users/{id}/logout-all/", methods{"POST": p.staff(p.userLogoutAll)})
	handle("/admin/users/{id}/resend-activation/", methods{"POST": p.staff(p.userResendActivation)})
	handle("/admin/invitations/", methods{"GET": p.staff(p.invitationList), "POST": p.staff(p.invite)})
	handle("/admin/users/{id}/sessions/{sid}/end/", methods{"POST": p.staff(p.userEndSession)})
	handle("/admin/users/{id}/unlock-codes/", methods{"POST": p.staff(p.userUnlockCodes)})
	handle("/admin/users/{id}/remove-totp/", methods{"POST": p.staff(p.userRemoveTOTP)})
	handle("/admin/users/{id}/identities/{iid}/remove/", methods{"POST": p.staff(p.userRemoveIdentity)})
	handle("/admin/tokens/", methods{"GET": p.staff(p.tokenList)})
	handle("/admin/tokens/blacklist/", methods{"POST": p.staff(p.tokenBlacklistSelected)})
	handle("/admin/tokens/{jti}/", methods{"GET": p.staff(p.tokenPage)})
	handle("/admin/tokens/{jti}/blacklist/", methods{"POST": p.staff(p.tokenBlacklist)})
	handle("/admin/blacklisted/", methods{"GET": p.staff(p.blacklistedList)})
	handle("/admin/audit/", methods{"GET": p.staff(p.auditList)})

	mux.Handle("GET /admin/static/{file}", http.HandlerFunc(p.serveStatic))
	mux.Handle("/", http.HandlerFunc(p.fallback))
	return mux
}

// methods maps an HTTP method to its handler for one path.
type methods map[string]http.HandlerFunc

// with serves the path: HEAD is answered as GET, OPTIONS and other methods get the 405 page.
func (m methods) with(p *panel) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		if h, ok := m[method]; ok {
			h(w, r)
			return
		}
		var allow []string
		for _, k := range []string{"GET", "POST"} {
			if _, ok := m[k]; ok {
				allow = append(allow, k)
			}
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		p.errorPage(w, r, http.StatusMethodNotAllowed)
	})
}

// fallback answers what no route matched with the 404 page. (A known path without its trailing
// slash never gets here: ServeMux redirects it to the slashed path, as Django's APPEND_SLASH does.)
func (p *panel) fallback(w http.ResponseWriter, r *http.Request) {
	p.errorPage(w, r, http.StatusNotFound)
}
