package mailtest

// Option configures a Server.
type Option func(*config)

type config struct {
	startTLS    bool
	implicitTLS bool
	user, pass  string
	failCode    int
}

// WithStartTLS makes the server offer STARTTLS with a self-signed certificate made for this
// server, and require it before AUTH and MAIL.
func WithStartTLS() Option {
	return func(c *config) { c.startTLS = true }
}

// WithImplicitTLS makes the server speak TLS from the first byte, as on port 465 (smtps).
func WithImplicitTLS() Option {
	return func(c *config) { c.implicitTLS = true }
}

// WithAuth makes the server offer AUTH PLAIN and require it before MAIL.
func WithAuth(user, pass string) Option {
	return func(c *config) { c.user, c.pass = user, pass }
}

// WithFailure makes the server reject every message at the end of DATA with code (4xx or 5xx).
func WithFailure(code int) Option {
	return func(c *config) { c.failCode = code }
}
