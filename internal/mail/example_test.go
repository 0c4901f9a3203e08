package mail_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/authgate/authgate/internal/mail"
)

// The console sender logs messages instead of delivering them, for development. This logger
// keeps a few attributes; the real records also hold the text and the whole MIME message.
func ExampleOpen_console() {
	keep := map[string]bool{"level": true, "msg": true, "template": true, "to": true, "subject": true, "via": true}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if !keep[a.Key] {
				return slog.Attr{}
			}
			return a
		},
	}))
	sender, err := mail.Open("console://", mail.Options{Logger: logger})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = sender.Send(context.Background(), "ada@example.com", "password_changed", map[string]any{"email": "ada@example.com"})
	fmt.Println("error:", err)
	// Output:
	// level=WARN msg="mail: console sender in use: messages are logged, not delivered; for development only"
	// level=WARN msg="mail: console sender, for development only: this message was NOT delivered and is logged in full, secrets (codes, reset tokens) included" template=password_changed to=ada@example.com subject="authgate - Your password has been successfully changed!"
	// level=INFO msg="mail sent" template=password_changed via=console://
	// error: <nil>
}

// Open refuses a URL it cannot use, naming it without its password.
func ExampleOpen_badURL() {
	_, err := mail.Open("smtp://mailer:hunter2@mail.example.com:587?starttls=false", mail.Options{})
	fmt.Println(err)
	// Output:
	// mail: URL "smtp://mailer:xxxxx@mail.example.com:587?starttls=false": refusing to send credentials without TLS to mail.example.com; use starttls=true or smtps://
}
