// Package openapitest holds authgate's HTTP exchanges to its OpenAPI document: a Checker
// validates a request and its response against openapi.yaml, and Handler wraps a server so
// that every exchange a test causes is checked, a mismatch failing that test.
//
// Responses are always validated: every answer, errors included, must be one the document
// describes (status, headers, body). Requests are validated when the server accepted them (a
// 2xx answer): a request the server took must be one the document allows, or the document is
// stricter than the server. A refused request is not held to the document, since tests send
// invalid ones on purpose (hostile input, malformed JSON, missing fields); what the document
// says about it is its error answer, which is validated.
package openapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"

	"github.com/authgate/authgate/internal/web/openapi"
)

// htmlTrees are the path trees of pages for people, which the document leaves out: the admin
// panel, and the pages account mails link to.
var htmlTrees = []string{"/admin", "/accounts/"}

// methodOrder is the order in which the server's Allow header lists methods (web.allow).
var methodOrder = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// Checker validates exchanges against the document. It is safe for concurrent use.
type Checker struct {
	Doc       libopenapi.Document
	Model     *v3.Document
	validator validator.Validator
	paths     []docPath
	errSchema *base.Schema
	// authSchema is AuthenticationError, the body of a 401 on a path with x-authenticate-first.
	authSchema *base.Schema
	schemas    schema_validation.SchemaValidator
}

// docPath is one path of the document, matched as the server's dispatch matches routes.
type docPath struct {
	template string   // as written, e.g. /api/sessions/{id}/
	segs     []string // without the trailing slash
	item     *v3.PathItem
	methods  []string // upper case, in methodOrder
}

var load = sync.OnceValues(func() (*Checker, error) { return New(openapi.YAML) })

// Load returns the Checker of the embedded document, built once per process.
func Load() (*Checker, error) { return load() }

// New builds a Checker for a document.
func New(spec []byte) (*Checker, error) {
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		return nil, fmt.Errorf("openapitest: %w", err)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("openapitest: %w", err)
	}
	c := &Checker{Doc: doc, Model: &m.Model, schemas: schema_validation.NewSchemaValidator()}
	c.validator = validator.NewValidatorFromV3Model(c.Model)
	for p := m.Model.Paths.PathItems.First(); p != nil; p = p.Next() {
		dp := docPath{template: p.Key(), item: p.Value(),
			segs: strings.Split(strings.Trim(p.Key(), "/"), "/")}
		for op := p.Value().GetOperations().First(); op != nil; op = op.Next() {
			dp.methods = append(dp.methods, strings.ToUpper(op.Key()))
		}
		slices.SortFunc(dp.methods, func(a, b string) int {
			return slices.Index(methodOrder, a) - slices.Index(methodOrder, b)
		})
		c.paths = append(c.paths, dp)
	}
	if s := m.Model.Components.Schemas.GetOrZero("Error"); s != nil {
		c.errSchema = s.Schema()
	}
	if s := m.Model.Components.Schemas.GetOrZero("AuthenticationError"); s != nil {
		c.authSchema = s.Schema()
	}
	if c.errSchema == nil || c.authSchema == nil {
		return nil, fmt.Errorf("openapitest: the document lacks the Error or AuthenticationError schema")
	}
	return c, nil
}

// Operations lists the document's operations as "METHOD /path/".
func (c *Checker) Operations() []string {
	var out []string
	for _, p := range c.paths {
		for _, m := range p.methods {
			out = append(out, m+" "+p.template)
		}
	}
	return out
}

// find matches a request path as web's dispatch does: with or without its trailing slash, exact
// paths before templated ones.
func (c *Checker) find(path string) (*docPath, bool) {
	key := strings.Trim(path, "/")
	for i := range c.paths {
		if strings.Join(c.paths[i].segs, "/") == key && !strings.Contains(c.paths[i].template, "{") {
			return &c.paths[i], true
		}
	}
	segs := strings.Split(key, "/")
	for i := range c.paths {
		p := &c.paths[i]
		if !strings.Contains(p.template, "{") || len(p.segs) != len(segs) {
			continue
		}
		ok := true
		for j, s := range p.segs {
			if segs[j] == "" || !strings.HasPrefix(s, "{") && s != segs[j] {
				ok = false
				break
			}
		}
		if ok {
			return p, true
		}
	}
	return nil, false
}

// Exchange is one request and the answer to it, bodies read.
type Exchange struct {
	Request      *http.Request
	RequestBody  []byte
	Status       int
	Header       http.Header
	ResponseBody []byte
}

// Operation names the exchange's operation as the document does ("POST /api/token/"), or
// its request's method and path when the document has none.
func (c *Checker) Operation(x Exchange) string {
	if p, ok := c.find(x.Request.URL.Path); ok {
		return x.Request.Method + " " + p.template
	}
	return x.Request.Method + " " + x.Request.URL.Path
}

