package mail

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// outgoing is one message ready for a transport.
type outgoing struct {
	template string
	from     string // envelope sender (MAIL FROM)
	to       string // envelope recipient (RCPT TO)
	id       string // Message-ID, with angle brackets
	date     time.Time
	content  rendered
	raw      []byte // the RFC 5322 message, CRLF line endings
}

// maxHeaderLine is RFC 5322 section 2.1.1's recommended line length.
const maxHeaderLine = 78

// buildMessage encodes content as a multipart/alternative message (RFC 2046 section 5.1.4): the
// plain text first, so clients that cannot show HTML fall back to it, both parts UTF-8 in
// quoted-printable, which keeps every line 7-bit and under 76 characters (RFC 2045 section 6.7).
func buildMessage(from, to *mail.Address, c rendered, date time.Time, random io.Reader) (id string, raw []byte, err error) {
	id, err = messageID(from.Address, random)
	if err != nil {
		return "", nil, err
	}
	boundary, err := randomHex(random, 12)
	if err != nil {
		return "", nil, err
	}
	var b bytes.Buffer
	writeHeader(&b, "Date", date.Format(time.RFC1123Z))
	writeHeader(&b, "From", formatAddress(from))
	writeHeader(&b, "To", formatAddress(to))
	writeHeader(&b, "Subject", encodeText(c.Subject))
	writeHeader(&b, "Message-ID", id)
	writeHeader(&b, "MIME-Version", "1.0")
	// RFC 3834: keeps vacation responders from answering a no-reply sender.
	writeHeader(&b, "Auto-Submitted", "auto-generated")

	mw := multipart.NewWriter(&b)
	if err := mw.SetBoundary("authgate-" + boundary); err != nil {
		return "", nil, fmt.Errorf("boundary: %w", err)
	}
	writeHeader(&b, "Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	if err := writePart(mw, "text/plain", c.Text); err != nil {
		return "", nil, err
	}
	if err := writePart(mw, "text/html", c.HTML); err != nil {
		return "", nil, err
	}
	if err := mw.Close(); err != nil {
		return "", nil, fmt.Errorf("close multipart: %w", err)
	}
	return id, b.Bytes(), nil
}

func writePart(mw *multipart.Writer, mediaType, body string) error {
	w, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {mime.FormatMediaType(mediaType, map[string]string{"charset": "utf-8"})},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return fmt.Errorf("%s part: %w", mediaType, err)
	}
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, body); err != nil {
		return fmt.Errorf("%s part: %w", mediaType, err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("%s part: %w", mediaType, err)
	}
	return nil
}

// writeHeader writes one field, folded at spaces to keep lines near 78 characters (RFC 5322
// section 2.2.3). Values come from net/mail or mime encoders or are fixed, so they hold no CR or LF.
func writeHeader(b *bytes.Buffer, name, value string) {
	line := len(name) + 1
	b.WriteString(name)
	b.WriteByte(':')
	for _, word := range strings.Split(value, " ") {
		if line > len(name)+1 && line+1+len(word) > maxHeaderLine {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteByte(' ')
		b.WriteString(word)
		line += 1 + len(word)
	}
	b.WriteString("\r\n")
}

// formatAddress writes a name-addr, the name RFC 2047 encoded in short words when not ASCII.
func formatAddress(a *mail.Address) string {
	if a.Name == "" || isPrintableASCII(a.Name) {
		return a.String()
	}
	return encodeText(a.Name) + " <" + a.Address + ">"
}

// encodeText returns s as is when it is printable ASCII, else as RFC 2047 encoded-words in
// UTF-8 "Q" encoding. mime.QEncoding makes words of up to 75 characters, which cannot fold
// and, after "Subject: ", overrun the 76 characters RFC 2047 section 2 allows a line holding
// one; here each word carries at most qPayload encoded characters and never splits a character.
func encodeText(s string) string {
	if isPrintableASCII(s) {
		return s
	}
	const qPayload = 45
	var words []string
	var word strings.Builder
	for _, r := range s {
		var enc strings.Builder
		for _, c := range []byte(string(r)) {
			switch {
			case c == ' ':
				enc.WriteByte('_')
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("!*+-/", c) >= 0:
				enc.WriteByte(c)
			default:
				fmt.Fprintf(&enc, "=%02X", c)
			}
		}
		if word.Len() > 0 && word.Len()+enc.Len() > qPayload {
			words = append(words, "=?utf-8?q?"+word.String()+"?=")
			word.Reset()
		}
		word.WriteString(enc.String())
	}
	if word.Len() > 0 {
		words = append(words, "=?utf-8?q?"+word.String()+"?=")
	}
	return strings.Join(words, " ")
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// messageID makes a globally unique Message-ID (RFC 5322 section 3.6.4) in the sender's domain.
func messageID(fromAddress string, random io.Reader) (string, error) {
	r, err := randomHex(random, 16)
	if err != nil {
		return "", err
	}
	domain := "authgate.invalid"
	if at := strings.LastIndexByte(fromAddress, '@'); at >= 0 && at < len(fromAddress)-1 {
		domain = fromAddress[at+1:]
	}
	return "<" + r + "@" + domain + ">", nil
}

func randomHex(random io.Reader, n int) (string, error) {
	buf := make([]byte, n)
	if _, err := io.ReadFull(random, buf); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(buf), nil
}
