package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"strings"
	texttemplate "text/template"
)

//go:embed templates/*.txt templates/*.html
var embedded embed.FS

// ErrUnknownTemplate is wrapped by Send when no template has the given name.
var ErrUnknownTemplate = errors.New("unknown mail template")

// templateNames are the messages authgate sends (auth.Mailer's documented names).
func templateNames() []string {
	return []string{"two_factor_code", "password_reset", "two_factor_changed", "password_changed",
		"activation", "activated", "signup_attempt", "email_reset", "email_change", "username_changed",
		"email_changed", "invitation", "recovery_codes_regenerated", "second_factor_locked", "second_factor_changed"}
}

// rendered is one message's content before MIME encoding.
type rendered struct {
	Subject string
	Text    string
	HTML    string
}

// templateSet is one message: a subject and a text body (text/template), an HTML body (html/template).
type templateSet struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// templates holds every message, parsed once at Open; executing them is safe from many goroutines.
type templates map[string]templateSet

// loadTemplates parses the embedded templates, each file replaced by the file of the same name in
// overrideDir when there is one. A missing key in the data is an error (missingkey=error), so a
// message never goes out with "<no value>" where its code should be; optional keys are read with
// index (`{{with index . "link"}}`), which yields nil for a missing key.
func loadTemplates(overrideDir string) (templates, error) {
	var override fs.FS
	if overrideDir != "" {
		info, err := os.Stat(overrideDir)
		if err != nil {
			return nil, fmt.Errorf("mail: template directory: %w", err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("mail: template directory %s is not a directory", overrideDir)
		}
		override = os.DirFS(overrideDir)
	}
	names := templateNames()
	set := make(templates, len(names))
	for _, name := range names {
		var ts templateSet
		var err error
		if ts.subject, err = parseText(override, name+".subject.txt"); err != nil {
			return nil, err
		}
		if ts.text, err = parseText(override, name+".txt"); err != nil {
			return nil, err
		}
		if ts.html, err = parseHTML(override, name+".html"); err != nil {
			return nil, err
		}
		set[name] = ts
	}
	return set, nil
}

// readTemplate returns the override file when present, else the embedded one, and where it came from.
func readTemplate(override fs.FS, file string) (string, string, error) {
	if override != nil {
		b, err := fs.ReadFile(override, file)
		if err == nil {
			return string(b), file + " (template directory)", nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", fmt.Errorf("mail: template %s: %w", file, err)
		}
	}
	b, err := embedded.ReadFile("templates/" + file)
	if err != nil {
		return "", "", fmt.Errorf("mail: embedded template %s: %w", file, err)
	}
	return string(b), file, nil
}

func parseText(override fs.FS, file string) (*texttemplate.Template, error) {
	src, origin, err := readTemplate(override, file)
	if err != nil {
		return nil, err
	}
	t, err := texttemplate.New(file).Option("missingkey=error").Funcs(texttemplate.FuncMap(funcs())).Parse(src)
	if err != nil {
		return nil, fmt.Errorf("mail: parse template %s: %w", origin, err)
	}
	return t, nil
}

func parseHTML(override fs.FS, file string) (*htmltemplate.Template, error) {
	src, origin, err := readTemplate(override, file)
	if err != nil {
		return nil, err
	}
	t, err := htmltemplate.New(file).Option("missingkey=error").Funcs(htmltemplate.FuncMap(funcs())).Parse(src)
	if err != nil {
		return nil, fmt.Errorf("mail: parse template %s: %w", origin, err)
	}
	return t, nil
}

// render executes the named message. The subject is folded onto one line, so data holding line
// breaks cannot add header fields.
func (ts templates) render(name string, data map[string]any) (rendered, error) {
	set, ok := ts[name]
	if !ok {
		return rendered{}, fmt.Errorf("%w %q", ErrUnknownTemplate, name)
	}
	var subject, text, html bytes.Buffer
	if err := set.subject.Execute(&subject, data); err != nil {
		return rendered{}, fmt.Errorf("render %s: %w", set.subject.Name(), err)
	}
	if err := set.text.Execute(&text, data); err != nil {
		return rendered{}, fmt.Errorf("render %s: %w", set.text.Name(), err)
	}
	if err := set.html.Execute(&html, data); err != nil {
		return rendered{}, fmt.Errorf("render %s: %w", set.html.Name(), err)
	}
	r := rendered{
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    text.String(),
		HTML:    html.String(),
	}
	if r.Subject == "" {
		return rendered{}, fmt.Errorf("render %s: empty subject", set.subject.Name())
	}
	return r, nil
}
