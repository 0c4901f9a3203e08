package interop_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// debianPython is the interpreter with Debian's python3-django, python3-djangorestframework,
// python3-djangorestframework-simplejwt and python3-jwt; the python3 first on PATH may be
// another one without them.
const debianPython = "/usr/bin/python3"

// djangoDir is the interop project: the tutorial's settings, user model and views.
const djangoDir = "django"

// seedUser is a user created in the Django project with a chosen id.
type seedUser struct {
	ID          string `json:"id"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	IsActive    bool   `json:"is_active"`
	IsStaff     bool   `json:"is_staff"`
	IsSuperuser bool   `json:"is_superuser"`
}

// django is a running instance of the interop project on a fresh SQLite database.
type django struct {
	t    *testing.T
	env  []string
	URL  string
	logs *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startDjango migrates a fresh database, creates the users and serves the project (serve.py
// does all three in one process). settings are the environment variables of
// djangoproject/settings.py (SIMPLE_JWT_SIGNING_KEY, ...).
func startDjango(t *testing.T, settings map[string]string, users []seedUser) *django {
	t.Helper()
	var env []string
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	if len(users) > 0 {
		in, err := json.Marshal(users)
		if err != nil {
			t.Fatal(err)
		}
		env = append(env, "INTEROP_USERS="+string(in))
	}
	return startProject(t, djangoDir, env)
}

// startProject runs dir's serve.py on a fresh SQLite database with Debian's interpreter and
// waits for the address it prints.
func startProject(t *testing.T, dir string, env []string) *django {
	t.Helper()
	if _, err := os.Stat(debianPython); err != nil {
		t.Fatalf("%s: %v (apt-get install python3-django python3-djangorestframework python3-djangorestframework-simplejwt python3-djoser)", debianPython, err)
	}
	d := &django{t: t, logs: &lockedBuffer{}}
	d.env = append(os.Environ(),
		"PYTHONDONTWRITEBYTECODE=1", // keep the source tree clean
		"DJANGO_SECRET_KEY=interop-django-secret-key-not-used-for-tokens",
		"INTEROP_DATABASE="+filepath.Join(t.TempDir(), "db.sqlite3"),
	)
	d.env = append(d.env, env...)

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, debianPython, "serve.py")
	cmd.Dir, cmd.Env, cmd.Stderr = dir, d.env, d.logs
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s's log:\n%s", dir, d.logs.String())
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "listening on ") {
				lines <- sc.Text()
				break
			}
			fmt.Fprintln(d.logs, sc.Text())
		}
		close(lines)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case line, ok := <-lines:
		url, found := strings.CutPrefix(line, "listening on ")
		if !ok || !found {
			t.Fatalf("%s did not start: %q\n%s", dir, line, d.logs.String())
		}
		d.URL = url
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start within 30 s:\n%s", dir, d.logs.String())
	}
	return d
}

// manage runs one manage.py command to completion and returns its stdout.
func (d *django) manage(stdin string, args ...string) string {
	d.t.Helper()
	cmd := exec.Command(debianPython, append([]string{"manage.py"}, args...)...)
	cmd.Dir, cmd.Env = djangoDir, d.env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		d.t.Fatalf("manage.py %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// reply is an HTTP answer with its JSON body.
type reply struct {
	Status int
	Body   map[string]any
	Raw    string
}

func (r reply) str(k string) string {
	s, _ := r.Body[k].(string)
	return s
}

// call sends a request to base+path; body is JSON-encoded when not nil.
func call(t *testing.T, method, url string, body any, authorization string) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{Status: resp.StatusCode, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

func (d *django) post(path string, body any, authorization string) reply {
	d.t.Helper()
	return call(d.t, "POST", d.URL+path, body, authorization)
}

func (d *django) get(path, authorization string) reply {
	d.t.Helper()
	return call(d.t, "GET", d.URL+path, nil, authorization)
}

// login logs in at Django's TokenObtainPairView.
func (d *django) login(email, password string) (refresh, access string) {
	d.t.Helper()
	r := d.post("/api/token/", map[string]string{"email": email, "password": password}, "")
	if r.Status != 200 {
		d.t.Fatalf("Django login %s: %d %s", email, r.Status, r.Raw)
	}
	return r.str("refresh"), r.str("access")
}

func bearer(tok string) string { return "Bearer " + tok }

// mustStatus fails the test unless the reply has the status.
func mustStatus(t *testing.T, what string, r reply, status int) reply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %d %s, want %d", what, r.Status, r.Raw, status)
	}
	return r
}
