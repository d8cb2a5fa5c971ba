package testserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"
)

// forbiddenRedisPort is the port of the machine's own Redis, which other
// programs share: tests must never write to it.
const forbiddenRedisPort = "6379"

// fallbackDirPrefix names the temporary folders of fallback servers; the
// creating process id follows it.
const fallbackDirPrefix = "callqa-testserver-"

// fallback holds the servers SharedRedis and SharedMinIO start when the test
// run has none: one of each per test binary, killed by the kernel when the
// binary exits (on Linux) and their folders removed by a later run.
var fallback struct {
	dirOnce sync.Once
	dir     string
	dirErr  error

	redisOnce sync.Once
	redis     *instance
	redisErr  error

	minioOnce sync.Once
	minio     *MinIOServer // t is nil: callers get copies with their own t
	minioErr  error
}

// SharedRedis returns the Redis shared by the whole test run: the one
// scripts/test.sh announced in CALLQA_TEST_REDIS_URL, or else one that this
// test binary starts on first use and keeps until it exits. Tests on it must
// keep to their own keys (KeyPrefix) and must not flush it, stop it or start
// it. SharedRedis fails t when there is no server and none can be started.
func SharedRedis(t testing.TB) *RedisServer {
	t.Helper()
	if raw := os.Getenv(EnvRedisURL); raw != "" {
		opts, err := redis.ParseURL(raw)
		if err != nil {
			t.Fatalf("testserver: %s=%q: %v", EnvRedisURL, raw, err)
		}
		if _, port, _ := net.SplitHostPort(opts.Addr); port == forbiddenRedisPort {
			t.Fatalf("testserver: %s points at port %s, the machine's own Redis, which tests must not touch; run `bash scripts/test.sh`", EnvRedisURL, port)
		}
		return &RedisServer{t: t, opts: opts}
	}
	inst, err := fallbackRedis()
	if err != nil {
		t.Fatalf("testserver: no shared Redis (%s is unset) and starting one failed: %v", EnvRedisURL, err)
	}
	return &RedisServer{t: t, opts: &redis.Options{Addr: inst.addr()}}
}

// SharedMinIO returns the MinIO shared by the whole test run: the one
// scripts/test.sh announced in CALLQA_TEST_MINIO_*, or else one that this
// test binary starts on first use and keeps until it exits. Either way its
// notification target pushes access-format events to DefaultEventsKey on
// the shared Redis (SharedRedis). Tests on it must keep to their own buckets
// (UniqueBucket, Bucket) and must not stop or start it. SharedMinIO fails t
// when there is no server and none can be started.
func SharedMinIO(t testing.TB) *MinIOServer {
	t.Helper()
	if endpoint := os.Getenv(EnvMinIOEndpoint); endpoint != "" {
		access, secret := os.Getenv(EnvMinIOAccessKey), os.Getenv(EnvMinIOSecretKey)
		if access == "" || secret == "" {
			t.Fatalf("testserver: %s is set but %s or %s is empty; run `bash scripts/test.sh`", EnvMinIOEndpoint, EnvMinIOAccessKey, EnvMinIOSecretKey)
		}
		return &MinIOServer{Endpoint: endpoint, AccessKey: access, SecretKey: secret, t: t}
	}
	srv, err := fallbackMinIO()
	if err != nil {
		t.Fatalf("testserver: no shared MinIO (%s is unset) and starting one failed: %v", EnvMinIOEndpoint, err)
	}
	shared := *srv
	shared.t = t
	return &shared
}

// fallbackRedis starts, once per test binary, the Redis SharedRedis uses
// when the environment names none.
func fallbackRedis() (*instance, error) {
	fallback.redisOnce.Do(func() {
		bin, err := redisServerBinary()
		if err != nil {
			fallback.redisErr = err
			return
		}
		dir, err := fallbackSubdir("redis")
		if err != nil {
			fallback.redisErr = err
			return
		}
		inst, err := newRedisInstance(bin, dir, redisConfig{})
		if err != nil {
			fallback.redisErr = err
			return
		}
		if err := inst.launch(); err != nil {
			fallback.redisErr = errors.New(inst.failure(err))
			return
		}
		fallback.redis = inst
	})
	return fallback.redis, fallback.redisErr
}

// fallbackMinIO starts, once per test binary, the MinIO SharedMinIO uses
// when the environment names none, notifying the shared Redis.
func fallbackMinIO() (*MinIOServer, error) {
	fallback.minioOnce.Do(func() {
		bin, err := minioBinary()
		if err != nil {
			fallback.minioErr = err
			return
		}
		var notifyAddr string
		if raw := os.Getenv(EnvRedisURL); raw != "" {
			opts, err := redis.ParseURL(raw)
			if err != nil {
				fallback.minioErr = fmt.Errorf("%s=%q: %w", EnvRedisURL, raw, err)
				return
			}
			notifyAddr = opts.Addr
		} else {
			r, err := fallbackRedis()
			if err != nil {
				fallback.minioErr = fmt.Errorf("start the Redis it notifies: %w", err)
				return
			}
			notifyAddr = r.addr()
		}
		dir, err := fallbackSubdir("minio")
		if err != nil {
			fallback.minioErr = err
			return
		}
		access, secret, err := randomCredentials()
		if err != nil {
			fallback.minioErr = err
			return
		}
		inst, err := newMinIOInstance(bin, dir, access, secret, MinIOOptions{NotifyRedisAddr: notifyAddr})
		if err != nil {
			fallback.minioErr = err
			return
		}
		if err := inst.launch(); err != nil {
			fallback.minioErr = errors.New(inst.failure(err))
			return
		}
		fallback.minio = &MinIOServer{Endpoint: inst.addr(), AccessKey: access, SecretKey: secret}
	})
	return fallback.minio, fallback.minioErr
}

// fallbackSubdir creates a folder for one fallback server inside this test
// binary's temporary folder.
func fallbackSubdir(name string) (string, error) {
	fallback.dirOnce.Do(func() {
		sweepFallbackDirs(os.TempDir())
		fallback.dir, fallback.dirErr = os.MkdirTemp("", fallbackDirPrefix+strconv.Itoa(os.Getpid())+"-")
	})
	if fallback.dirErr != nil {
		return "", fmt.Errorf("create fallback server folder: %w", fallback.dirErr)
	}
	dir := filepath.Join(fallback.dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create fallback server folder: %w", err)
	}
	return dir, nil
}

// sweepFallbackDirs removes the folders that fallback servers of test
// binaries that are no longer running left in root. A binary that exits
// cannot remove them itself: nothing runs after its last test.
func sweepFallbackDirs(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, ok := fallbackDirPID(e.Name())
		if !ok || !e.IsDir() || processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(filepath.Join(root, e.Name())) // best effort: a leftover is harmless
	}
}

// fallbackDirPID extracts the process id from a fallback folder name such
// as "callqa-testserver-4242-123456".
func fallbackDirPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, fallbackDirPrefix)
	if !ok {
		return 0, false
	}
	pidText, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}

// processAlive reports whether a process with pid exists. A process of
// another user counts as alive.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
