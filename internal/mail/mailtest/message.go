package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Message is one message the server accepted, parsed.
type Message struct {
	From    string      // envelope sender (MAIL FROM)
	To      []string    // envelope recipients (RCPT TO)
	Raw     []byte      // as received, CRLF line endings
	Header  mail.Header // the top-level header fields
	Subject string      // RFC 2047 decoded
	Text    string      // the first text/plain part, transfer encoding undone, LF line endings
	HTML    string      // the first text/html part, transfer encoding undone, LF line endings
}

// ParseMessage reads an RFC 5322 message: its header with net/mail, its text and HTML bodies
// with mime/multipart, nested multiparts included, undoing quoted-printable and base64. Envelope
// fields stay empty. It rejects what a mail client would misread: a malformed header, media type
// or transfer encoding, a charset other than UTF-8 or US-ASCII.
func ParseMessage(raw []byte) (Message, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("header: %w", err)
	}
	msg := Message{Raw: raw, Header: m.Header}
	if msg.Subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		return Message{}, fmt.Errorf("subject: %w", err)
	}
	if err := msg.walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, 0); err != nil {
		return Message{}, err
	}
	return msg, nil
}

// maxDepth bounds multipart nesting.
const maxDepth = 8

func (msg *Message) walk(contentType, encoding string, body io.Reader, depth int) error {
	if depth > maxDepth {
		return errors.New("multipart nested too deep")
	}
	if contentType == "" {
		contentType = "text/plain; charset=us-ascii" // RFC 2045 section 5.2
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if params["boundary"] == "" {
			return fmt.Errorf("%s without a boundary", mediaType)
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mediaType, err)
			}
			if err := msg.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1); err != nil {
				return err
			}
		}
	}
	var dst *string
	switch mediaType {
	case "text/plain":
		dst = &msg.Text
	case "text/html":
		dst = &msg.HTML
	default:
		return nil
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return fmt.Errorf("%s: unsupported charset %q", mediaType, cs)
	}
	decoded, err := decodeBody(encoding, body)
	if err != nil {
		return fmt.Errorf("%s: %w", mediaType, err)
	}
	if *dst == "" {
		*dst = strings.ReplaceAll(string(decoded), "\r\n", "\n")
	}
	return nil
}

func decodeBody(encoding string, body io.Reader) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "7bit", "8bit", "binary":
		return io.ReadAll(body)
	case "quoted-printable":
		b, err := io.ReadAll(quotedprintable.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("quoted-printable: %w", err)
		}
		return b, nil
	case "base64":
		b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, body))
		if err != nil {
			return nil, fmt.Errorf("base64: %w", err)
		}
		return b, nil
	default:
		return nil, fmt.Errorf("unknown transfer encoding %q", encoding)
	}
}
