package token

import "strings"

// keysFor returns the keys a token with the encoded header seg may be verified with. The
// algorithm comes from configuration: the header's "alg" must only agree with the key's
// (RFC 8725 §3.1), its "kid" is only looked up among the configured keys, and jku, x5u, jwk
// and x5c are never followed.
func (m *Manager) keysFor(seg string, buf []byte) []*key {
	if keys, ok := m.known[seg]; ok {
		return keys
	}
	raw, ok := appendB64(buf[:0], seg)
	if !ok {
		return nil
	}
	var stack [8]member
	ms, ok := parseObject(raw, stack[:0])
	if !ok {
		return nil
	}
	var alg, kid string
	hasKID := false
	for _, mb := range ms {
		name := memberName(raw, mb)
		switch name {
		case "alg":
			if mb.kind != '"' {
				return nil
			}
			alg = stringValue(raw, mb)
		case "kid":
			if mb.kind != '"' {
				return nil
			}
			kid, hasKID = stringValue(raw, mb), true
		case "typ":
			// RFC 7515 §4.1.9: a media type, "JWT" as PyJWT writes it (RFC 7519 §5.1).
			if mb.kind != '"' {
				return nil
			}
			typ := stringValue(raw, mb)
			if !strings.EqualFold(typ, "JWT") && !strings.EqualFold(typ, "application/jwt") {
				return nil
			}
		case "crit":
			return nil // no extension is understood (RFC 7515 §4.1.11)
		case "b64":
			// RFC 7797 unencoded payloads change the signing input; PyJWT honours them.
			if string(raw[mb.valStart:mb.valEnd]) != "true" {
				return nil
			}
		}
	}
	if hasKID {
		k := m.byKID[kid]
		if k == nil || k.alg.name != alg {
			return nil
		}
		return k.self
	}
	return m.byAlg[alg]
}
