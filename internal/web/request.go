package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBody is the largest request body accepted (CONTRACT: oversized body → 413).
const maxBody = 1 << 20

// maxDepth bounds JSON nesting, so a hostile body cannot make the decoder recurse deeply.
const maxDepth = 32

// input is a parsed request body: a JSON object, or form fields, as DRF's parsers produce.
type input struct {
	vals map[string]any
	errs fieldErrors
}

// fieldErrors keeps DRF's field error shape and the order fields were checked in.
type fieldErrors struct {
	order []string
	m     map[string][]string
}

func (fe *fieldErrors) add(field, msg string) {
	if fe.m == nil {
		fe.m = make(map[string][]string)
	}
	if _, ok := fe.m[field]; !ok {
		fe.order = append(fe.order, field)
	}
	fe.m[field] = append(fe.m[field], msg)
}

func (fe *fieldErrors) empty() bool { return len(fe.order) == 0 }

// MarshalJSON keeps fields in the order they were checked, as DRF's serializers do.
func (fe fieldErrors) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fe.order {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f)
		v, _ := json.Marshal(fe.m[f])
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// errBody is a request that cannot be parsed; status and body are ready to send.
type errBody struct {
	status int
	detail string
	fields *fieldErrors // when set, the body is these field errors instead of a detail
}

func (e *errBody) Error() string { return e.detail }

// readInput parses the body the way Django REST framework does: JSON, urlencoded or multipart
// forms; an empty body is an empty object whatever its type; anything else is 415.
func readInput(w http.ResponseWriter, r *http.Request) (*input, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &errBody{status: http.StatusRequestEntityTooLarge, detail: "Request body is too large."}
		}
		return nil, &errBody{status: http.StatusBadRequest, detail: "Request body could not be read."}
	}
	in := &input{vals: map[string]any{}}
	if len(body) == 0 {
		return in, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if err := checkDepth(body); err != nil {
			return nil, &errBody{status: http.StatusBadRequest, detail: "JSON parse error - " + err.Error()}
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, &errBody{status: http.StatusBadRequest, detail: "JSON parse error - " + jsonErrText(err)}
		}
		if dec.More() {
			return nil, &errBody{status: http.StatusBadRequest, detail: "JSON parse error - Extra data after the JSON value"}
		}
		obj, ok := v.(map[string]any)
		if !ok {
			fe := &fieldErrors{}
			fe.add("non_field_errors", fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", pyType(v)))
			return nil, &errBody{status: http.StatusBadRequest, fields: fe}
		}
		in.vals = obj
	case mt == "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &errBody{status: http.StatusBadRequest, detail: "Form parse error - " + err.Error()}
		}
		for k, vs := range q {
			in.vals[k] = vs[len(vs)-1]
		}
	case mt == "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		if params["boundary"] == "" {
			return nil, &errBody{status: http.StatusBadRequest, detail: "Multipart form parse error - Invalid boundary in multipart: None"}
		}
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, &errBody{status: http.StatusBadRequest, detail: "Multipart form parse error - " + err.Error()}
		}
		for k, vs := range r.MultipartForm.Value {
			in.vals[k] = vs[len(vs)-1]
		}
	default:
		return nil, &errBody{status: http.StatusUnsupportedMediaType, detail: "Unsupported media type \"" + mediaTypeForMessage(ct) + "\" in request."}
	}
	return in, nil
}

// mediaTypeForMessage echoes the client's type without control characters or excess length.
func mediaTypeForMessage(ct string) string {
	ct = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, ct)
	if len(ct) > 100 {
		ct = ct[:100]
	}
	return ct
}

func jsonErrText(err error) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "Unexpected end of JSON input"
	}
	return err.Error()
}

// checkDepth refuses JSON nested deeper than maxDepth without decoding it.
func checkDepth(b []byte) error {
	depth, inStr, esc := 0, false, false
	for _, c := range b {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			if depth++; depth > maxDepth {
				return fmt.Errorf("nesting deeper than %d levels", maxDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// str reads a DRF CharField: required unless optional, not blank, strings or numbers only.
// It returns ok=false after recording the field's error.
func (in *input) str(field string, required bool) (string, bool) {
	v, present := in.vals[field]
	if !present {
		if required {
			in.errs.add(field, "This field is required.")
		}
		return "", false
	}
	var s string
	switch x := v.(type) {
	case nil:
		in.errs.add(field, "This field may not be null.")
		return "", false
	case string:
		s = x
	case json.Number:
		s = x.String()
	default:
		in.errs.add(field, "Not a valid string.")
		return "", false
	}
	if strings.TrimSpace(s) == "" {
		in.errs.add(field, "This field may not be blank.")
		return "", false
	}
	if len(s) > 64<<10 {
		in.errs.add(field, "Ensure this field has no more than 65536 characters.")
		return "", false
	}
	return s, true
}

// boolean reads a DRF BooleanField leniently: present reports whether the field was sent at all.
func (in *input) boolean(field string) (val, present bool) {
	v, ok := in.vals[field]
	if !ok || v == nil {
		return false, false
	}
	switch x := v.(type) {
	case bool:
		return x, true
	case json.Number:
		if n, err := strconv.ParseFloat(x.String(), 64); err == nil && (n == 0 || n == 1) {
			return n == 1, true
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "1", "true", "t", "yes", "y", "on":
			return true, true
		case "0", "false", "f", "no", "n", "off", "":
			return false, true
		}
	}
	in.errs.add(field, "Must be a valid boolean.")
	return false, true
}

// pyType names a decoded JSON value's type as Python does, for DRF's message.
func pyType(v any) string {
	switch x := v.(type) {
	case []any:
		return "list"
	case string:
		return "str"
	case bool:
		return "bool"
	case nil:
		return "NoneType"
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			return "float"
		}
		return "int"
	}
	return "dict"
}
