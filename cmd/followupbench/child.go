package main

// The bot as a child process: the real followup binary, built once, run with "followup run"
// against a fake Slack (bot/slacktest) served by this process. Memory and CPU are read from
// /proc/<pid>, so they are the bot's own and not this process's fixtures and fake Slack.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
)

// buildFollowup builds ./cmd/followup into dir and returns the binary's path.
func buildFollowup(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "followup")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/followup")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/followup: %w\n%s", err, out)
	}
	return bin, nil
}

// child is a running "followup run".
type child struct {
	cmd     *exec.Cmd
	started time.Time // just before exec
	stderr  *limitedWriter
	done    chan error
}

// startBot starts bin as "followup run" on the database at db against srv. tick is FOLLOWUP_TICK;
// working time is all day every day in UTC, so nothing waits for office hours. env adds
// variables (NAME=value).
func startBot(bin, db string, srv *slacktest.Server, tick string, env ...string) (*child, error) {
	cmd := exec.Command(bin, "run")
	cmd.Env = []string{
		"FOLLOWUP_DB=" + db,
		"FOLLOWUP_TIMEZONE=UTC",
		"FOLLOWUP_WORK_HOURS=00:00-24:00",
		"FOLLOWUP_WORK_DAYS=Mon-Sun",
		"FOLLOWUP_TICK=" + tick,
		"SLACK_APP_TOKEN=" + srv.AppToken(),
		"SLACK_BOT_TOKEN=" + srv.BotToken(),
		"SLACK_API_URL=" + srv.APIURL(),
		"LOG_LEVEL=warn",
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
	}
	cmd.Env = append(cmd.Env, env...)
	c := &child{cmd: cmd, stderr: &limitedWriter{max: 64 << 10}, done: make(chan error, 1)}
	cmd.Stderr = c.stderr
	c.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start followup: %w", err)
	}
	go func() { c.done <- cmd.Wait() }()
	return c, nil
}

// waitConnected waits for the child's Socket Mode connection, or for it to exit.
func (c *child) waitConnected(ctx context.Context, srv *slacktest.Server) (time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- srv.WaitConnected(ctx) }()
	select {
	case err := <-errc:
		if err != nil {
			return 0, fmt.Errorf("wait for socket mode: %w\n%s", err, c.stderr)
		}
		return time.Since(c.started), nil
	case err := <-c.done:
		c.done <- err
		return 0, fmt.Errorf("followup exited before connecting: %v\n%s", err, c.stderr)
	}
}

// stop sends SIGTERM and waits for a clean exit, killing the child after 30 s.
func (c *child) stop() error {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		c.done <- err
		return err
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		return fmt.Errorf("followup did not stop within 30 s of SIGTERM")
	}
}

// memory is the child's resident set now and at its peak, in bytes, from /proc/<pid>/status.
func (c *child) memory() (rss, peak int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			rss = n << 10
		case "VmHWM":
			peak = n << 10
		}
	}
	return rss, peak, sc.Err()
}

// cpu is the child's user plus system CPU time so far, from /proc/<pid>/stat.
func (c *child) cpu() (time.Duration, error) {
	return procCPU(c.cmd.Process.Pid)
}

// procCPU is a process's user plus system CPU time so far, from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after its closing parenthesis do not.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc stat: %q", s)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ, 100 on every Linux that Go supports
	return time.Duration(utime+stime) * time.Second / ticks, nil
}

// limitedWriter keeps the first max bytes written to it, for error messages.
type limitedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// String returns what was kept.
func (w *limitedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// addReps makes users.info know the 500 reps of the fixtures, in UTC.
func addReps(srv *slacktest.Server) {
	for n := range reps {
		id := repID(n)
		srv.AddUser(slacktest.User{ID: id, Name: strings.ToLower(id), RealName: "Rep " + strconv.Itoa(n), TZ: "UTC"})
	}
}
