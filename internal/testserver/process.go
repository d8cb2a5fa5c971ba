package testserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// killTimeout bounds how long stopping a server waits for its process to be
// reaped after SIGKILL.
const killTimeout = 10 * time.Second

// logTailLines is how many lines of a server log are shown when a test fails.
const logTailLines = 60

// process is one run of a server binary: its command, its log file and the
// channel that is closed once the process has exited.
type process struct {
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{}
	err    error // the Wait error, valid once exited is closed
}

// spawner starts every child process from one goroutine that is locked to its
// OS thread for the life of the test binary. Linux delivers the parent-death
// signal when the thread that forked the child exits, not the process; a
// thread the Go runtime retires would otherwise take the servers with it.
var spawner struct {
	once sync.Once
	reqs chan spawnRequest
}

type spawnRequest struct {
	cmd  *exec.Cmd
	done chan error
}

// startOnSpawner starts cmd from the dedicated spawner thread.
func startOnSpawner(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan spawnRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread must outlive every child
			for req := range spawner.reqs {
				req.done <- req.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawner.reqs <- spawnRequest{cmd: cmd, done: done}
	return <-done
}

// startProcess runs path with args in dir, with env as its whole
// environment, appending its stdout and stderr to logPath.
func startProcess(path string, args, env []string, dir, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open server log: %w", err)
	}
	fmt.Fprintf(logFile, "=== %s %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(append([]string{path}, args...), " "))
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := startOnSpawner(cmd); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	p := &process{cmd: cmd, log: logFile, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		p.log.Close()
		close(p.exited)
	}()
	return p, nil
}

// running reports whether the process has not exited yet.
func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL to the process group and waits for the process to be
// reaped.
func (p *process) kill() error {
	if !p.running() {
		return nil
	}
	pid := p.cmd.Process.Pid
	// The child leads its own process group, so -pid reaches it and anything
	// it spawned.
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill process group %d: %w", pid, err)
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(killTimeout):
		return fmt.Errorf("process %d still running %s after SIGKILL", pid, killTimeout)
	}
}

// exitError describes how an exited process ended.
func (p *process) exitError() error {
	if p.err == nil {
		return errors.New("exited with status 0")
	}
	return p.err
}

// logTail returns the last n lines of the file at path, or a note saying why
// it could not be read.
func logTail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(log %s unreadable: %v)", path, err)
	}
	defer f.Close()
	lines := make([]string, 0, n)
	sc := bufio.NewScanner(io.LimitReader(f, 64<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if len(lines) == n {
			copy(lines, lines[1:])
			lines = lines[:n-1]
		}
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		lines = append(lines, fmt.Sprintf("(reading log: %v)", err))
	}
	if len(lines) == 0 {
		return "(log is empty)"
	}
	return strings.Join(lines, "\n")
}

// childEnv returns the test process environment without the variables whose
// prefix is in drop, followed by extra.
func childEnv(drop []string, extra ...string) []string {
	var env []string
outer:
	for _, kv := range os.Environ() {
		for _, prefix := range drop {
			if strings.HasPrefix(kv, prefix) {
				continue outer
			}
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}