// Check returns what in the exchange the document does not describe; nothing when it all fits.
func (c *Checker) Check(x Exchange) []string {
	path := x.Request.URL.Path
	for _, t := range htmlTrees {
		if path == strings.TrimSuffix(t, "/") || strings.HasPrefix(path, t) || strings.HasPrefix(path, t+"/") {
			return nil
		}
	}
	method := x.Request.Method
	p, ok := c.find(path)
	switch {
	case method == http.MethodOptions:
		return c.checkOptions(x, p, ok)
	case !ok:
		return c.generic(x, http.StatusNotFound, "the document has no such path")
	}
	if method == http.MethodHead {
		method = http.MethodGet
	}
	if !slices.Contains(p.methods, method) {
		// Djoser's users/ views authenticate before they look at the method (x-authenticate-first).
		if x.Status == http.StatusUnauthorized && extensionTrue(p.item.Extensions, "x-authenticate-first") {
			return c.unauthorized(x)
		}
		probs := c.generic(x, http.StatusMethodNotAllowed, "the document has no "+method+" for this path")
		return append(probs, c.checkAllow(x, p)...)
	}

	// The validator reads the canonical path (the document's trailing slash) and fresh bodies.
	req := x.Request.Clone(x.Request.Context())
	req.Method = method
	req.URL.Path = canonical(path, p.template)
	req.URL.RawPath = ""
	reqBody := asJSON(req.Header, x.RequestBody)
	resp := &http.Response{StatusCode: x.Status, Header: x.Header.Clone(), Request: req,
		Body: io.NopCloser(bytes.NewReader(x.ResponseBody))}

	var probs []string
	declared := p.item.GetOperations().GetOrZero(strings.ToLower(method)).Responses.Codes.GetOrZero(strconv.Itoa(x.Status))
	if x.Request.Method == http.MethodHead {
		if declared == nil {
			probs = append(probs, fmt.Sprintf("status %d is not among the operation's responses", x.Status))
		}
		return probs
	}
	// A response the document gives no content (204, 304) has no body; one marked x-empty-body
	// may also come with an empty body and no Content-Type (Djoser's bare 400s).
	noContent := declared != nil && orderedmap.Len(declared.Content) == 0
	bare := len(x.ResponseBody) == 0 && x.Header.Get("Content-Type") == ""
	switch {
	case noContent && len(x.ResponseBody) > 0:
		probs = append(probs, fmt.Sprintf("the document gives %d no body, and the answer has one", x.Status))
	case declared != nil && bare && extensionTrue(declared.Extensions, "x-empty-body"):
	default:
		if _, errs := c.validator.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(req, resp, p.item, p.template); len(errs) > 0 {
			probs = append(probs, describe("response", errs)...)
		}
	}
	if x.Status >= 200 && x.Status < 300 {
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		req.ContentLength = int64(len(reqBody))
		if _, errs := c.validator.ValidateHttpRequestSyncWithPathItem(req, p.item, p.template); len(errs) > 0 {
			probs = append(probs, describe("request", errs)...)
		}
	}
	return probs
}

func extensionTrue(ext *orderedmap.Map[string, *yaml.Node], name string) bool {
	n := ext.GetOrZero(name)
	return n != nil && n.Value == "true"
}

// checkOptions holds OPTIONS answers to the conventions of the document's description: a CORS
// preflight is 204 or 403; any other OPTIONS is 200 {} with Allow listing the path's methods.
func (c *Checker) checkOptions(x Exchange, p *docPath, known bool) []string {
	r := x.Request
	if r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != "" {
		switch x.Status { // with CORS off, a preflight is a plain OPTIONS
		case http.StatusNoContent:
			if len(x.ResponseBody) > 0 {
				return []string{"a preflight's 204 has a body"}
			}
			return nil
		case http.StatusForbidden:
			return c.errorBody(x)
		}
	}
	if !known {
		return c.generic(x, http.StatusNotFound, "the document has no such path")
	}
	var probs []string
	if x.Status != http.StatusOK || strings.TrimSpace(string(x.ResponseBody)) != "{}" {
		probs = append(probs, fmt.Sprintf("OPTIONS is answered 200 {}, not %d %s", x.Status, clip(x.ResponseBody)))
	}
	return append(probs, c.checkAllow(x, p)...)
}

// checkAllow compares the Allow header with the methods the document lists for the path.
func (c *Checker) checkAllow(x Exchange, p *docPath) []string {
	want := strings.Join(append(slices.Clone(p.methods), "OPTIONS"), ", ")
	if got := x.Header.Get("Allow"); got != want {
		return []string{fmt.Sprintf("Allow is %q; the document lists %q", got, want)}
	}
	return nil
}

// generic checks an answer that no operation describes: the conventions' 404 and 405.
func (c *Checker) generic(x Exchange, want int, why string) []string {
	if x.Status != want {
		return []string{fmt.Sprintf("%s, so the answer must be %d, not %d", why, want, x.Status)}
	}
	return c.errorBody(x)
}

