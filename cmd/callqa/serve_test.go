package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"callqa/api"
	"callqa/internal/testserver"
)

// runToken runs `callqa token` with args and returns its two lines.
func runToken(t *testing.T, args ...string) (string, api.TokenEntry) {
	t.Helper()
	cmd := newTokenCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("token %v: %v", args, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("token printed %q, want two lines", out.String())
	}
	var e api.TokenEntry
	if err := json.Unmarshal([]byte(lines[1]), &e); err != nil {
		t.Fatal(err)
	}
	return lines[0], e
}

func TestTokenCommand(t *testing.T) {
	auth := filepath.Join(t.TempDir(), "auth.json")
	tok, e := runToken(t, "--name", "li.qa", "--role", "reviewer", "--team", "95598-一班", "--add", auth)
	if e.Name != "li.qa" || e.SHA256 != api.HashToken(tok) || e.Role != api.RoleReviewer || len(e.Teams) != 1 || e.PII {
		t.Errorf("entry = %+v", e)
	}
	runToken(t, "--name", "wang.sup", "--role", "supervisor", "--team", "*", "--pii", "--add", auth)
	info, err := os.Stat(auth)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("auth file mode %v, want 0600", info.Mode().Perm())
	}
	b, _ := os.ReadFile(auth)
	if strings.Contains(string(b), tok) {
		t.Error("the auth file holds the token itself")
	}
	toks, err := api.LoadTokens(auth)
	if err != nil {
		t.Fatal(err)
	}
	if p := toks.Lookup(tok); p == nil || p.Name != "li.qa" {
		t.Errorf("the added token is not in the file: %+v", p)
	}
	for _, args := range [][]string{
		{"--role", "reviewer", "--team", "a"},
		{"--name", "x", "--role", "boss", "--team", "a"},
		{"--name", "x", "--role", "supervisor"},
	} {
		cmd := newTokenCmd()
		cmd.SetOut(io.Discard)
		cmd.SetArgs(args)
		if err := cmd.Execute(); err == nil {
			t.Errorf("token %v succeeded", args)
		}
	}
}

// TestServe runs `callqa serve` against the test servers and calls it
// with a token made by `callqa token`.
func TestServe(t *testing.T) {
	r := testserver.SharedRedis(t)
	m := testserver.SharedMinIO(t)
	auth := filepath.Join(t.TempDir(), "auth.json")
	tok, _ := runToken(t, "--name", "li.qa", "--role", "reviewer", "--team", "95598-一班", "--add", auth)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for k, v := range map[string]string{
		"CALLQA_REDIS_URL": r.URL(), "CALLQA_KEY_PREFIX": testserver.KeyPrefix(t),
		"CALLQA_MINIO_ENDPOINT": m.Endpoint, "CALLQA_MINIO_ACCESS_KEY": m.AccessKey, "CALLQA_MINIO_SECRET_KEY": m.SecretKey,
		"CALLQA_BUCKET": testserver.UniqueBucket(t), "CALLQA_AUTH_FILE": auth, "CALLQA_LISTEN": addr, "CALLQA_LOG_LEVEL": "warn",
	} {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		cmd := newServeCmd()
		cmd.SetArgs(nil)
		done <- cmd.ExecuteContext(ctx)
	}()
	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if code, _ := get("/readyz", ""); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, tt := range []struct {
		path, token string
		want        int
	}{
		{"/healthz", "", 200},
		{"/v1/lexicon", "", 401},
		{"/v1/lexicon", tok, 200},
		{"/v1/lexicon", tok + "x", 401},
		{"/v1/agents/A1/report", tok, 403},
	} {
		if code, body := get(tt.path, tt.token); code != tt.want {
			t.Errorf("GET %s: %d, want %d: %s", tt.path, code, tt.want, body)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

func TestServeConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"CALLQA_MINIO_ACCESS_KEY": "a", "CALLQA_MINIO_SECRET_KEY": "b"}, "--auth-file"},
		{map[string]string{"CALLQA_AUTH_FILE": "x"}, "--minio-access-key"},
		{map[string]string{"CALLQA_MINIO_ACCESS_KEY": "a", "CALLQA_MINIO_SECRET_KEY": "b", "CALLQA_AUTH_FILE": "/nonexistent/auth.json"}, "--auth-file"},
		{map[string]string{"CALLQA_MINIO_ACCESS_KEY": "a", "CALLQA_MINIO_SECRET_KEY": "b", "CALLQA_AUTH_FILE": "x", "CALLQA_LISTEN": "nope"}, "--listen"},
	} {
		t.Run(fmt.Sprint(tt.env), func(t *testing.T) {
			for _, k := range []string{"CALLQA_MINIO_ACCESS_KEY", "CALLQA_MINIO_SECRET_KEY", "CALLQA_AUTH_FILE", "CALLQA_LISTEN"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cmd := newServeCmd()
			cmd.SetArgs(nil)
			err := cmd.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("serve = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}
