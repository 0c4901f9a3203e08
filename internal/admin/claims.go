package admin

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// decoded is a stored token's header and claims, pretty-printed, and the times it names.
type decoded struct {
	Header string
	Claims string
	Times  []claimTime
}

// claimTime is a NumericDate claim shown as a date.
type claimTime struct {
	Name string
	At   time.Time
}

// errNotJWT means the stored token is not three base64url segments with JSON in the first two.
var errNotJWT = errors.New("admin: stored token is not a JWS with JSON header and claims")

// decodeToken reads a stored token's header and payload without verifying the signature. It is
// our own stored copy, shown to an administrator; nothing here is trusted for a decision.
// Key order is kept as the token has it.
func decodeToken(raw string) (decoded, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return decoded{}, errNotJWT
	}
	header, err := prettySegment(parts[0])
	if err != nil {
		return decoded{}, err
	}
	claims, err := prettySegment(parts[1])
	if err != nil {
		return decoded{}, err
	}
	d := decoded{Header: header, Claims: claims}
	var numeric map[string]json.RawMessage
	if err := json.Unmarshal([]byte(claims), &numeric); err != nil {
		return decoded{}, errNotJWT
	}
	for _, name := range []string{"iat", "nbf", "exp", "refresh_exp"} {
		var secs float64
		if v, ok := numeric[name]; ok && json.Unmarshal(v, &secs) == nil && secs > 0 && secs < 1e11 {
			d.Times = append(d.Times, claimTime{Name: name, At: time.Unix(int64(secs), 0).UTC()})
		}
	}
	return d, nil
}

func prettySegment(seg string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return "", errNotJWT
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return "", errNotJWT
	}
	return out.String(), nil
}
