package djangoimport

import "io"

// lines maps byte offsets of the dump to line numbers for messages. It reads the file again
// only when asked, forward from the last offset asked about, so a clean import costs nothing.
type lines struct {
	src  io.ReaderAt
	size int64
	pos  int64 // bytes counted so far
	line int   // line number at pos
	buf  []byte
}

func newLines(src io.ReaderAt, size int64) *lines {
	return &lines{src: src, size: size, line: 1, buf: make([]byte, 32<<10)}
}

// valueAt returns the line of the first byte at or after off that is neither whitespace nor a
// comma: where the record that json.Decoder.InputOffset points before starts. 0 when unknown.
func (l *lines) valueAt(off int64) int {
	if off < l.pos {
		l.pos, l.line = 0, 1
	}
	for l.pos < off {
		n, err := l.src.ReadAt(l.buf[:min(int64(len(l.buf)), off-l.pos)], l.pos)
		for _, c := range l.buf[:n] {
			if c == '\n' {
				l.line++
			}
		}
		l.pos += int64(n)
		if err != nil && l.pos < off {
			return 0
		}
	}
	line := l.line
	for at := off; at < l.size; {
		n, err := l.src.ReadAt(l.buf[:min(int64(len(l.buf)), l.size-at)], at)
		for _, c := range l.buf[:n] {
			switch c {
			case '\n':
				line++
			case ' ', '\t', '\r', ',':
			default:
				return line
			}
		}
		at += int64(n)
		if err != nil {
			break
		}
	}
	return line
}
