package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/authgate/authgate/internal/token"
)

// cmdFlushExpired is SimpleJWT's flushexpiredtokens, in short batches so that it can run while
// the server serves.
func cmdFlushExpired(ctx context.Context, e env, args []string) error {
	batch := 1000
	cfg, _, err := load("flushexpiredtokens", e, args, func(fs *flag.FlagSet) {
		fs.IntVar(&batch, "batch", batch, "tokens deleted per transaction")
	})
	if err != nil {
		return err
	}
	if batch < 1 || batch > 100000 {
		return fmt.Errorf("flushexpiredtokens: --batch %d is not from 1 to 100000", batch)
	}
	a, err := openApp(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer a.Close()
	now := time.Now().UTC()
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted after deleting %d tokens: %w", total, err)
		}
		n, err := a.DB.FlushExpired(ctx, now, batch)
		if err != nil {
			return fmt.Errorf("after deleting %d tokens: %w", total, err)
		}
		total += n
		if n > 0 {
			fmt.Fprintf(e.stdout, "deleted %d expired tokens (%d so far)\n", n, total)
		}
		if n < batch {
			break
		}
	}
	ch, err := a.DB.DeleteExpiredChallenges(ctx, now)
	if err != nil {
		return err
	}
	ss, err := a.DB.DeleteExpiredAdminSessions(ctx, now)
	if err != nil {
		return err
	}
	// Ended sessions are kept while their access tokens may live; a day is far more than any.
	es, err := a.DB.FlushEndedSessions(ctx, now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	// Account links (activation, resets, invitations) past their lifetime can do nothing more.
	at, err := a.DB.DeleteExpiredAccountTokens(ctx, now)
	if err != nil {
		return err
	}
	// Sign-ins with external providers that were abandoned, and their unused one-time codes.
	of, err := a.DB.DeleteExpiredOAuthFlows(ctx, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "done: %d expired tokens, %d expired challenges, %d expired admin sessions, %d ended sessions, %d expired account links, %d expired sign-ins with providers deleted\n", total, ch, ss, es, at, of)
	return nil
}

// cmdKeys generates key pairs for the asymmetric algorithms.
func cmdKeys(_ context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "generate" {
		return fmt.Errorf("usage: authgate keys generate --algorithm EdDSA [--out DIR]")
	}
	fs := flag.NewFlagSet("authgate keys generate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	alg := fs.String("algorithm", "EdDSA", "RS256/384/512, PS256, ES256/384/512 or EdDSA")
	out := fs.String("out", ".", "directory to write the key files to")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	priv, pub, err := token.GenerateKey(*alg)
	if err != nil {
		return err
	}
	stamp := time.Now().UTC().Format("20060102T150405")
	privPath := filepath.Join(*out, fmt.Sprintf("authgate-%s-%s.key.pem", *alg, stamp))
	pubPath := filepath.Join(*out, fmt.Sprintf("authgate-%s-%s.pub.pem", *alg, stamp))
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(privPath, priv, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(pubPath, pub, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "private key: %s\npublic key:  %s\n", privPath, pubPath)
	fmt.Fprintf(e.stdout, "use: AUTHGATE_ALGORITHM=%s AUTHGATE_SIGNING_KEY_FILE=%s AUTHGATE_VERIFYING_KEY_FILE=%s\n", *alg, privPath, pubPath)
	return nil
}
