package testserver

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// helperEnv makes the test binary act as a process that starts a server and
// then hangs (see TestMain) instead of running tests.
const helperEnv = "CALLQA_TESTSERVER_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(holdRedis(dir))
	}
	os.Exit(m.Run())
}

// holdRedis starts a redis-server in dir, prints its address and waits to be
// killed.
func holdRedis(dir string) int {
	bin, err := redisServerBinary()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	inst, err := newRedisInstance(bin, dir, redisConfig{})
	if err == nil {
		err = inst.launch()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(inst.addr())
	select {}
}

func TestLogTail(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path string
		n          int
		want       string
	}{
		{"empty", write("empty", ""), 5, "(log is empty)"},
		{"shorter than n", write("short", "a\nb\n"), 5, "a\nb"},
		{"longer than n", write("long", "1\n2\n3\n4\n5"), 2, "4\n5"},
		{"exactly n", write("exact", "1\n2\n"), 2, "1\n2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := logTail(tc.path, tc.n); got != tc.want {
				t.Errorf("logTail = %q, want %q", got, tc.want)
			}
		})
	}
	if got := logTail(filepath.Join(dir, "missing"), 3); !strings.Contains(got, "unreadable") {
		t.Errorf("logTail of a missing file = %q, want a note that it is unreadable", got)
	}
}

func TestChildEnvDropsPrefixes(t *testing.T) {
	t.Setenv("MINIO_TESTSERVER_PROBE", "x")
	env := childEnv([]string{"MINIO_"}, "MINIO_ROOT_USER=u")
	var minio []string
	for _, kv := range env {
		if strings.HasPrefix(kv, "MINIO_") {
			minio = append(minio, kv)
		}
	}
	if len(minio) != 1 || minio[0] != "MINIO_ROOT_USER=u" {
		t.Errorf("MINIO_ variables in the child environment: %q, want only MINIO_ROOT_USER=u", minio)
	}
}
