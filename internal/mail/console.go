package mail

import (
	"context"
	"log/slog"
)

// consoleWarning heads every message the console sender logs.
const consoleWarning = "mail: console sender, for development only: this message was NOT delivered and is logged in full, secrets (codes, reset tokens) included"

// consoleTransport logs messages instead of sending them.
type consoleTransport struct {
	log *slog.Logger
}

func (t consoleTransport) deliver(ctx context.Context, out *outgoing) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.log.LogAttrs(ctx, slog.LevelWarn, consoleWarning,
		slog.String("template", out.template),
		slog.String("to", out.to),
		slog.String("message_id", out.id),
		slog.String("subject", out.content.Subject),
		slog.String("text", out.content.Text),
		slog.String("message", string(out.raw)),
	)
	return nil
}
