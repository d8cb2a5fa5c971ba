package testserver

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
)

// RedisOption configures a private Redis started by Redis.
type RedisOption func(*redisConfig)

type redisConfig struct {
	aof bool
}

// WithAOF turns on the append-only file, fsynced on every write, so that
// every write acknowledged before Stop is there again after Start.
func WithAOF() RedisOption {
	return func(c *redisConfig) { c.aof = true }
}

// RedisServer is a redis-server for tests: either a private one that the
// test may stop and start, or the shared one of the test run.
type RedisServer struct {
	t    testing.TB
	opts *redis.Options // client options: address and database
	inst *instance      // nil for a shared server
}

// Redis starts a private redis-server on a free loopback port with its own
// temporary folder and no persistence unless WithAOF is given. The server is
// killed when t ends; its log is printed if t failed. Redis fails t when no
// redis-server binary is found or the server does not become ready.
func Redis(t testing.TB, opts ...RedisOption) *RedisServer {
	t.Helper()
	var cfg redisConfig
	for _, o := range opts {
		o(&cfg)
	}
	bin, err := redisServerBinary()
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	dir := t.TempDir()
	inst, err := newRedisInstance(bin, dir, cfg)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testserver: last lines of %s:\n%s", inst.logPath, logTail(inst.logPath, logTailLines))
		}
		if err := inst.stop(); err != nil {
			t.Errorf("testserver: %v", err)
		}
	})
	if err := inst.launch(); err != nil {
		t.Fatalf("testserver: %v", err) // the cleanup prints the log
	}
	return &RedisServer{t: t, opts: &redis.Options{Addr: inst.addr()}, inst: inst}
}

// newRedisInstance prepares (but does not start) a redis-server keeping its
// data and log in dir.
func newRedisInstance(bin, dir string, cfg redisConfig) (*instance, error) {
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, fmt.Errorf("create redis data folder: %w", err)
	}
	return &instance{
		name:    "redis-server",
		bin:     bin,
		dir:     data,
		logPath: filepath.Join(dir, "redis-server.log"),
		env:     childEnv(nil),
		args: func(port int) []string {
			args := []string{
				"--port", strconv.Itoa(port),
				"--bind", "127.0.0.1",
				"--dir", data,
				"--daemonize", "no",
				"--save", "",
				"--logfile", "",
			}
			if cfg.aof {
				return append(args, "--appendonly", "yes", "--appendfsync", "always")
			}
			return append(args, "--appendonly", "no")
		},
		probe:   probeRedis,
		timeout: redisReadyTimeout,
	}, nil
}

// Addr returns the server's host:port.
func (s *RedisServer) Addr() string {
	return s.opts.Addr
}

// URL returns the server as redis://host:port/db, the form CALLQA_REDIS_URL
// takes.
func (s *RedisServer) URL() string {
	return fmt.Sprintf("redis://%s/%d", s.opts.Addr, s.opts.DB)
}

// Stop kills the server (SIGKILL, as in a crash) and waits for it to exit.
// Only a private server can be stopped; on a shared one Stop fails the test.
func (s *RedisServer) Stop() {
	s.t.Helper()
	if s.inst == nil {
		s.t.Errorf("testserver: Stop on the shared Redis %s: start a private one with testserver.Redis", s.Addr())
		return
	}
	if err := s.inst.stop(); err != nil {
		s.t.Errorf("testserver: %v", err)
	}
}

// Start starts a stopped private server again on the same port and folder
// and waits until it is ready; with WithAOF its data is back. Start fails the
// test when the server does not come up, so call it from the test goroutine.
func (s *RedisServer) Start() {
	s.t.Helper()
	if s.inst == nil {
		s.t.Fatalf("testserver: Start on the shared Redis %s: start a private one with testserver.Redis", s.Addr())
	}
	if err := s.inst.start(); err != nil {
		s.t.Fatalf("testserver: %v", err) // the cleanup prints the log
	}
}

// Client returns a go-redis client for the server, closed when t ends.
func (s *RedisServer) Client(t testing.TB) *redis.Client {
	t.Helper()
	opts := *s.opts
	c := redis.NewClient(&opts)
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Logf("testserver: close redis client: %v", err)
		}
	})
	return c
}
