package admin

import (
	"errors"
	"net/http"

	"github.com/authgate/authgate/internal/auth"
)

// problem is the data of an error page: a heading and a sentence, never an internal cause.
type problem struct {
	Status  int
	Heading string
	Message string
}

// problemFor is the standard page for a status.
func problemFor(status int) problem {
	switch status {
	case http.StatusBadRequest:
		return problem{Heading: "Bad request", Message: "The form could not be read. Go back, reload the page and try again."}
	case http.StatusForbidden:
		return problem{Heading: "Forbidden", Message: "You don't have permission to do that."}
	case http.StatusNotFound:
		return problem{Heading: "Page not found", Message: "We're sorry, but the requested page could not be found."}
	case http.StatusMethodNotAllowed:
		return problem{Heading: "Method not allowed", Message: "This page cannot be used that way."}
	case http.StatusRequestEntityTooLarge:
		return problem{Heading: "Request too large", Message: "The form sent was too large."}
	case http.StatusServiceUnavailable:
		return problem{Heading: "Service unavailable", Message: "Something went wrong on our side. Try again in a moment."}
	}
	return problem{Heading: http.StatusText(status)}
}

// errorPage renders the friendly page for a status.
func (p *panel) errorPage(w http.ResponseWriter, r *http.Request, status int) {
	p.problemPage(w, r, status, problemFor(status))
}

func (p *panel) problemPage(w http.ResponseWriter, r *http.Request, status int, pr problem) {
	pr.Status = status
	if pr.Heading == "" {
		pr.Heading = http.StatusText(status)
	}
	p.render(w, r, status, "error", &view{
		Title: pr.Heading, Data: pr, RequestID: w.Header().Get("X-Request-Id"),
	})
}

// csrfFailure is Django's answer to a form without a valid CSRF token.
func (p *panel) csrfFailure(w http.ResponseWriter, r *http.Request) {
	p.problemPage(w, r, http.StatusForbidden, problem{
		Heading: "CSRF verification failed. Request aborted.",
		Message: "The form was missing its security token or the token did not match your session. " +
			"Reload the page you came from and submit the form again.",
	})
}

// denied is the answer to a staff member attempting what only a superuser may do.
func (p *panel) denied(w http.ResponseWriter, r *http.Request, what string) {
	p.problemPage(w, r, http.StatusForbidden, problem{
		Heading: "Permission denied",
		Message: "Only superusers may " + what + ".",
	})
}

// internalError logs a fault with the request id and shows a page that reveals nothing of it.
// Faults of storage, hashing capacity or the limiter are all "try again": 503, as the API does.
func (p *panel) internalError(w http.ResponseWriter, r *http.Request, err error) {
	p.log.ErrorContext(r.Context(), "admin request failed", "request_id", w.Header().Get("X-Request-Id"),
		"path", r.URL.Path, "err", err)
	if errors.Is(err, auth.ErrBusy) {
		w.Header().Set("Retry-After", "1")
	}
	p.errorPage(w, r, http.StatusServiceUnavailable)
}
