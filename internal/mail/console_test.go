package mail_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	authmail "github.com/authgate/authgate/internal/mail"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

func TestConsoleSender(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	s := open(t, "console://", authmail.Options{Logger: jsonLogger(&logs)})
	if err := s.Send(context.Background(), "ada@example.com", "two_factor_code", codeData()); err != nil {
		t.Fatal(err)
	}
	var records []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		records = append(records, r)
	}
	if len(records) != 3 {
		t.Fatalf("got %d log records, want 3 (open warning, message, sent):\n%s", len(records), logs.String())
	}
	if records[0]["level"] != "WARN" || !strings.Contains(records[0]["msg"].(string), "development only") {
		t.Errorf("Open did not warn: %v", records[0])
	}
	msg := records[1]
	if msg["level"] != "WARN" || !strings.Contains(msg["msg"].(string), "development only") || !strings.Contains(msg["msg"].(string), "NOT delivered") {
		t.Errorf("message record = %v, want a WARN saying it is for development only", msg)
	}
	if msg["to"] != "ada@example.com" || msg["template"] != "two_factor_code" || msg["subject"] != "Your authgate verification code" {
		t.Errorf("message record = %v", msg)
	}
	if text, _ := msg["text"].(string); !strings.Contains(text, "    482913\n") {
		t.Errorf("text attribute lacks the code: %q", text)
	}
	raw, _ := msg["message"].(string)
	m, err := mailtest.ParseMessage([]byte(raw))
	if err != nil {
		t.Fatalf("message attribute does not parse: %v\n%s", err, raw)
	}
	if m.Header.Get("Message-ID") != msg["message_id"] || !strings.Contains(m.HTML, ">482913</p>") {
		t.Errorf("logged message: Message-ID %q, HTML %q", m.Header.Get("Message-ID"), m.HTML)
	}
	if records[2]["msg"] != "mail sent" || records[2]["via"] != "console://" {
		t.Errorf("last record = %v", records[2])
	}
}
