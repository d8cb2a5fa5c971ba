package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStringLiteral(t *testing.T) {
	tests := []struct {
		name, module, want, wantErr string
	}{
		{"plain", `export default "乾 干|電 电";` + "\n", "乾 干|電 电", ""},
		{"missing", `export const x = 1;`, "", "no `export default"},
		{"unterminated", `export default "乾 干`, "", "unterminated"},
		{"escape", `export default "a\u4e7e b";`, "", "escape"},
		{"invalid utf-8", "export default \"\xff b\";", "", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stringLiteral(tt.module)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("stringLiteral error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("stringLiteral = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseDict(t *testing.T) {
	es, err := parseDict("乾 干 乾|電 电")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0] != (entry{"乾", "干"}) || es[1] != (entry{"電", "电"}) {
		t.Errorf("parseDict = %v, want [{乾 干} {電 电}]", es)
	}
	for _, bad := range []string{"", "乾", "乾 ", " 干", "乾 干|乾 乾", "乾\t 干"} {
		if _, err := parseDict(bad); err == nil {
			t.Errorf("parseDict(%q) succeeded, want an error", bad)
		}
	}
}

func TestWrite(t *testing.T) {
	var b strings.Builder
	chars := []entry{{"電", "电"}, {"乾", "干"}, {"一", "一"}}
	phrases := []entry{{"乾坤", "乾坤"}, {"一目瞭然", "一目了然"}}
	if err := write(&b, "9.9.9", chars, phrases); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	body := got[strings.Index(got, "[TSCharacters]"):]
	want := "[TSCharacters]\n乾\t干\n電\t电\n[TSPhrases]\n一目瞭然\t一目了然\n乾坤\t乾坤\n"
	if body != want {
		t.Errorf("write body = %q, want %q", body, want)
	}
	if !strings.Contains(got, "opencc-js 9.9.9") || !strings.Contains(got, "Apache License 2.0") {
		t.Errorf("write header lacks the version or the licence:\n%s", got)
	}

	bad := []struct {
		name           string
		chars, phrases []entry
	}{
		{"character of two runes", []entry{{"電費", "电费"}}, nil},
		{"phrase of one rune", nil, []entry{{"乾", "干"}}},
		{"phrase too long", nil, []entry{{strings.Repeat("乾", MaxPhraseRunes+1), "干"}}},
	}
	for _, tt := range bad {
		if err := write(&strings.Builder{}, "1", tt.chars, tt.phrases); err == nil {
			t.Errorf("%s: write succeeded, want an error", tt.name)
		}
	}
}

func TestRun(t *testing.T) {
	src := t.TempDir()
	files := map[string]string{
		packageJSON:               `{"name": "opencc-js", "version": "1.2.3"}`,
		charsPath:                 `export default "乾 干|電 电";`,
		phrasesPath:               `export default "乾坤 乾坤";`,
		"THIRD_PARTY_LICENSES.md": "Apache License 2.0 text",
		"LICENSE":                 "MIT text",
	}
	for name, body := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "data")
	if err := run(src, out); err != nil {
		t.Fatalf("run: %v", err)
	}
	table, err := os.ReadFile(filepath.Join(out, "t2s.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(table), "[TSCharacters]\n乾\t干\n電\t电\n[TSPhrases]\n乾坤\t乾坤\n") {
		t.Errorf("t2s.txt = %q", table)
	}
	for from, to := range licenceFiles {
		got, err := os.ReadFile(filepath.Join(out, to))
		if err != nil || string(got) != files[from] {
			t.Errorf("%s = %q, %v; want a copy of %s", to, got, err, from)
		}
	}

	if err := run("", out); err == nil || !strings.Contains(err.Error(), "OPENCC_JS") {
		t.Errorf("run without a package: %v, want an error naming OPENCC_JS", err)
	}
	if err := os.WriteFile(filepath.Join(src, packageJSON), []byte(`{"name": "other", "version": "1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(src, out); err == nil || !strings.Contains(err.Error(), "not an opencc-js package") {
		t.Errorf("run on another package: %v, want an error", err)
	}
}
