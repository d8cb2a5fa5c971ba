package testserver

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// launchAttempts is how many free ports a new server tries before giving up.
const launchAttempts = 3

// instance is one server binary bound to one loopback port and one data
// folder. It can be stopped and started again on the same port and folder.
type instance struct {
	name    string   // binary name for messages, e.g. "redis-server"
	bin     string   // binary path
	dir     string   // working folder
	logPath string   // stdout and stderr of every run, appended
	env     []string // full environment of the process
	args    func(port int) []string
	probe   func(addr string, pid int) error
	timeout time.Duration // readiness limit

	mu   sync.Mutex
	port int
	proc *process
}

// addr returns the server's host:port.
func (in *instance) addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(in.port))
}

// launch starts the server on a free port, trying another port when the
// server exits before it is ready (another process took the port).
func (in *instance) launch() error {
	var err error
	for range launchAttempts {
		port, perr := freePort()
		if perr != nil {
			return fmt.Errorf("find a free port for %s: %w", in.name, perr)
		}
		in.mu.Lock()
		in.port = port
		in.mu.Unlock()
		if err = in.start(); err == nil || !errors.Is(err, errExited) {
			return err
		}
	}
	return fmt.Errorf("%s failed on %d ports, last: %w", in.name, launchAttempts, err)
}

// start runs the server on its port and waits until it is ready.
func (in *instance) start() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.proc != nil && in.proc.running() {
		return fmt.Errorf("%s on %s is already running", in.name, in.addr())
	}
	p, err := startProcess(in.bin, in.args(in.port), in.env, in.dir, in.logPath)
	if err != nil {
		return err
	}
	addr, pid := in.addr(), p.cmd.Process.Pid
	if err := waitReady(p, in.timeout, func() error { return in.probe(addr, pid) }); err != nil {
		if kerr := p.kill(); kerr != nil {
			err = errors.Join(err, kerr)
		}
		return fmt.Errorf("%s on %s: %w", in.name, addr, err)
	}
	in.proc = p
	return nil
}

// stop kills the server's process group and waits for it to exit. Stopping a
// stopped server does nothing.
func (in *instance) stop() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.proc == nil {
		return nil
	}
	if err := in.proc.kill(); err != nil {
		return fmt.Errorf("stop %s on %s: %w", in.name, in.addr(), err)
	}
	return nil
}

// failure formats err with the tail of the server log.
func (in *instance) failure(err error) string {
	return fmt.Sprintf("testserver: %v\n--- last lines of %s ---\n%s", err, in.logPath, logTail(in.logPath, logTailLines))
}
