package password_test

import (
	"context"
	"fmt"

	"github.com/authgate/authgate/internal/password"
)

func Example() {
	ctx := context.Background()
	h, err := password.New(password.Options{}) // OWASP argon2id, GOMAXPROCS slots
	if err != nil {
		panic(err)
	}
	// A row imported from Django, still on PBKDF2 (made by Django with 1000
	// iterations to keep the example fast).
	stored := "pbkdf2_sha256$1000$Dbf7y0MH8s0ihM0twZyiSy$8WaQp4HXHB5VY0MR96B7hGjN9g/gi2stClQk+y5t3LM="

	ok, needsRehash, err := h.Verify(ctx, "s3cret", stored)
	fmt.Println(ok, needsRehash, err)
	if ok && needsRehash {
		stored, err = h.Hash(ctx, "s3cret") // store this instead
		if err != nil {
			panic(err)
		}
	}
	ok, needsRehash, err = h.Verify(ctx, "s3cret", stored)
	fmt.Println(ok, needsRehash, err)
	// Output:
	// true true <nil>
	// true false <nil>
}
