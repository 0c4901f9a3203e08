package openapitest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/web/openapi/openapitest"
)

// BenchmarkCheck prices what every test exchange pays: a login request and its token pair
// answer, both validated (a 2xx), against the compiled document.
func BenchmarkCheck(b *testing.B) {
	c, err := openapitest.Load()
	if err != nil {
		b.Fatal(err)
	}
	const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.c2lnbmF0dXJl"
	reqBody := []byte(`{"email":"ada@example.com","password":"correct horse battery staple"}`)
	respBody := []byte(`{"refresh":"` + jwt + `","access":"` + jwt + `"}`)
	req := httptest.NewRequest("POST", "/api/token/", strings.NewReader(string(reqBody)))
	req.Header.Set("Content-Type", "application/json")
	h := http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}}
	x := openapitest.Exchange{Request: req, RequestBody: reqBody, Status: 200, Header: h, ResponseBody: respBody}
	b.ReportAllocs()
	for b.Loop() {
		if probs := c.Check(x); len(probs) > 0 {
			b.Fatal(probs)
		}
	}
}
