package mail

import "testing"

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"smtp://u:secret@host:587":       "smtp://u:xxxxx@host:587",
		"smtp://u:sec/ret@host:587":      "smtp://u:xxxxx@host:587",
		"smtp://u:secret@host:bad":       "smtp://u:xxxxx@host:bad",
		"smtp://u:se%zzcret@host":        "smtp://u:xxxxx@host",
		"smtp://u:a@b@host":              "smtp://u:xxxxx@host",
		"smtp://host:587?starttls=false": "smtp://host:587?starttls=false",
		"smtp://u@host":                  "smtp://u@host",
		"smtp:///:secret@host":           "smtp:///:xxxxx@host",
		"smtp://u@#:secret@host":         "smtp://u@#:xxxxx@host",
		"file:///var/a:b@c":              "file:///var/a:b@c",
		"no scheme at all":               "no scheme at all",
		"user:secret@mail.example.com":   "user:xxxxx@mail.example.com",
		"smtp:user:secret@host":          "smtp:xxxxx@host",
		"smtp://h?x:secret@h":            "smtp://h?x:xxxxx@h",
	}
	for in, want := range tests {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStripQuoted(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`invalid port ":pa/ss" after host`: `invalid port "…" after host`,
		`a "x\"y" b "z"`:                   `a "…" b "…"`,
		`unterminated "abc`:                `unterminated "…"`,
		`no quotes`:                        `no quotes`,
	}
	for in, want := range tests {
		if got := stripQuoted(in); got != want {
			t.Errorf("stripQuoted(%q) = %q, want %q", in, got, want)
		}
	}
}
