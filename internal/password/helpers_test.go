package password

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// cheapParams keep argon2id fast where a test is not about the parameters.
var cheapParams = Params{Time: 1, MemoryKiB: 64, Threads: 1}

// newHasher returns a Hasher with opts, failing the test on an error.
func newHasher(t testing.TB, opts Options) *Hasher {
	t.Helper()
	h, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

// cheapHasher is a Hasher with cheapParams and a generous queue.
func cheapHasher(t testing.TB) *Hasher {
	return newHasher(t, Options{Params: cheapParams, MaxConcurrent: 4, QueueTimeout: time.Minute})
}

// djangoVector is one hash made by Django's make_password and the verdicts
// of Django's check_password on some candidate passwords.
type djangoVector struct {
	Name    string `json:"name"`
	Encoded string `json:"encoded"`
	Checks  []struct {
		Password string `json:"password"`
		Accepts  bool   `json:"accepts"`
	} `json:"checks"`
}

// loadVectors reads testdata/django_vectors.json (made by testdata/gen_vectors.py).
func loadVectors(t testing.TB) []djangoVector {
	t.Helper()
	raw, err := os.ReadFile("testdata/django_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []djangoVector `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("testdata/django_vectors.json: %v", err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("testdata/django_vectors.json has no vectors")
	}
	return file.Vectors
}

// cheap reports whether a vector verifies quickly (not one of Django's defaults).
func (v djangoVector) cheap() bool { return !strings.Contains(v.Name, "default") }

func ctx(t testing.TB) context.Context { return t.Context() }
