package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Process is a server the bench started: `authgate serve`, or the ceiling server.
type Process struct {
	URL  string
	PID  int
	cmd  *exec.Cmd
	done chan error
}

// StartProcess runs path with args and env (the whole environment of the child), and waits up
// to 30 s for it to print "listening on URL" on standard output. Its standard error goes to
// logs.
func StartProcess(ctx context.Context, path string, args, env []string, logs io.Writer) (*Process, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Stderr = logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("loadtest: start %s: %w", strings.Join(args, " "), err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("loadtest: start %s: %w", strings.Join(args, " "), err)
	}
	p := &Process{PID: cmd.Process.Pid, cmd: cmd, done: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				select {
				case found <- strings.TrimSpace(u):
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
		p.done <- cmd.Wait()
	}()
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case p.URL = <-found:
		return p, nil
	case err := <-p.done:
		return nil, fmt.Errorf("loadtest: %s exited before listening: %v", strings.Join(args, " "), err)
	case <-t.C:
		err = errors.New("did not print \"listening on\" within 30s")
	case <-ctx.Done():
		err = ctx.Err()
	}
	_ = cmd.Process.Kill()
	<-p.done
	return nil, fmt.Errorf("loadtest: %s: %w", strings.Join(args, " "), err)
}

// Stop sends SIGTERM and waits for a graceful exit; after timeout it kills the process. It
// returns the exit error, if any.
func (p *Process) Stop(timeout time.Duration) error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("loadtest: stop process %d: %w", p.PID, err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-p.done:
		return err
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("loadtest: process %d did not stop within %s after SIGTERM; killed", p.PID, timeout)
	}
}
