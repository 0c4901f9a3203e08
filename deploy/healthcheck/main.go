// Command authgate-healthcheck probes an authgate readiness URL for container health checks,
// where the minimal (distroless) image has no curl or shell: exit 0 on 200, 1 otherwise.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// defaultURL is authgate's readiness route at the container image's listening address.
const defaultURL = "http://127.0.0.1:8060/readyz"

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run probes the URL in args (or defaultURL) and returns the exit status.
func run(args []string, stderr io.Writer) int {
	url := defaultURL
	switch len(args) {
	case 0:
	case 1:
		url = args[0]
	default:
		fmt.Fprintln(stderr, "usage: authgate-healthcheck [URL]  (default "+defaultURL+")")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(stderr, "authgate-healthcheck:", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "authgate-healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "authgate-healthcheck: %s answered %s\n", url, resp.Status)
		return 1
	}
	return 0
}
