package testserver

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// writeFile creates a file with the given mode in dir and returns its path.
func writeFile(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFindBinary(t *testing.T) {
	const envVar = "CALLQA_TEST_FAKE_BIN"
	tests := []struct {
		name    string
		env     string // file under the test folder named by envVar, "" to leave it unset
		onPath  bool   // put an executable "fake-server" on PATH
		inCache bool   // put an executable "fake-server-v1" in the cache bin folder
		want    string // file under the test folder; "" for an error
	}{
		{name: "environment first", env: "env/fake", onPath: true, inCache: true, want: "env/fake"},
		{name: "environment names a non-executable", env: "env/plain", onPath: true, want: ""},
		{name: "environment names a missing file", env: "env/missing", onPath: true, want: ""},
		{name: "PATH before cache", onPath: true, inCache: true, want: "path/fake-server"},
		{name: "cache last", inCache: true, want: "cache/bin/fake-server-v1"},
		{name: "nowhere", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, root, "env/fake", 0o755)
			writeFile(t, root, "env/plain", 0o644)
			pathDir := filepath.Join(root, "path")
			if err := os.MkdirAll(pathDir, 0o700); err != nil {
				t.Fatal(err)
			}
			if tc.onPath {
				writeFile(t, root, "path/fake-server", 0o755)
			}
			if tc.inCache {
				writeFile(t, root, "cache/bin/fake-server-v1", 0o755)
			}
			if tc.env != "" {
				t.Setenv(envVar, filepath.Join(root, tc.env))
			} else {
				t.Setenv(envVar, "")
			}
			t.Setenv("PATH", pathDir)
			t.Setenv(EnvCacheDir, filepath.Join(root, "cache"))

			got, err := findBinary(envVar, "fake-server", "fake-server-v1")
			if tc.want == "" {
				if err == nil {
					t.Fatalf("findBinary = %q, want an error", got)
				}
				if tc.env == "" && (!errors.Is(err, errNotFound) || !strings.Contains(err.Error(), "scripts/test.sh")) {
					t.Errorf("error %q should be errNotFound and point at scripts/test.sh", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("findBinary: %v", err)
			}
			if want := filepath.Join(root, tc.want); got != want {
				t.Errorf("findBinary = %s, want %s", got, want)
			}
		})
	}
}

func TestCacheBinDirDefaultsToHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv(EnvCacheDir, "")
	got, err := cacheBinDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, ".cache", "callqa", "bin"); got != want {
		t.Errorf("cacheBinDir = %s, want %s", got, want)
	}
}

func TestMinIOVersionMatchesScript(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "test.sh"))
	if err != nil {
		t.Fatalf("read scripts/test.sh: %v", err)
	}
	m := regexp.MustCompile(`(?m)^MINIO_VERSION=(\S+)$`).FindSubmatch(script)
	if m == nil {
		t.Fatal("scripts/test.sh sets no MINIO_VERSION")
	}
	if string(m[1]) != MinIOVersion {
		t.Errorf("scripts/test.sh pins MinIO %s, MinIOVersion is %s", m[1], MinIOVersion)
	}
}
