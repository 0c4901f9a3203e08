package mail

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// fileTransport writes each message to its own .eml file, which mail clients open as is.
type fileTransport struct {
	dir string
}

func newFileTransport(dir string) (fileTransport, error) {
	// 0700: the messages hold live codes and reset tokens.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fileTransport{}, fmt.Errorf("mail: file sender: %w", err)
	}
	return fileTransport{dir: dir}, nil
}

// deliver writes to a temporary file and renames it, so a reader watching the directory never
// sees half a message. Names sort by the message's date.
func (t fileTransport) deliver(ctx context.Context, out *outgoing) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := out.date.UTC().Format("20060102T150405.000000000Z") + "_" + fileSafe(out.id) + ".eml"
	f, err := os.CreateTemp(t.dir, ".tmp-*.eml")
	if err != nil {
		return fmt.Errorf("file: %w", err)
	}
	tmp := f.Name()
	if _, err := f.Write(out.raw); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("file: write %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("file: close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, filepath.Join(t.dir, name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("file: %w", err)
	}
	return nil
}

// fileSafe keeps a Message-ID's letters, digits and ".-_@" and drops its angle brackets.
func fileSafe(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == '@':
			return r
		case r == '<' || r == '>':
			return -1
		default:
			return '_'
		}
	}, id)
}
