package api_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callqa/api"
)

func TestLoadTokens(t *testing.T) {
	tok, entry, err := api.NewToken("li.qa", api.RoleReviewer, []string{"95598-一班"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "cqa_") || entry.SHA256 != api.HashToken(tok) || strings.Contains(entry.SHA256, tok) {
		t.Fatalf("NewToken = %q, %+v", tok, entry)
	}
	hash := entry.SHA256
	tests := []struct {
		name, file, wantErr string
	}{
		{"good", `{"tokens":[{"name":"li.qa","sha256":"` + hash + `","role":"reviewer","teams":["95598-一班"],"pii":false}]}`, ""},
		{"admin without teams", `{"tokens":[{"name":"root","sha256":"` + hash + `","role":"admin"}]}`, ""},
		{"not JSON", `{"tokens":[`, "unexpected EOF"},
		{"unknown field", `{"tokens":[{"name":"x","sha256":"` + hash + `","role":"reviewer","teams":["a"],"token":"secret"}]}`, "unknown field"},
		{"no name", `{"tokens":[{"sha256":"` + hash + `","role":"reviewer","teams":["a"]}]}`, "name: required"},
		{"short hash", `{"tokens":[{"name":"x","sha256":"abc","role":"reviewer","teams":["a"]}]}`, "64 hex digits"},
		{"hash not hex", `{"tokens":[{"name":"x","sha256":"` + strings.Repeat("z", 64) + `","role":"reviewer","teams":["a"]}]}`, "64 hex digits"},
		{"bad role", `{"tokens":[{"name":"x","sha256":"` + hash + `","role":"boss","teams":["a"]}]}`, "is not reviewer"},
		{"no teams", `{"tokens":[{"name":"x","sha256":"` + hash + `","role":"supervisor","teams":[]}]}`, "at least one team"},
		{"duplicate", `{"tokens":[{"name":"x","sha256":"` + hash + `","role":"admin"},{"name":"y","sha256":"` + hash + `","role":"admin"}]}`, "same sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "auth.json")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			toks, err := api.LoadTokens(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadTokens error = %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p := toks.Lookup(tok)
			if p == nil {
				t.Fatal("the token is not found by its hash")
			}
			if toks.Lookup(tok+"x") != nil || toks.Lookup("") != nil {
				t.Error("a wrong token is found")
			}
			if p.Role == api.RoleReviewer && (!p.SeesTeam("95598-一班") || p.SeesTeam("95598-二班") || p.SeesTeam("")) {
				t.Error("team scope of a reviewer is wrong")
			}
			if p.Role == api.RoleAdmin && !p.SeesTeam("") {
				t.Error("an admin does not see every team")
			}
		})
	}
	if _, err := api.LoadTokens(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("LoadTokens of a missing file succeeded")
	}
}
