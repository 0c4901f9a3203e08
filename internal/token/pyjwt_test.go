package token

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

// systemPython is Debian's interpreter, which has python3-jwt (PyJWT) and python3-cryptography;
// the python3 on PATH may be another installation without them.
const systemPython = "/usr/bin/python3"

type pyResult struct {
	Error       string          `json:"error"`
	Payload     json.RawMessage `json:"payload"`
	Header      map[string]any  `json:"header"`
	Reencoded   string          `json:"reencoded"`
	Token       string          `json:"token"`
	Thumbprints []string        `json:"thumbprints"`
	Values      []string        `json:"values"`
}

// runPyJWT runs the operations through testdata/pyjwt_interop.py in one interpreter.
func runPyJWT(t *testing.T, ops []map[string]any) []pyResult {
	t.Helper()
	in, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(systemPython, "testdata/pyjwt_interop.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s(PyJWT comes from Debian's python3-jwt: apt-get install -y python3-jwt)", systemPython, err, stderr.String())
	}
	var results []pyResult
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(ops) {
		t.Fatalf("PyJWT output %q: %v", out, err)
	}
	for i, r := range results {
		if r.Error != "" {
			t.Fatalf("PyJWT op %d (%v): %s", i, ops[i]["op"], r.Error)
		}
	}
	return results
}

