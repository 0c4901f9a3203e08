package token

// JWS compact serialisation uses base64url without padding (RFC 7515 §2). Decoding is strict:
// only the 64 alphabet characters, no padding, no line breaks, and the unused low bits of the
// last character must be zero, so each token has exactly one spelling.

// b64Table maps a byte to its 6-bit base64url value, or 0xFF.
const b64Table = "" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x3e\xff\xff" +
	"\x34\x35\x36\x37\x38\x39\x3a\x3b\x3c\x3d\xff\xff\xff\xff\xff\xff" +
	"\xff\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e" +
	"\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\xff\xff\xff\xff\x3f" +
	"\xff\x1a\x1b\x1c\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25\x26\x27\x28" +
	"\x29\x2a\x2b\x2c\x2d\x2e\x2f\x30\x31\x32\x33\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"

// decodedLen is the length of the bytes encoded by n base64url characters, or -1 when no
// unpadded encoding has n characters.
func decodedLen(n int) int {
	if n%4 == 1 {
		return -1
	}
	return n/4*3 + [4]int{0, 0, 1, 2}[n%4]
}

// appendB64 decodes the unpadded base64url text s onto dst.
func appendB64(dst []byte, s string) ([]byte, bool) {
	n := decodedLen(len(s))
	if n < 0 {
		return dst, false
	}
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	out := dst[start:]
	i, o := 0, 0
	for ; i+4 <= len(s); i, o = i+4, o+3 {
		a, b, c, d := b64Table[s[i]], b64Table[s[i+1]], b64Table[s[i+2]], b64Table[s[i+3]]
		if a|b|c|d == 0xFF {
			return dst[:start], false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		out[o], out[o+1], out[o+2] = byte(v>>16), byte(v>>8), byte(v)
	}
	switch len(s) - i {
	case 2:
		a, b := b64Table[s[i]], b64Table[s[i+1]]
		if a|b == 0xFF || b&0x0F != 0 { // 4 unused bits must be zero
			return dst[:start], false
		}
		out[o] = a<<2 | b>>4
	case 3:
		a, b, c := b64Table[s[i]], b64Table[s[i+1]], b64Table[s[i+2]]
		if a|b|c == 0xFF || c&0x03 != 0 { // 2 unused bits must be zero
			return dst[:start], false
		}
		out[o], out[o+1] = a<<2|b>>4, b<<4|c>>2
	}
	return dst, true
}
