package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportUsers imports the dump the interop Django project wrote (internal/djangoimport's
// fixture) with the binary, twice, then logs in at `authgate serve` with an old Django password.
func TestImportUsers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := []string{"AUTHGATE_DATABASE_URL=sqlite://" + filepath.Join(dir, "a.db"),
		"AUTHGATE_SIGNING_KEY=authgate-test-signing-key-0123456789abcdef"}
	fixture := filepath.Join("..", "..", "internal", "djangoimport", "testdata", "dumpdata.json")

	out, errOut, code := cli(t, env, "", "importusers", "--django-json", fixture, "--progress", "10")
	if code != 0 || strings.Contains(errOut, "skipped") ||
		!strings.Contains(out, "users:       3 imported, 0 already in authgate") ||
		!strings.Contains(out, "tokens:      3 imported, 0 already in authgate") ||
		!strings.Contains(out, "blacklisted: 2 imported, 0 already in authgate") ||
		!strings.Contains(out, "pbkdf2_sha256 3") ||
		!strings.Contains(out, "pass 1/2 (users and blacklist): 10 records read") ||
		!strings.Contains(out, "pass 2/2 (outstanding tokens): 30 records read") {
		t.Fatalf("first import: %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = cli(t, env, "", "importusers", "--django-json", fixture)
	if code != 0 || !strings.Contains(out, "nothing to import: everything in the dump is already in authgate") ||
		!strings.Contains(out, "users:       0 imported, 3 already in authgate") {
		t.Fatalf("second import: %d\n%s\n%s", code, out, errOut)
	}

	s := serve(t, env)
	if st, body := curl(t, s.url+"/api/token/", `{"email":"ada@example.com","password":"ada's old password"}`); st != 200 {
		t.Fatalf("login with the Django password: %d %s", st, body)
	}
}

// TestImportUsersBadInput: usage errors, a bad record (skipped, or the end of an aborted
// import) with its place in the file, and a file that is no dump.
func TestImportUsersBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := []string{"AUTHGATE_DATABASE_URL=sqlite://" + filepath.Join(dir, "a.db"),
		"AUTHGATE_SIGNING_KEY=authgate-test-signing-key-0123456789abcdef"}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.json", `[
{"model": "usermodel.user", "pk": 1, "fields": {"email": "one@example.com", "password": "x"}},
{"model": "usermodel.user", "pk": "5f0c3b0e-8a57-4b7a-9a53-6f8d1f0b2a11", "fields": {"email": "two@example.com", "password": "pbkdf2_sha256$1$s$h="}}
]`)
	cases := []struct {
		args    []string
		code    int
		stdout  string
		stderr  string
		comment string
	}{
		{[]string{"importusers"}, 1, "", "--django-json FILE is required", "no file"},
		{[]string{"importusers", "--django-json", filepath.Join(dir, "missing.json")}, 1, "", "no such file", "missing file"},
		{[]string{"importusers", "--django-json", dir}, 1, "", "is not a regular file", "a directory"},
		{[]string{"importusers", "--django-json", bad, "--time-zone", "Mars/Olympus"}, 1, "", "--time-zone", "bad zone"},
		{[]string{"importusers", "--django-json", bad, "--abort-on-error"}, 1, "users:       0 imported",
			"stopped at record 0 (line 2, usermodel.user 1): pk 1 is not a UUID", "abort"},
		{[]string{"importusers", "--django-json", bad}, 1, "users:       1 imported",
			"skipped record 0 (line 2, usermodel.user 1): pk 1 is not a UUID", "skip"},
		{[]string{"importusers", "--django-json", write("xml.json", "<?xml version=\"1.0\"?>")}, 1, "",
			"not a manage.py dumpdata JSON array: line 1", "not JSON"},
	}
	for _, c := range cases {
		out, errOut, code := cli(t, env, "", c.args...)
		if code != c.code || !strings.Contains(out, c.stdout) || !strings.Contains(errOut, c.stderr) {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s\nwant exit %d, stdout with %q, stderr with %q",
				c.comment, code, out, errOut, c.code, c.stdout, c.stderr)
		}
	}
}
