package admin

import "net/http"

// logout deletes the session (it cannot be used again, even with a copied cookie).
func (p *panel) logout(w http.ResponseWriter, r *http.Request, s *staffSession) {
	if err := p.dropSession(r.Context(), s.sess.ID); err != nil {
		p.internalError(w, r, err)
		return
	}
	p.clearCookie(w, r, sessionCookie)
	p.render(w, r, http.StatusOK, "logged_out", &view{Title: "Logged out", Data: msgLoggedOut})
}
