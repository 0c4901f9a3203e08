package password

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
)

// debianPython is the interpreter that has Debian's python3-django and
// python3-argon2; the python3 first on PATH may be another one without them.
const debianPython = "/usr/bin/python3"

// TestDjangoAcceptsOurHashes hands hashes made by authgate to Django's
// check_password through testdata/django_check.py, so a database written by
// authgate stays usable by the Django application it replaces.
func TestDjangoAcceptsOurHashes(t *testing.T) {
	t.Parallel()
	if out, err := exec.CommandContext(ctx(t), debianPython, "-c", "import django, argon2").CombinedOutput(); err != nil {
		t.Fatalf("%s lacks Django or argon2-cffi (apt-get install python3-django python3-argon2 python3-bcrypt): %v\n%s", debianPython, err, out)
	}
	def := newHasher(t, Options{})
	cheap := cheapHasher(t)
	type tcase struct {
		Password string `json:"password"`
		Encoded  string `json:"encoded"`
		accepts  bool
		update   bool
	}
	var cases []tcase
	for _, pw := range []string{"correct horse battery staple", "", "pässwörd ✓ 🔑", "a$b$c"} {
		enc, err := def.Hash(ctx(t), pw)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases,
			tcase{Password: pw, Encoded: enc, accepts: true, update: false},
			tcase{Password: pw + "x", Encoded: enc, accepts: false, update: false},
		)
	}
	enc, err := cheap.Hash(ctx(t), "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	unusable, err := def.Unusable()
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases,
		tcase{Password: "s3cret", Encoded: enc, accepts: true, update: true},
		tcase{Password: "", Encoded: unusable, accepts: false, update: false},
		tcase{Password: unusable, Encoded: unusable, accepts: false, update: false},
	)

	in, err := json.Marshal(map[string]any{"cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx(t), debianPython, "testdata/django_check.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("django_check.py: %v\n%s", err, stderr.Bytes())
	}
	var got []struct {
		Accepts    bool `json:"accepts"`
		MustUpdate bool `json:"must_update"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("django_check.py output %q: %v", out, err)
	}
	if len(got) != len(cases) {
		t.Fatalf("django_check.py answered %d cases, want %d", len(got), len(cases))
	}
	for i, c := range cases {
		if got[i].Accepts != c.accepts {
			t.Errorf("Django check_password(%q, %s) = %v, want %v", c.Password, c.Encoded, got[i].Accepts, c.accepts)
		}
		if got[i].MustUpdate != c.update {
			t.Errorf("Django must_update(%s) = %v, want %v", c.Encoded, got[i].MustUpdate, c.update)
		}
	}
}
