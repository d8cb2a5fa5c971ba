package testserver

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// MinIOVersion is the module version of github.com/minio/minio that
// scripts/test.sh builds; the cached binary is named minio-<MinIOVersion>.
// Keep it equal to MINIO_VERSION in scripts/test.sh (a test checks).
const MinIOVersion = "v0.0.0-20260212201848-7aac2a2c5b7c"

// Environment variables that scripts/test.sh sets for the tests.
const (
	// EnvRedisURL holds the shared Redis as redis://127.0.0.1:PORT/0.
	EnvRedisURL = "CALLQA_TEST_REDIS_URL"
	// EnvMinIOEndpoint holds the shared MinIO as 127.0.0.1:PORT.
	EnvMinIOEndpoint = "CALLQA_TEST_MINIO_ENDPOINT"
	// EnvMinIOAccessKey holds the shared MinIO's root user.
	EnvMinIOAccessKey = "CALLQA_TEST_MINIO_ACCESS_KEY"
	// EnvMinIOSecretKey holds the shared MinIO's root password.
	EnvMinIOSecretKey = "CALLQA_TEST_MINIO_SECRET_KEY"
	// EnvRedisServer holds the path of the redis-server binary.
	EnvRedisServer = "CALLQA_TEST_REDIS_SERVER"
	// EnvMinIOBin holds the path of the MinIO server binary.
	EnvMinIOBin = "CALLQA_TEST_MINIO_BIN"
	// EnvCacheDir overrides the cache folder ($HOME/.cache/callqa) whose bin
	// folder holds the MinIO build.
	EnvCacheDir = "CALLQA_CACHE_DIR"
)

// errNotFound marks a server binary that could not be found.
var errNotFound = errors.New("not found")

// cacheBinDir returns the folder where scripts/test.sh keeps built server
// binaries.
func cacheBinDir() (string, error) {
	if dir := os.Getenv(EnvCacheDir); dir != "" {
		return filepath.Join(dir, "bin"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("locate cache folder: %w", err)
	}
	return filepath.Join(home, ".cache", "callqa", "bin"), nil
}

// findBinary looks for a server binary: first the path in the environment
// variable envVar, then pathName on PATH, then cacheName in the cache folder.
func findBinary(envVar, pathName, cacheName string) (string, error) {
	if p := os.Getenv(envVar); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", envVar, p, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath(pathName); err == nil {
		return p, nil
	}
	dir, err := cacheBinDir()
	if err == nil {
		p := filepath.Join(dir, cacheName)
		if checkExecutable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w (looked at $%s, PATH and the cache folder %s); run `bash scripts/test.sh`, which installs it",
		pathName, errNotFound, envVar, dir)
}

// checkExecutable reports whether path is an executable regular file.
func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}

// redisServerBinary returns the redis-server to run.
func redisServerBinary() (string, error) {
	return findBinary(EnvRedisServer, "redis-server", "redis-server")
}

// minioBinary returns the MinIO server to run.
func minioBinary() (string, error) {
	return findBinary(EnvMinIOBin, "minio", "minio-"+MinIOVersion)
}
