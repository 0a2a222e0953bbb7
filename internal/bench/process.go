package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports (sysconf(_SC_CLK_TCK)
// needs cgo, and the kernel fixes the value the ABI exposes).
const clockTicks = 100

// child is a running child process of the harness.
type child struct {
	role  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	hand  Handshake
}

// startChild starts exe as a child playing o.Role and waits, at most
// timeout, for its Handshake.
func startChild(exe string, o ChildOptions, timeout time.Duration) (*child, error) {
	cmd := exec.Command(exe, o.args()...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.Role, err)
	}
	c := &child{role: o.Role, cmd: cmd, stdin: stdin}
	got := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(line, &c.hand)
		}
		if err == nil && c.hand.Error != "" {
			err = errors.New(c.hand.Error)
		}
		got <- err
		_, _ = io.Copy(io.Discard, stdout) // the child prints nothing more; never block it
	}()
	select {
	case err = <-got:
	case <-time.After(timeout):
		err = fmt.Errorf("no address after %s", timeout)
	}
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("%s: %w", o.Role, err)
	}
	return c, nil
}

// pid is the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// stop closes the child's stdin, which tells it to shut down, and waits
// for it; a child that has not exited after 15 seconds is killed.
func (c *child) stop() {
	_ = c.stdin.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// usage is what /proc says of a process at one moment.
type usage struct {
	cpu time.Duration // user plus system time so far
	rss int64         // resident set size, bytes
}

// readUsage reads the CPU time (utime+stime of /proc/<pid>/stat) and
// VmRSS (/proc/<pid>/status) of pid. On systems without /proc it
// returns zeros and an error.
func readUsage(pid int) (usage, error) {
	var u usage
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields from the last ')'. utime and stime are fields 14
	// and 15, so the 12th and 13th after it.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return u, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return u, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return u, err
	}
	u.cpu = time.Duration(utime+stime) * time.Second / clockTicks
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, err
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return u, err
			}
			u.rss = kb * 1024
		}
	}
	return u, nil
}
