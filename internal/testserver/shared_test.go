package testserver

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSharedRedisFromEnvironment(t *testing.T) {
	private := Redis(t)
	t.Setenv(EnvRedisURL, private.URL())
	shared := SharedRedis(t)
	if shared.Addr() != private.Addr() || shared.URL() != private.URL() {
		t.Errorf("SharedRedis = %s, want the announced %s", shared.URL(), private.URL())
	}
	if err := shared.Client(t).Ping(context.Background()).Err(); err != nil {
		t.Errorf("PING: %v", err)
	}
}

func TestSharedRedisRejectsBadEnvironment(t *testing.T) {
	tests := []struct {
		name, url, wantInMessage string
	}{
		{name: "the machine's Redis", url: "redis://127.0.0.1:6379/0", wantInMessage: "6379"},
		{name: "not a URL", url: "127.0.0.1:1234", wantInMessage: EnvRedisURL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvRedisURL, tc.url)
			rec := &recordingTB{TB: t}
			run(rec, func() { SharedRedis(rec) })
			if len(rec.fatals) != 1 || !strings.Contains(rec.fatals[0], tc.wantInMessage) {
				t.Errorf("fatals %q, want one naming %q", rec.fatals, tc.wantInMessage)
			}
		})
	}
}

func TestSharedMinIOFromEnvironment(t *testing.T) {
	private := MinIO(t, MinIOOptions{})
	t.Setenv(EnvMinIOEndpoint, private.Endpoint)
	t.Setenv(EnvMinIOAccessKey, private.AccessKey)
	t.Setenv(EnvMinIOSecretKey, private.SecretKey)
	shared := SharedMinIO(t)
	if shared.Endpoint != private.Endpoint || shared.AccessKey != private.AccessKey || shared.SecretKey != private.SecretKey {
		t.Errorf("SharedMinIO = %s as %s, want the announced %s as %s", shared.Endpoint, shared.AccessKey, private.Endpoint, private.AccessKey)
	}
	bucket := shared.Bucket(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ok, err := private.Client(t).BucketExists(ctx, bucket)
	if err != nil || !ok {
		t.Errorf("bucket %s made through SharedMinIO is not on the announced server: %v, %v", bucket, ok, err)
	}
}

func TestSharedMinIOWithoutCredentialsFails(t *testing.T) {
	t.Setenv(EnvMinIOEndpoint, "127.0.0.1:9")
	t.Setenv(EnvMinIOAccessKey, "")
	t.Setenv(EnvMinIOSecretKey, "")
	rec := &recordingTB{TB: t}
	run(rec, func() { SharedMinIO(rec) })
	if len(rec.fatals) != 1 || !strings.Contains(rec.fatals[0], EnvMinIOAccessKey) {
		t.Errorf("fatals %q, want one naming %s", rec.fatals, EnvMinIOAccessKey)
	}
}

func TestSharedServersCannotBeStoppedOrStarted(t *testing.T) {
	rds := Redis(t)
	mio := MinIO(t, MinIOOptions{})
	t.Setenv(EnvRedisURL, rds.URL())
	t.Setenv(EnvMinIOEndpoint, mio.Endpoint)
	t.Setenv(EnvMinIOAccessKey, mio.AccessKey)
	t.Setenv(EnvMinIOSecretKey, mio.SecretKey)

	rec := &recordingTB{TB: t}
	run(rec, func() {
		SharedRedis(rec).Stop()
		SharedMinIO(rec).Stop()
	})
	run(rec, func() { SharedRedis(rec).Start() })
	run(rec, func() { SharedMinIO(rec).Start() })
	if len(rec.errors) != 2 || len(rec.fatals) != 2 {
		t.Errorf("errors %q and fatals %q, want two of each", rec.errors, rec.fatals)
	}
	// The servers behind them are untouched.
	if err := rds.Client(t).Ping(context.Background()).Err(); err != nil {
		t.Errorf("PING after the refused Stop: %v", err)
	}
	if err := probeMinIO(mio.Endpoint); err != nil {
		t.Errorf("MinIO after the refused Stop: %v", err)
	}
}

func TestSharedFallbackServers(t *testing.T) {
	t.Setenv(EnvRedisURL, "")
	t.Setenv(EnvMinIOEndpoint, "")
	ctx := context.Background()

	r1, r2 := SharedRedis(t), SharedRedis(t)
	if r1.Addr() != r2.Addr() {
		t.Errorf("SharedRedis started two servers: %s and %s", r1.Addr(), r2.Addr())
	}
	rc := r1.Client(t)
	if err := rc.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING fallback Redis: %v", err)
	}
	want := fallbackDirPrefix + strconv.Itoa(os.Getpid()) + "-"
	if !strings.HasPrefix(filepath.Base(fallback.dir), want) {
		t.Errorf("fallback folder %s does not start with %s", fallback.dir, want)
	}

	m1, m2 := SharedMinIO(t), SharedMinIO(t)
	if m1.Endpoint != m2.Endpoint {
		t.Errorf("SharedMinIO started two servers: %s and %s", m1.Endpoint, m2.Endpoint)
	}
	// The fallback MinIO notifies the fallback Redis, as the script's do.
	mc := m1.Client(t)
	bucket := m1.Bucket(t)
	subscribe(t, mc, bucket)
	putObject(t, mc, bucket, "a.json", "{}")
	for range 100 { // other tests of this binary may use the list too
		e := parseEntry(t, popEvent(t, rc, DefaultEventsKey))
		if e[0].Event[0].S3.Bucket.Name == bucket {
			return
		}
	}
	t.Errorf("no event for bucket %s on %s", bucket, DefaultEventsKey)
}

func TestSweepFallbackDirs(t *testing.T) {
	root := t.TempDir()
	const deadPID = 999999999 // above any pid_max
	// Each folder name maps to whether it must still be there after the sweep.
	dirs := map[string]bool{
		fallbackDirPrefix + strconv.Itoa(deadPID) + "-1":     false,
		fallbackDirPrefix + strconv.Itoa(os.Getpid()) + "-2": true,
		fallbackDirPrefix + "abc-3":                          true,
		"other-999999999-4":                                  true,
	}
	for name := range dirs {
		if err := os.MkdirAll(filepath.Join(root, name, "redis"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	sweepFallbackDirs(root)
	for name, kept := range dirs {
		_, err := os.Stat(filepath.Join(root, name))
		if exists := err == nil; exists != kept {
			t.Errorf("%s: exists = %v after the sweep, want %v", name, exists, kept)
		}
	}
}

func TestFallbackDirPID(t *testing.T) {
	tests := []struct {
		name string
		pid  int
		ok   bool
	}{
		{fallbackDirPrefix + "4242-123", 4242, true},
		{fallbackDirPrefix + "4242", 0, false},
		{fallbackDirPrefix + "x-1", 0, false},
		{fallbackDirPrefix + "0-1", 0, false},
		{fallbackDirPrefix + "-5-1", 0, false},
		{"callqa-test.4242.abc", 0, false},
	}
	for _, tc := range tests {
		pid, ok := fallbackDirPID(tc.name)
		if pid != tc.pid || ok != tc.ok {
			t.Errorf("fallbackDirPID(%q) = %d, %v; want %d, %v", tc.name, pid, ok, tc.pid, tc.ok)
		}
	}
}
