package main

import (
	"bufio"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"callqa/store"
)

const composeFile = "../../docker-compose.yml"

// loadCompose loads the compose file as `docker compose` would, with env
// as the environment.
func loadCompose(t *testing.T, env ...string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{composeFile},
		cli.WithEnv(env), cli.WithName("callqa"), cli.WithDiscardEnvFile, cli.WithConsistency(false))
	if err != nil {
		return nil, err
	}
	return cli.ProjectFromOptions(context.Background(), opts)
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	svc, err := p.GetService(name)
	if err != nil {
		t.Fatalf("compose file: %v", err)
	}
	return svc
}

func envOf(svc types.ServiceConfig) map[string]string {
	out := map[string]string{}
	for k, v := range svc.Environment {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

func TestComposeFile(t *testing.T) {
	p, err := loadCompose(t, "CALLQA_MINIO_ACCESS_KEY=test-user", "CALLQA_MINIO_SECRET_KEY=test-secret-value")
	if err != nil {
		t.Fatalf("load %s: %v", composeFile, err)
	}
	for _, name := range []string{"redis", "minio", "worker", "api"} {
		if svc := service(t, p, name); svc.HealthCheck == nil || len(svc.HealthCheck.Test) == 0 {
			t.Errorf("service %s has no healthcheck", name)
		}
	}

	worker := service(t, p, "worker")
	if !slices.Equal(worker.Command, types.ShellCommand{"work"}) {
		t.Errorf("worker command = %q, want [work]", worker.Command)
	}
	reads := envNames(newWorkCmd())
	wenv := envOf(worker)
	for name := range wenv {
		if strings.HasPrefix(name, "CALLQA_") && !slices.Contains(reads, name) {
			t.Errorf("compose sets %s for the worker, which `callqa work` does not read (it reads %v)", name, reads)
		}
	}
	for _, name := range []string{"CALLQA_REDIS_URL", "CALLQA_MINIO_ENDPOINT", "CALLQA_MINIO_ACCESS_KEY",
		"CALLQA_MINIO_SECRET_KEY", "CALLQA_BUCKET", "CALLQA_MINIO_EVENTS_KEY", "CALLQA_WORKER_LISTEN"} {
		if wenv[name] == "" {
			t.Errorf("compose does not set %s for the worker", name)
		}
	}
	// The values must pass the command's own checks.
	var o workOptions
	cmd := newWorkCmdWith(&o)
	for name, v := range wenv {
		t.Setenv(name, v)
	}
	if err := applyEnv(cmd); err != nil {
		t.Fatalf("worker environment: %v", err)
	}
	if _, err := o.check(); err != nil {
		t.Errorf("worker environment does not pass `callqa work`'s checks: %v", err)
	}
	if !strings.Contains(worker.HealthCheck.Test[len(worker.HealthCheck.Test)-1], strings.TrimPrefix(wenv["CALLQA_WORKER_LISTEN"], ":")+"/readyz") {
		t.Errorf("worker healthcheck %q does not probe /readyz on CALLQA_WORKER_LISTEN %s", worker.HealthCheck.Test, wenv["CALLQA_WORKER_LISTEN"])
	}

	// MinIO notifies the list the worker reads, in access format, at the
	// Redis the worker uses.
	menv := envOf(service(t, p, "minio"))
	want := map[string]string{
		"MINIO_NOTIFY_REDIS_ENABLE_PRIMARY":  "on",
		"MINIO_NOTIFY_REDIS_FORMAT_PRIMARY":  "access",
		"MINIO_NOTIFY_REDIS_KEY_PRIMARY":     wenv["CALLQA_MINIO_EVENTS_KEY"],
		"MINIO_NOTIFY_REDIS_ADDRESS_PRIMARY": strings.TrimSuffix(strings.TrimPrefix(wenv["CALLQA_REDIS_URL"], "redis://"), "/0"),
		"MINIO_ROOT_USER":                    wenv["CALLQA_MINIO_ACCESS_KEY"],
		"MINIO_ROOT_PASSWORD":                wenv["CALLQA_MINIO_SECRET_KEY"],
	}
	for k, v := range want {
		if menv[k] != v {
			t.Errorf("minio %s = %q, want %q", k, menv[k], v)
		}
	}
	if wenv["CALLQA_MINIO_EVENTS_KEY"] != store.DefaultEventsKey {
		t.Errorf("worker events key %q is not the default %q", wenv["CALLQA_MINIO_EVENTS_KEY"], store.DefaultEventsKey)
	}

	redis := service(t, p, "redis")
	if cmdline := strings.Join(redis.Command, " "); !strings.Contains(cmdline, "--appendonly yes") {
		t.Errorf("redis command %q does not turn AOF on", cmdline)
	}

	// The API gets the same Redis and MinIO, by the variables DESIGN.md
	// names for it.
	api := envOf(service(t, p, "api"))
	known := []string{"CALLQA_REDIS_URL", "CALLQA_KEY_PREFIX", "CALLQA_MINIO_ENDPOINT", "CALLQA_MINIO_ACCESS_KEY",
		"CALLQA_MINIO_SECRET_KEY", "CALLQA_MINIO_SECURE", "CALLQA_BUCKET", "CALLQA_LEXICON_DIR", "CALLQA_LISTEN",
		"CALLQA_AUTH_FILE", "CALLQA_LOG_LEVEL", "CALLQA_LOG_FORMAT"}
	for name, v := range api {
		if strings.HasPrefix(name, "CALLQA_") && !slices.Contains(known, name) {
			t.Errorf("compose sets %s for the api, which is not a documented setting", name)
		}
		if w, ok := wenv[name]; ok && w != v && name != "CALLQA_LOG_LEVEL" {
			t.Errorf("api %s = %q but worker %s = %q: they must share Redis, MinIO and bucket", name, v, name, w)
		}
	}
}

func TestComposeFileNeedsSecrets(t *testing.T) {
	if _, err := loadCompose(t); err == nil || !strings.Contains(err.Error(), "CALLQA_MINIO_") {
		t.Errorf("loading without MinIO credentials: err = %v, want one naming the missing variable", err)
	}
}

func TestDockerfileRunsAsNonRoot(t *testing.T) {
	f, err := os.Open("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var froms int
	var user string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			froms++
			user = "" // each stage starts as root
		case "USER":
			user = fields[1]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if froms < 2 {
		t.Errorf("Dockerfile has %d stages, want a multi-stage build", froms)
	}
	if name, _, _ := strings.Cut(user, ":"); name == "" || name == "root" || name == "0" {
		t.Errorf("the final stage runs as %q, want a non-root user", user)
	}
}
