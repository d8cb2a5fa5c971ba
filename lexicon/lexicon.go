// Package lexicon holds the data a QA team tunes: phrase lists, the unit
// registry, scoring schemes and the rule catalogue. The default lexicon is
// embedded in the binary; a folder may override any of its files. Every
// lexicon carries a content hash, its version, which is recorded with each
// score it produces.
package lexicon

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed data/*.yaml
var embedded embed.FS

// Files are the files a lexicon is made of. An override folder may hold any
// of them; each one present replaces the embedded file of the same name.
var Files = []string{"phrases.yaml", "rules.yaml", "schemes.yaml", "units.yaml"}

// Lexicon is a loaded, validated lexicon. It is read-only once loaded and
// safe for concurrent use.
type Lexicon struct {
	// Version is a hash of the content of every file, so two lexicons with
	// the same version score every call the same way.
	Version string
	// Source is "embedded" or the override folder the lexicon was read from.
	Source string

	Units         []Unit
	Lists         map[string]*List
	Patterns      map[string][]Pattern
	Fillers       []string
	ClauseFillers []string
	// HomophoneMinChars is the shortest phrase, in Han characters, that
	// may match by sound: shorter ones sound like too many ordinary words
	// (尼玛 like 你吗 in 能帮你吗).
	HomophoneMinChars int
	// MinWordFreq is the least dictionary frequency of a word the
	// segmenter loads.
	MinWordFreq float64
	UserWords   []string
	Schemes     map[string]*Scheme
	Rules       []RuleInfo

	units map[string]*Unit
	rules map[string]*RuleInfo
}

// Unit is an organization whose hotline calls are scored.
type Unit struct {
	ID      string   `yaml:"id" json:"id"`
	Name    string   `yaml:"name" json:"name"`
	Aliases []string `yaml:"aliases" json:"aliases"`
	// RingLimit is the number of rings (3 s each) after which the agent
	// must apologize for the wait.
	RingLimit int    `yaml:"ring_limit" json:"ring_limit"`
	Scheme    string `yaml:"scheme" json:"scheme"`
}

// RuleInfo is what people read about a rule: its title, the norm clause it
// enforces and the message template of its findings.
type RuleInfo struct {
	ID      string `yaml:"id" json:"id"`
	Title   string `yaml:"title" json:"title"`
	Source  string `yaml:"source" json:"source"`
	Clause  string `yaml:"clause" json:"clause"`
	Message string `yaml:"message" json:"message"`
}

// Default returns the embedded lexicon.
func Default() (*Lexicon, error) {
	return Load("")
}

// Load reads the embedded lexicon with the files found in dir laid over it.
// An empty dir means the embedded lexicon alone. Errors name the file and
// the entry at fault.
func Load(dir string) (*Lexicon, error) {
	files, err := readFiles(dir)
	if err != nil {
		return nil, err
	}
	lex, err := parse(files)
	if err != nil {
		return nil, err
	}
	lex.Source = "embedded"
	if dir != "" {
		lex.Source = dir
	}
	return lex, nil
}

func readFiles(dir string) (map[string][]byte, error) {
	files := make(map[string][]byte, len(Files))
	for _, name := range Files {
		b, err := embedded.ReadFile("data/" + name)
		if err != nil {
			return nil, fmt.Errorf("read embedded %s: %w", name, err)
		}
		files[name] = b
	}
	if dir == "" {
		return files, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read lexicon folder: %w", err)
	}
	known := map[string]bool{}
	for _, n := range Files {
		known[n] = true
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(strings.ToLower(name), "readme") {
			continue
		}
		if !known[name] {
			return nil, fmt.Errorf("lexicon folder %s: unknown file %q (a lexicon folder holds %s)", dir, name, strings.Join(Files, ", "))
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read lexicon file: %w", err)
		}
		files[name] = b
	}
	return files, nil
}

// FileError is a problem in one lexicon file, naming the entry at fault.
type FileError struct {
	File  string
	Line  int
	Entry string
	Msg   string
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Entry != "" {
		b.WriteString(e.Entry)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func parse(files map[string][]byte) (*Lexicon, error) {
	lex := &Lexicon{Version: hashFiles(files)}
	if err := lex.parseUnits(files["units.yaml"]); err != nil {
		return nil, err
	}
	if err := lex.parseRules(files["rules.yaml"]); err != nil {
		return nil, err
	}
	if err := lex.parseSchemes(files["schemes.yaml"]); err != nil {
		return nil, err
	}
	if err := lex.parsePhrases(files["phrases.yaml"]); err != nil {
		return nil, err
	}
	for _, u := range lex.Units {
		if _, ok := lex.Schemes[u.Scheme]; !ok {
			return nil, &FileError{File: "units.yaml", Entry: fmt.Sprintf("unit %q", u.ID),
				Msg: fmt.Sprintf("scheme %q is not defined in schemes.yaml", u.Scheme)}
		}
	}
	return lex, nil
}

func hashFiles(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// decodeStrict decodes a YAML document rejecting unknown fields, turning
// decoder errors into FileErrors.
func decodeStrict(file string, data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return &FileError{File: file, Msg: "file is empty"}
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		fe := &FileError{File: file, Msg: msg}
		// yaml.v3 names the line in its message only; lift the first one
		// into Line so callers can point at it.
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			fe.Line, _ = strconv.Atoi(m[1])
		}
		return fe
	}
	return nil
}

// yamlLine finds the line a yaml.v3 error message names ("line 12: …").
var yamlLine = regexp.MustCompile(`\bline (\d+):`)

func (lex *Lexicon) parseUnits(data []byte) error {
	var doc struct {
		Units []Unit `yaml:"units"`
	}
	if err := decodeStrict("units.yaml", data, &doc); err != nil {
		return err
	}
	if len(doc.Units) == 0 {
		return &FileError{File: "units.yaml", Entry: "units", Msg: "no units defined"}
	}
	lex.units = make(map[string]*Unit, len(doc.Units))
	for i := range doc.Units {
		u := &doc.Units[i]
		entry := fmt.Sprintf("units[%d]", i)
		if u.ID != "" {
			entry = fmt.Sprintf("unit %q", u.ID)
		}
		switch {
		case u.ID == "":
			return &FileError{File: "units.yaml", Entry: entry, Msg: "id is empty"}
		case lex.units[u.ID] != nil:
			return &FileError{File: "units.yaml", Entry: entry, Msg: "defined twice"}
		case len(u.Aliases) == 0:
			return &FileError{File: "units.yaml", Entry: entry, Msg: "no aliases: the agent must have a name to say"}
		case u.RingLimit <= 0:
			return &FileError{File: "units.yaml", Entry: entry, Msg: fmt.Sprintf("ring_limit must be positive (got %d)", u.RingLimit)}
		case u.Scheme == "":
			return &FileError{File: "units.yaml", Entry: entry, Msg: "scheme is empty"}
		}
		for j, a := range u.Aliases {
			if strings.TrimSpace(a) == "" {
				return &FileError{File: "units.yaml", Entry: fmt.Sprintf("%s aliases[%d]", entry, j), Msg: "empty alias"}
			}
		}
		if u.Name == "" {
			u.Name = u.Aliases[0]
		}
		lex.units[u.ID] = u
	}
	lex.Units = doc.Units
	return nil
}

func (lex *Lexicon) parseRules(data []byte) error {
	var doc struct {
		Rules []RuleInfo `yaml:"rules"`
	}
	if err := decodeStrict("rules.yaml", data, &doc); err != nil {
		return err
	}
	lex.rules = make(map[string]*RuleInfo, len(doc.Rules))
	for i := range doc.Rules {
		r := &doc.Rules[i]
		entry := fmt.Sprintf("rules[%d]", i)
		if !IsRule(r.ID) {
			return &FileError{File: "rules.yaml", Entry: entry, Msg: fmt.Sprintf("%q is not a rule id of the catalogue", r.ID)}
		}
		if lex.rules[r.ID] != nil {
			return &FileError{File: "rules.yaml", Entry: fmt.Sprintf("rule %q", r.ID), Msg: "defined twice"}
		}
		if r.Clause == "" || r.Message == "" {
			return &FileError{File: "rules.yaml", Entry: fmt.Sprintf("rule %q", r.ID), Msg: "clause and message are required"}
		}
		lex.rules[r.ID] = r
	}
	for _, id := range RuleIDs {
		if lex.rules[id] == nil {
			return &FileError{File: "rules.yaml", Entry: fmt.Sprintf("rule %q", id), Msg: "missing from the catalogue"}
		}
	}
	lex.Rules = doc.Rules
	return nil
}

// Unit returns the unit with the given id.
func (lex *Lexicon) Unit(id string) (*Unit, bool) {
	u, ok := lex.units[id]
	return u, ok
}

// Rule returns the catalogue entry of a rule id.
func (lex *Lexicon) Rule(id string) (*RuleInfo, bool) {
	r, ok := lex.rules[id]
	return r, ok
}

// SchemeFor returns the scheme a unit's calls are scored with.
func (lex *Lexicon) SchemeFor(u *Unit) *Scheme {
	return lex.Schemes[u.Scheme]
}