func pkcs8PEM(t *testing.T, k crypto.Signer) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func pkixPEM(t *testing.T, k crypto.Signer) string {
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestPyJWTInterop(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	now := time.Now().Unix()
	secret := string(testSecret)
	const uid = "5f0c6a8e-2b1d-4e3f-9a7c-1d2e3f4a5b6c"
	hs := newManager(t, Config{Signing: Key{Secret: testSecret}, Now: time.Now, Rand: randReader()})
	audM := newManager(t, Config{Signing: Key{Secret: testSecret}, Now: time.Now, Rand: randReader(),
		Audience: "api", Issuer: "https://auth.example"})
	asym := map[string]*Manager{}
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		asym[alg] = newManager(t, Config{Signing: k.signingKey(alg), Now: time.Now, Rand: randReader()})
	}
	multi := newManager(t, Config{Signing: Key{Algorithm: "ES256", Private: k.ec256}, Now: time.Now, Rand: randReader(),
		Verifying: []Key{{Algorithm: "RS256", Public: k.rsa.Public()}, {Algorithm: "EdDSA", Public: k.ed.Public()}}})

	// Round 1: PyJWT mints, authgate parses; Python's json.dumps is the reference for copies.
	refreshPayload := fmt.Sprintf(`{"token_type":"refresh","exp":%d,"iat":%d,"jti":"6f1c0e3a9b2d4c5e8f7a6b5c4d3e2f1a","user_id":%q,`+
		`"name":"Zo\u00eb \ud83d\ude00","scope":[1,2.5,{"a":1e16,"b":0.1,"c":-0.0}]}`, now+3600, now-10, uid)
	canonical := []string{
		`1.0`, `1e16`, `1E15`, `0.0001`, `0.00001`, `123456789.123`, `-0`, `-0.0`, `2.50`, `1e-7`, `5e-324`,
		`1.7976931348623157e308`, `123456789012345678901234567890`, `-12`, `0.1`, `100.0e-2`, `3.14159e+2`,
		`"é😀\u0000\u001f\u007f/<>&\"\\\b\f\n\r\t\u2028"`, `"\ud83d\ude00"`, `[ ]`, `{ }`, `{"b" : [true, false, null], "a":{}}`,
	}
	ops := []map[string]any{
		{"op": "encode", "alg": "HS256", "key": secret, "payload": json.RawMessage(refreshPayload)},
		{"op": "encode", "alg": "RS256", "key": pkcs8PEM(t, k.rsa), "headers": map[string]any{"kid": asym["RS256"].KeyID()},
			"payload": json.RawMessage(fmt.Sprintf(`{"token_type":"access","exp":%d,"iat":%d,"jti":"a","user_id":%q}`, now+60, now, uid))},
		{"op": "encode", "alg": "ES256", "key": pkcs8PEM(t, k.ec256),
			"payload": json.RawMessage(fmt.Sprintf(`{"token_type":"access","exp":%d,"iat":%d,"jti":"b","user_id":%q}`, now+60, now, uid))},
		{"op": "encode", "alg": "EdDSA", "key": pkcs8PEM(t, k.ed),
			"payload": json.RawMessage(fmt.Sprintf(`{"token_type":"access","exp":%d,"iat":%d,"jti":"c","user_id":%q}`, now+60, now, uid))},
		{"op": "dumps", "values": canonical},
	}
	r1 := runPyJWT(t, ops)

	refresh, err := hs.Parse(r1[0].Token, TypeRefresh)
	if err != nil {
		t.Fatalf("PyJWT refresh token refused: %v", err)
	}
	if refresh.UserID != uid || refresh.JTI != "6f1c0e3a9b2d4c5e8f7a6b5c4d3e2f1a" || refresh.ExpiresAt.Unix() != now+3600 || len(refresh.Extra) != 2 {
		t.Errorf("refresh claims %#v", refresh)
	}
	for i, alg := range []string{"RS256", "ES256", "EdDSA"} {
		c, err := asym[alg].Parse(r1[1+i].Token, TypeAccess)
		if err != nil || c.UserID != uid {
			t.Errorf("PyJWT %s token: %#v, %v", alg, c, err)
		}
	}
	for i, v := range canonical {
		got, err := appendPyJSON(nil, []byte(v))
		if err != nil || string(got) != r1[4].Values[i] {
			t.Errorf("re-serialising %s: got %s (%v), Python %s", v, got, err, r1[4].Values[i])
		}
	}

	// Round 2: authgate mints, PyJWT verifies; deterministic algorithms re-encode byte for byte.
	issue := func(m *Manager, typ Type) string {
		tok, _, err := m.Issue(typ, uid)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	accessTok, _, err := hs.AccessFrom(refresh)
	if err != nil {
		t.Fatal(err)
	}
	rotatedTok, _, err := hs.Rotate(refresh)
	if err != nil {
		t.Fatal(err)
	}
	ops = []map[string]any{
		{"op": "decode", "alg": "HS256", "key": secret, "sign_key": secret, "token": issue(hs, TypeAccess)},
		{"op": "decode", "alg": "HS256", "key": secret, "sign_key": secret, "token": issue(hs, TypeSliding)},
		{"op": "decode", "alg": "HS256", "key": secret, "sign_key": secret, "token": accessTok},
		{"op": "decode", "alg": "HS256", "key": secret, "sign_key": secret, "token": rotatedTok},
		{"op": "decode", "alg": "HS256", "key": secret, "sign_key": secret, "token": issue(audM, TypeAccess),
			"aud": "api", "iss": "https://auth.example"},
		{"op": "decode", "alg": "RS256", "key": pkixPEM(t, k.rsa), "sign_key": pkcs8PEM(t, k.rsa), "token": issue(asym["RS256"], TypeAccess)},
		{"op": "decode", "alg": "EdDSA", "key": pkixPEM(t, k.ed), "sign_key": pkcs8PEM(t, k.ed), "token": issue(asym["EdDSA"], TypeAccess)},
		{"op": "decode", "alg": "PS256", "key": pkixPEM(t, k.rsa), "token": issue(asym["PS256"], TypeAccess)},
		{"op": "decode", "alg": "ES256", "key": pkixPEM(t, k.ec256), "token": issue(asym["ES256"], TypeAccess)},
	}
	for _, alg := range []string{"RS256", "EdDSA", "ES256"} {
		doc, _ := asym[alg].JWKS()
		ops = append(ops, map[string]any{"op": "decode_jwks", "alg": alg, "jwks": string(doc), "token": issue(asym[alg], TypeAccess)})
	}
	multiDoc, _ := multi.JWKS()
	ops = append(ops, map[string]any{"op": "decode_jwks", "alg": "ES256", "jwks": string(multiDoc), "token": issue(multi, TypeAccess)})
	r2 := runPyJWT(t, ops)

	for i, r := range r2 {
		tok := ops[i]["token"].(string)
		if _, signed := ops[i]["sign_key"]; signed && r.Reencoded != tok {
			t.Errorf("op %d (%s): PyJWT re-encodes the claims differently:\n ours %s\n py   %s", i, ops[i]["alg"], tok, r.Reencoded)
		}
		_, payload := decodeSegments(t, tok)
		var py, ours any
		if err := json.Unmarshal(r.Payload, &py); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(payload), &ours); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(py, ours) {
			t.Errorf("op %d: PyJWT reads %s, token holds %s", i, r.Payload, payload)
		}
	}
	if !strings.Contains(string(r2[2].Payload), `"token_type": "access"`) || !strings.Contains(string(r2[2].Payload), `"name"`) {
		t.Errorf("access from refresh, as PyJWT reads it: %s", r2[2].Payload)
	}
	if kid, _ := r2[5].Header["kid"].(string); kid != asym["RS256"].KeyID() {
		t.Errorf("RS256 kid %q", kid)
	}
	var kids []string
	for _, m := range []*Manager{asym["RS256"], asym["EdDSA"], asym["ES256"]} {
		kids = append(kids, m.KeyID())
	}
	for i := range 3 {
		if got := r2[9+i].Thumbprints; len(got) != 1 || got[0] != kids[i] {
			t.Errorf("RFC 7638 thumbprint by Python %v, kid %s", got, kids[i])
		}
	}
	var multiKIDs []string
	for _, key := range multi.keys {
		multiKIDs = append(multiKIDs, key.kid)
	}
	if got := r2[12].Thumbprints; !reflect.DeepEqual(got, multiKIDs) {
		t.Errorf("multi-key thumbprints by Python %v, kids %v", got, multiKIDs)
	}
}