// errorBody checks a body against the document's Error schema ({"detail", "code"?}).
func (c *Checker) errorBody(x Exchange) []string {
	if mt := mediaType(x.Header.Get("Content-Type")); mt != "application/json" {
		return []string{fmt.Sprintf("%d answer of type %q, want application/json", x.Status, mt)}
	}
	if _, errs := c.schemas.ValidateSchemaBytes(c.errSchema, x.ResponseBody); len(errs) > 0 {
		return describe("response", errs)
	}
	return nil
}

// unauthorized checks a 401 that no operation describes against the Unauthorized response.
func (c *Checker) unauthorized(x Exchange) []string {
	var probs []string
	if x.Header.Get("WWW-Authenticate") == "" {
		probs = append(probs, "a 401 without WWW-Authenticate")
	}
	if _, errs := c.schemas.ValidateSchemaBytes(c.authSchema, x.ResponseBody); len(errs) > 0 {
		probs = append(probs, describe("response", errs)...)
	}
	return probs
}

// canonical is the request path written as the document writes it (trailing slash or not).
func canonical(path, template string) string {
	path = strings.TrimSuffix(path, "/")
	if strings.HasSuffix(template, "/") {
		return path + "/"
	}
	return path
}

// asJSON returns a request body as the server reads it: a form (urlencoded or multipart) as the
// JSON object of its fields, the last value of each (request.go, as DRF's QueryDict does), and
// any +json type as JSON; h's Content-Type is set to match. Each declared media type of the
// document has the same schema, so the JSON one stands for all. A number where a string is
// expected is read as that string (DRF's CharField, a convention the document states once):
// numbers become their text here.
func asJSON(h http.Header, body []byte) []byte {
	ct := h.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	var vals map[string][]string
	switch {
	case mt == "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return body
		}
		vals = q
	case mt == "multipart/form-data":
		f, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(1 << 20)
		if err != nil {
			return body
		}
		defer f.RemoveAll()
		vals = f.Value
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		h.Set("Content-Type", "application/json")
		return numbersAsText(body)
	default:
		return body
	}
	obj := make(map[string]string, len(vals))
	for k, vs := range vals {
		obj[k] = vs[len(vs)-1]
	}
	b, _ := json.Marshal(obj)
	h.Set("Content-Type", "application/json")
	return b
}

// numbersAsText rewrites the numbers among a JSON object's fields as strings.
func numbersAsText(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj map[string]any
	if dec.Decode(&obj) != nil {
		return body
	}
	changed := false
	for k, v := range obj {
		if n, ok := v.(json.Number); ok {
			obj[k], changed = n.String(), true
		}
	}
	if !changed {
		return body
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return b
}

func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// describe turns the validator's errors into one line each, with the schema failures that
// explain them and the document line they point at.
func describe(what string, errs []*liberrors.ValidationError) []string {
	var out []string
	for _, e := range errs {
		s := what + ": " + e.Message
		if e.Reason != "" && e.Reason != e.Message {
			s += ": " + e.Reason
		}
		for _, f := range e.SchemaValidationErrors {
			s += "; " + f.Reason
			if f.FieldPath != "" {
				s += " at " + f.FieldPath
			}
		}
		if e.SpecLine > 0 {
			s += fmt.Sprintf(" (openapi.yaml line %d)", e.SpecLine)
		}
		out = append(out, s)
	}
	return out
}

func clip(b []byte) string {
	const n = 300
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// Reporter is what Handler reports mismatches to: a *testing.T or *testing.B.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// Handler serves next, and reports to t every exchange the document does not describe, with the
// operation, the status and the validator's findings. The HTML trees are passed through
// untouched. The document and its validator are compiled once per process (Load).
func Handler(t Reporter, next http.Handler) http.Handler {
	c, err := Load()
	if err != nil {
		t.Errorf("openapi: %v", err)
		return next
	}
	return c.Handler(t, next)
}

// Handler is the package's Handler for this Checker's document.
func (c *Checker) Handler(t Reporter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, tr := range htmlTrees {
			if r.URL.Path == strings.TrimSuffix(tr, "/") || strings.HasPrefix(r.URL.Path, tr) {
				next.ServeHTTP(w, r)
				return
			}
		}
		reqBody := &teeBody{rc: r.Body}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = reqBody
		}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if rec.header == nil {
			rec.header = w.Header().Clone()
		}
		x := Exchange{Request: r, RequestBody: reqBody.buf.Bytes(), Status: rec.status, Header: rec.header,
			ResponseBody: rec.body.Bytes()}
		if probs := c.Check(x); len(probs) > 0 {
			t.Errorf("openapi: %s → %d %s\n\t%s\n\tanswer: %s", c.Operation(x), x.Status,
				x.Header.Get("Content-Type"), strings.Join(probs, "\n\t"), clip(x.ResponseBody))
		}
	})
}

// teeBody keeps what the handler reads of the request body (all of it, for any 2xx answer).
type teeBody struct {
	rc  io.ReadCloser
	buf bytes.Buffer
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.buf.Write(p[:n])
	return n, err
}

func (b *teeBody) Close() error { return b.rc.Close() }

// recorder passes the answer through and keeps a copy: its status, its headers as sent, and
// its body.
type recorder struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
		r.header = r.ResponseWriter.Header().Clone()
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
