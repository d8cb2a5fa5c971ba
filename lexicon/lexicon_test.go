package lexicon

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dataFile returns a file of the embedded lexicon as it is in the repo.
func dataFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("data", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// override writes files into a new folder and returns it.
func override(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// replace replaces the first old in s, failing the test when s has no old,
// so an edit to the data cannot make a test pass by missing its target.
func replace(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("the data holds no %q to edit", old)
	}
	return strings.Replace(s, old, new, 1)
}

// lineOf returns the 1-based line of the first occurrence of sub in s.
func lineOf(t *testing.T, s, sub string) int {
	t.Helper()
	i := strings.Index(s, sub)
	if i < 0 {
		t.Fatalf("no %q in the edited file", sub)
	}
	return strings.Count(s[:i], "\n") + 1
}

func mustDefault(t *testing.T) *Lexicon {
	t.Helper()
	lex, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return lex
}

func mustLoad(t *testing.T, dir string) *Lexicon {
	t.Helper()
	lex, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return lex
}

func TestDefault(t *testing.T) {
	lex := mustDefault(t)
	if lex.Source != "embedded" {
		t.Errorf("Source = %q, want embedded", lex.Source)
	}
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(lex.Version) {
		t.Errorf("Version = %q, want 16 hex digits", lex.Version)
	}
	if len(lex.Units) == 0 || len(lex.Schemes) == 0 || len(lex.Lists) == 0 || len(lex.Patterns) == 0 {
		t.Fatalf("Default is missing parts: %d units, %d schemes, %d lists, %d pattern sets",
			len(lex.Units), len(lex.Schemes), len(lex.Lists), len(lex.Patterns))
	}

	t.Run("catalogue", func(t *testing.T) {
		if len(lex.Rules) != len(RuleIDs) {
			t.Errorf("%d catalogue entries, want one per rule id (%d)", len(lex.Rules), len(RuleIDs))
		}
		for _, id := range RuleIDs {
			if !IsRule(id) {
				t.Errorf("IsRule(%q) = false", id)
			}
			r, ok := lex.Rule(id)
			if !ok {
				t.Errorf("rule %q has no catalogue entry", id)
				continue
			}
			if r.ID != id || r.Title == "" || r.Source == "" || r.Clause == "" || r.Message == "" {
				t.Errorf("catalogue entry of %q is incomplete: %+v", id, *r)
			}
		}
		if IsRule("greeting") || IsRule("") {
			t.Errorf("IsRule accepts a non-rule")
		}
		if _, ok := lex.Rule("no.such_rule"); ok {
			t.Errorf("Rule(no.such_rule) found an entry")
		}
	})

	t.Run("schemes", func(t *testing.T) {
		for id, s := range lex.Schemes {
			if s.ID != id {
				t.Errorf("scheme %q has ID %q", id, s.ID)
			}
			if s.PassScore < 0 || s.PassScore > 100 {
				t.Errorf("scheme %q: pass score %d", id, s.PassScore)
			}
			if len(s.Rules) != len(RuleIDs) {
				t.Errorf("scheme %q: %d rule settings, want %d", id, len(s.Rules), len(RuleIDs))
			}
			for _, rid := range RuleIDs {
				r, ok := s.Rules[rid]
				if !ok {
					t.Errorf("scheme %q: no setting for rule %q", id, rid)
					continue
				}
				if !slices.Contains([]string{"minor", "major", "fatal"}, r.Severity) || r.Deduction < 0 || r.Deduction > 100 || r.Cap < 0 || r.Cap > 100 {
					t.Errorf("scheme %q rule %q: bad setting %+v", id, rid, r)
				}
			}
			th := s.Thresholds
			if th.RingMSPerRing <= 0 || th.LongTurnChars <= 0 || th.LongTurnMS <= 0 || th.ConfirmWithinTurns <= 0 ||
				th.InterruptOverlapMS <= 0 || th.SpeechRateMin < 0 || th.SpeechRateMax <= th.SpeechRateMin ||
				th.DeadAirMS <= 0 || th.RepeatMinDigits <= 0 {
				t.Errorf("scheme %q: bad thresholds %+v", id, th)
			}
			if s.Version == "" {
				t.Errorf("scheme %q has no version", id)
			}
		}
	})

	t.Run("units", func(t *testing.T) {
		for i := range lex.Units {
			u := &lex.Units[i]
			if lex.SchemeFor(u) == nil {
				t.Errorf("unit %q: scheme %q does not exist", u.ID, u.Scheme)
			}
			if got, ok := lex.Unit(u.ID); !ok || got.ID != u.ID {
				t.Errorf("Unit(%q) = %v, %v", u.ID, got, ok)
			}
		}
		if _, ok := lex.Unit("no-such-unit"); ok {
			t.Errorf("Unit(no-such-unit) found a unit")
		}
	})

	t.Run("lists and patterns", func(t *testing.T) {
		for _, name := range RequiredLists {
			l, ok := lex.Lists[name]
			if !ok {
				t.Errorf("list %q missing", name)
				continue
			}
			if l.Name != name || !slices.Contains([]MatchMode{MatchWord, MatchPrefix, MatchAny}, l.Match) {
				t.Errorf("list %q: name %q, match %q", name, l.Name, l.Match)
			}
			for _, p := range l.Phrases {
				if strings.TrimSpace(p.Text) != p.Text || p.Text == "" {
					t.Errorf("list %q: phrase %q not trimmed", name, p.Text)
				}
			}
		}
		for _, name := range RequiredPatterns {
			if _, ok := lex.Patterns[name]; !ok {
				t.Errorf("pattern set %q missing", name)
			}
		}
		// A phrase written as {text: …} in a homophone list keeps its own flag.
		if !lex.Lists[ListEvasive].Phrases[0].Homophone {
			t.Errorf("evasive phrases do not match by sound")
		}
		if lex.Lists[ListGreetings].Match != MatchWord || lex.Lists[ListPolitePrefix].Match != MatchPrefix {
			t.Errorf("match modes: greetings %q, polite_prefix %q", lex.Lists[ListGreetings].Match, lex.Lists[ListPolitePrefix].Match)
		}
	})
}

// TestDefaultUnits checks the units DESIGN.md promises.
func TestDefaultUnits(t *testing.T) {
	lex := mustDefault(t)
	tests := []struct {
		id        string
		aliases   []string
		ringLimit int
	}{
		{"sgcc-hz", []string{"国网杭州供电公司", "杭州供电公司", "国网杭州", "95598"}, 4},
		{"csg-gz", []string{"南方电网广州供电局", "广州供电局", "95598"}, 4},
		{"yongheng-heat", []string{"永恒热力", "永恒热力公司"}, 3},
		{"shengyuan-heat", []string{"盛源热力", "盛源热力公司", "盛源供热"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			u, ok := lex.Unit(tt.id)
			if !ok {
				t.Fatalf("unit %q missing", tt.id)
			}
			for _, a := range tt.aliases {
				if !slices.Contains(u.Aliases, a) {
					t.Errorf("aliases %v lack %q", u.Aliases, a)
				}
			}
			if u.RingLimit != tt.ringLimit {
				t.Errorf("ring limit %d, want %d", u.RingLimit, tt.ringLimit)
			}
			if u.Name == "" {
				t.Errorf("no name")
			}
			if lex.SchemeFor(u) == nil {
				t.Errorf("scheme %q missing", u.Scheme)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	base := mustDefault(t)
	if again := mustDefault(t); again.Version != base.Version {
		t.Fatalf("Version changes between loads: %s, %s", base.Version, again.Version)
	}
	empty := mustLoad(t, t.TempDir())
	if empty.Version != base.Version {
		t.Errorf("an empty override folder changes the version: %s, want %s", empty.Version, base.Version)
	}
	same := map[string]string{}
	for _, name := range Files {
		same[name] = dataFile(t, name)
	}
	if v := mustLoad(t, override(t, same)).Version; v != base.Version {
		t.Errorf("a folder holding the embedded files unchanged has version %s, want %s", v, base.Version)
	}

	seen := map[string]string{base.Version: "embedded"}
	for _, name := range Files {
		t.Run(name, func(t *testing.T) {
			// A comment changes no meaning but is content all the same.
			edited := dataFile(t, name) + "\n# edited\n"
			lex := mustLoad(t, override(t, map[string]string{name: edited}))
			if other, ok := seen[lex.Version]; ok {
				t.Errorf("editing %s gives version %s, the same as %s", name, lex.Version, other)
			}
			seen[lex.Version] = name
			if again := mustLoad(t, override(t, map[string]string{name: edited})); again.Version != lex.Version {
				t.Errorf("the same override loads with versions %s and %s", lex.Version, again.Version)
			}
		})
	}
}

// patternSources returns the sources of the pattern sets, which compare
// where compiled expressions may not.
func patternSources(lex *Lexicon) map[string][]string {
	m := map[string][]string{}
	for name, ps := range lex.Patterns {
		for _, p := range ps {
			m[name] = append(m[name], p.Source)
		}
	}
	return m
}

// TestOverrideOneFile replaces one file at a time and checks that only its
// part of the lexicon and the version change.
func TestOverrideOneFile(t *testing.T) {
	base := mustDefault(t)
	parts := map[string]func(*Lexicon) any{
		"units.yaml":   func(l *Lexicon) any { return l.Units },
		"rules.yaml":   func(l *Lexicon) any { return l.Rules },
		"schemes.yaml": func(l *Lexicon) any { return l.Schemes },
		"phrases.yaml": func(l *Lexicon) any {
			return []any{l.Lists, patternSources(l), l.Fillers, l.ClauseFillers, l.UserWords}
		},
	}
	tests := []struct {
		file  string
		edit  func(t *testing.T, s string) string
		check func(t *testing.T, lex *Lexicon)
	}{
		{"units.yaml", func(t *testing.T, s string) string {
			s = replace(t, s, "ring_limit: 3\n    scheme: heat-hotline\n\n  - id: shengyuan-heat", "ring_limit: 2\n    scheme: heat-hotline\n\n  - id: shengyuan-heat")
			return s + "\n  - id: test-water\n    aliases: [测试水务]\n    ring_limit: 5\n    scheme: default\n"
		}, func(t *testing.T, lex *Lexicon) {
			if u, _ := lex.Unit("yongheng-heat"); u == nil || u.RingLimit != 2 {
				t.Errorf("yongheng-heat = %+v, want ring limit 2", u)
			}
			u, ok := lex.Unit("test-water")
			if !ok || u.Name != "测试水务" || u.RingLimit != 5 || lex.SchemeFor(u) == nil {
				t.Errorf("added unit = %+v, %v; want it named by its first alias, with scheme default", u, ok)
			}
		}},
		{"rules.yaml", func(t *testing.T, s string) string {
			return replace(t, s, "title: 长时间静默", "title: 静默过长")
		}, func(t *testing.T, lex *Lexicon) {
			if r, _ := lex.Rule(RuleTimingDeadAir); r == nil || r.Title != "静默过长" {
				t.Errorf("rule %s = %+v, want the new title", RuleTimingDeadAir, r)
			}
		}},
		{"schemes.yaml", func(t *testing.T, s string) string {
			return replace(t, s, "  - id: heat-hotline\n    extends: default", "  - id: heat-hotline\n    extends: default\n    pass_score: 85")
		}, func(t *testing.T, lex *Lexicon) {
			if s := lex.Schemes["heat-hotline"]; s == nil || s.PassScore != 85 {
				t.Errorf("heat-hotline = %+v, want pass score 85", s)
			}
		}},
		{"phrases.yaml", func(t *testing.T, s string) string {
			return replace(t, s, "phrases: [您好, ", "phrases: [您们好, 您好, ")
		}, func(t *testing.T, lex *Lexicon) {
			if p := lex.Lists[ListGreetings].Phrases; len(p) == 0 || p[0].Text != "您们好" {
				t.Errorf("greetings = %v, want 您们好 first", p)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			dir := override(t, map[string]string{tt.file: tt.edit(t, dataFile(t, tt.file))})
			lex := mustLoad(t, dir)
			if lex.Source != dir {
				t.Errorf("Source = %q, want the folder %q", lex.Source, dir)
			}
			if lex.Version == base.Version {
				t.Errorf("version unchanged by an override of %s", tt.file)
			}
			tt.check(t, lex)
			for file, part := range parts {
				changed := !reflect.DeepEqual(part(lex), part(base))
				if changed != (file == tt.file) {
					t.Errorf("overriding %s: the part of %s changed = %v", tt.file, file, changed)
				}
			}
		})
	}
}

func TestOverrideFolder(t *testing.T) {
	base := mustDefault(t)
	units := replace(t, dataFile(t, "units.yaml"), "ring_limit: 4", "ring_limit: 6")
	tests := []struct {
		name    string
		files   map[string]string
		version string // "base": the embedded version; "new": another one
		err     string // fragment of the error; "" for none
	}{
		{"README and dotfiles ignored", map[string]string{
			"README.md": "# our lexicon\n", "readme.txt": "notes", "ReadMe": "x",
			".DS_Store": "\x00\x01", ".units.yaml.swp": "junk", ".hidden.yaml": "units: [",
		}, "base", ""},
		{"subfolders ignored", map[string]string{"old/units.yaml": "not: [valid"}, "base", ""},
		{"ignored files beside an override", map[string]string{"units.yaml": units, "README": "why ring_limit 6"}, "new", ""},
		{"unknown file", map[string]string{"unit.yaml": units}, "", `unknown file "unit.yaml"`},
		{"unknown file beside good ones", map[string]string{"units.yaml": units, "stopwords.txt": "的\n"}, "", `unknown file "stopwords.txt"`},
		{"file name in capitals", map[string]string{"Units.yaml": units}, "", `"Units.yaml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lex, err := Load(override(t, tt.files))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Load error = %v, want one containing %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if (lex.Version == base.Version) != (tt.version == "base") {
				t.Errorf("version %s, embedded %s: want %s", lex.Version, base.Version, tt.version)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "lexicon folder") {
		t.Errorf("Load of a missing folder = %v, want an error naming the lexicon folder", err)
	}
}

// TestValidation breaks one thing at a time in one file and checks the
// error names the file, the entry, the line where the loader knows it, and
// what is wrong.
func TestValidation(t *testing.T) {
	type edit func(t *testing.T, s string) string
	rep := func(old, new string) edit {
		return func(t *testing.T, s string) string { return replace(t, s, old, new) }
	}
	add := func(extra string) edit {
		return func(t *testing.T, s string) string { return s + extra }
	}
	whole := func(body string) edit {
		return func(t *testing.T, s string) string { return body }
	}
	tests := []struct {
		name  string
		file  string
		edit  edit
		entry string // the FileError's Entry
		line  string // text on the line the error must name; "" for no line
		msg   string // fragment of Msg
	}{
		// units.yaml
		{"unknown field", "units.yaml", rep("    ring_limit: 3\n    scheme: heat-hotline\n\n  - id: shengyuan", "    ring_limit: 3\n    ring_seconds: 9\n    scheme: heat-hotline\n\n  - id: shengyuan"),
			"", "ring_seconds: 9", "field ring_seconds not found"},
		{"unknown top-level field", "units.yaml", add("unit_defaults:\n  ring_limit: 4\n"), "", "unit_defaults:", "field unit_defaults not found"},
		{"wrong type", "units.yaml", rep("ring_limit: 3", "ring_limit: three"), "", "ring_limit: three", "cannot unmarshal"},
		{"empty file", "units.yaml", whole("# nothing here\n"), "", "", "file is empty"},
		{"no units", "units.yaml", whole("units: []\n"), "units", "", "no units defined"},
		{"unit id empty", "units.yaml", rep("- id: csg-gz", "- id: ''"), "units[1]", "", "id is empty"},
		{"duplicate unit id", "units.yaml", rep("- id: csg-gz", "- id: sgcc-hz"), `unit "sgcc-hz"`, "", "defined twice"},
		{"unit without aliases", "units.yaml", rep("aliases: [永恒热力, 永恒热力公司]", "aliases: []"), `unit "yongheng-heat"`, "", "no aliases"},
		{"unit with an empty alias", "units.yaml", rep("aliases: [永恒热力, 永恒热力公司]", "aliases: [永恒热力, ' ']"), `unit "yongheng-heat" aliases[1]`, "", "empty alias"},
		{"ring_limit 0", "units.yaml", rep("ring_limit: 3", "ring_limit: 0"), `unit "yongheng-heat"`, "", "ring_limit must be positive (got 0)"},
		{"ring_limit missing", "units.yaml", rep("    ring_limit: 3\n", ""), `unit "yongheng-heat"`, "", "ring_limit must be positive (got 0)"},
		{"unit without scheme", "units.yaml", rep("    scheme: heat-hotline\n", ""), `unit "yongheng-heat"`, "", "scheme is empty"},
		{"unit with unknown scheme", "units.yaml", rep("scheme: heat-hotline", "scheme: water-hotline"), `unit "yongheng-heat"`, "", `scheme "water-hotline" is not defined in schemes.yaml`},

		// rules.yaml
		{"unknown rule id in the catalogue", "rules.yaml", rep("- id: timing.dead_air", "- id: timing.silence"), "rules[18]", "", `"timing.silence" is not a rule id`},
		{"rule defined twice", "rules.yaml", rep("- id: timing.speech_rate", "- id: timing.interrupt"), `rule "timing.interrupt"`, "", "defined twice"},
		{"rule without a clause", "rules.yaml", rep("    clause: 语速适中。\n", ""), `rule "timing.speech_rate"`, "", "clause and message are required"},
		{"missing rule in the catalogue", "rules.yaml", func(t *testing.T, s string) string {
			i := strings.Index(s, "  - id: timing.dead_air")
			if i < 0 {
				t.Fatal("no timing.dead_air in rules.yaml")
			}
			return s[:i]
		}, `rule "timing.dead_air"`, "", "missing from the catalogue"},
		{"unknown field in a rule", "rules.yaml", rep("    title: 语速适中\n", "    title: 语速适中\n    weight: 2\n"), "", "weight: 2", "field weight not found"},

		// schemes.yaml
		{"unknown rule id in a scheme", "schemes.yaml", rep("      timing.dead_air:", "      timing.silence:       {deduction: 5, severity: minor}\n      timing.dead_air:"),
			`scheme "default" rules`, "", `"timing.silence" is not a rule id`},
		{"rule missing from a scheme", "schemes.yaml", rep("      timing.speech_rate:      {deduction: 3,  severity: minor}\n", ""),
			`scheme "default"`, "", `rule "timing.speech_rate" has no deduction`},
		{"scheme extends an unknown scheme", "schemes.yaml", rep("  - id: heat-hotline\n    extends: default", "  - id: heat-hotline\n    extends: defualt"),
			`scheme "heat-hotline"`, "", `extends "defualt", which is not defined`},
		{"extends loop", "schemes.yaml", rep("  - id: default\n", "  - id: default\n    extends: heat-hotline\n"),
			`scheme "default"`, "", "extends chain loops"},
		{"scheme extends itself", "schemes.yaml", rep("  - id: heat-hotline\n    extends: default", "  - id: heat-hotline\n    extends: heat-hotline"),
			`scheme "heat-hotline"`, "", "extends chain loops"},
		{"scheme defined twice", "schemes.yaml", rep("- id: heat-hotline", "- id: power-95598"), `scheme "power-95598"`, "", "defined twice"},
		{"scheme id empty", "schemes.yaml", rep("- id: heat-hotline", "- id: ''"), "schemes[2]", "", "id is empty"},
		{"bad severity", "schemes.yaml", rep("{deduction: 100, severity: fatal}", "{deduction: 100, severity: deadly}"),
			`scheme "default" rules.forbidden.profanity`, "", `severity "deadly" is not minor, major or fatal`},
		{"severity missing", "schemes.yaml", rep("{deduction: 100, severity: fatal}", "{deduction: 100}"),
			`scheme "default" rules.forbidden.profanity`, "", `severity "" is not`},
		{"deduction over 100", "schemes.yaml", rep("{deduction: 100, severity: fatal}", "{deduction: 101, severity: fatal}"),
			`scheme "default" rules.forbidden.profanity`, "", "between 0 and 100"},
		{"negative deduction", "schemes.yaml", rep("{deduction: 3,  severity: minor}", "{deduction: -3, severity: minor}"),
			`scheme "default" rules.listening.acknowledge`, "", "between 0 and 100"},
		{"cap over 100", "schemes.yaml", rep("cap: 30,", "cap: 300,"), `scheme "default" rules.forbidden.evasive`, "", "between 0 and 100"},
		{"deduction out of range in an extending scheme", "schemes.yaml",
			rep("  - id: heat-hotline\n    extends: default", "  - id: heat-hotline\n    extends: default\n    rules:\n      outage.eta: {deduction: 150}"),
			`scheme "heat-hotline" rules.outage.eta`, "", "between 0 and 100"},
		{"pass score missing", "schemes.yaml", rep("    pass_score: 80\n", ""), `scheme "default"`, "", "pass_score must be set"},
		{"pass score over 100", "schemes.yaml", rep("pass_score: 80", "pass_score: 180"), `scheme "default"`, "", "pass_score must be set, between 0 and 100"},
		{"missing threshold", "schemes.yaml", rep("      dead_air_ms: 15000            # timing.dead_air\n", ""),
			`scheme "default" thresholds`, "", "missing [dead_air_ms]"},
		{"empty speech-rate range", "schemes.yaml", rep("speech_rate_max: 6.0", "speech_rate_max: 2.5"),
			`scheme "default" thresholds`, "", "speech rate range 2.50–2.50 is empty"},
		{"inverted speech-rate range", "schemes.yaml", rep("speech_rate_max: 6.0", "speech_rate_max: 1.0"),
			`scheme "default" thresholds`, "", "is empty"},
		{"threshold zero", "schemes.yaml", rep("long_turn_ms: 10000", "long_turn_ms: 0"),
			`scheme "default" thresholds.long_turn_ms`, "", "must be positive (got 0)"},
		{"unknown threshold", "schemes.yaml", rep("      dead_air_ms: 15000", "      dead_air_seconds: 15\n      dead_air_ms: 15000"),
			"", "dead_air_seconds: 15", "field dead_air_seconds not found"},

		// phrases.yaml
		{"empty phrase", "phrases.yaml", rep("phrases: [您好, ", "phrases: [您好, '  ', "), "lists.greetings.phrases[1]", "phrases: [您好, '  ', ", "empty phrase"},
		{"duplicate phrase", "phrases.yaml", rep("早上好, 上午好,", "早上好, 上午好, 早上好,"), "lists.greetings.phrases[4]", "早上好, 上午好, 早上好,", `"早上好" is listed twice`},
		{"duplicate phrase after trimming", "phrases.yaml", rep("phrases: [您好, ", "phrases: [您好, ' 您好', "), "lists.greetings.phrases[1]", "' 您好'", `"您好" is listed twice`},
		{"duplicate phrase written as a map", "phrases.yaml", rep("phrases: [您好, ", "phrases: [您好, {text: 您好, homophone: true}, "), "lists.greetings.phrases[1]", "{text: 您好, homophone: true}", "listed twice"},
		{"bad match mode", "phrases.yaml", rep("    match: prefix\n    phrases: [请]", "    match: suffix\n    phrases: [请]"), "lists.polite_prefix", "", `match "suffix" is not word, prefix or any`},
		{"unknown field in a list", "phrases.yaml", rep("    match: prefix\n    phrases: [请]", "    match: prefix\n    weight: 1\n    phrases: [请]"), "", "weight: 1", "field weight not found"},
		{"missing required list", "phrases.yaml", rep("  hold_requests:\n", "  hold_request:\n"), "lists.hold_requests", "", "required list is missing"},
		{"missing pattern set", "phrases.yaml", rep("  phone:\n", "  phones:\n"), "patterns.phone", "", "required pattern set is missing"},
		{"bad regular expression", "phrases.yaml", rep(`- '\d{7,}'`, `- '(\d{7,}'`), "patterns.phone[0]", `- '(\d{7,}'`, "bad regular expression"},
		{"pattern matching the empty string", "phrases.yaml", rep(`- '\d{7,}'`, `- '\d*'`), "patterns.phone[0]", `- '\d*'`, "pattern matches the empty string"},
		{"optional pattern matching the empty string", "phrases.yaml", rep(`- '\d{7,}'`, "- '\\d{7,}'\n    - '(?:户号)?'"), "patterns.phone[1]", "- '(?:户号)?'", "pattern matches the empty string"},
		{"empty pattern", "phrases.yaml", rep(`- '\d{7,}'`, `- ''`), "patterns.phone[0]", "- ''", "want a non-empty regular expression"},
		{"pattern not a string", "phrases.yaml", rep(`- '\d{7,}'`, `- {re: '\d{7,}'}`), "patterns.phone[0]", `- {re: '\d{7,}'}`, "want a non-empty regular expression"},
		{"empty filler", "phrases.yaml", rep("fillers: [嗯, ", "fillers: ['', 嗯, "), "fillers[0]", "", "empty word"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.edit(t, dataFile(t, tt.file))
			_, err := Load(override(t, map[string]string{tt.file: body}))
			if err == nil {
				t.Fatalf("Load succeeded, want an error in %s", tt.file)
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FileError", err, err)
			}
			if fe.File != tt.file {
				t.Errorf("File = %q, want %q (%v)", fe.File, tt.file, err)
			}
			if fe.Entry != tt.entry {
				t.Errorf("Entry = %q, want %q (%v)", fe.Entry, tt.entry, err)
			}
			if tt.line != "" {
				if want := lineOf(t, body, tt.line); fe.Line != want {
					t.Errorf("Line = %d, want %d (%v)", fe.Line, want, err)
				}
			} else if fe.Line != 0 {
				t.Errorf("Line = %d, want none (%v)", fe.Line, err)
			}
			if !strings.Contains(fe.Msg, tt.msg) {
				t.Errorf("Msg = %q, want it to contain %q", fe.Msg, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), tt.file) || !strings.Contains(err.Error(), tt.entry) {
				t.Errorf("Error() = %q does not name the file and entry", err.Error())
			}
		})
	}
}

// TestValidationSyntax breaks the YAML itself. The error names the file and
// a line; yaml.v3 reports a syntax error on its line or the one before
// (go-yaml/yaml#205) and the loader passes on what it is told.
func TestValidationSyntax(t *testing.T) {
	rep := func(old, new string) func(t *testing.T, s string) string {
		return func(t *testing.T, s string) string { return replace(t, s, old, new) }
	}
	tests := []struct {
		name  string
		file  string
		edit  func(t *testing.T, s string) string
		entry string
		line  string // text on the line the error is about
		msg   string
	}{
		{"malformed YAML", "units.yaml", rep("    aliases: [永恒热力, 永恒热力公司]", "    aliases: [永恒热力, 永恒热力公司"),
			"", "aliases: [永恒热力, 永恒热力公司\n", "did not find expected ',' or ']'"},
		{"tab in the indentation", "units.yaml", rep("  - id: csg-gz\n", "  - id: csg-gz\n\tname: 广州\n"),
			"", "\tname: 广州", "found a tab character"},
		{"bad indentation", "units.yaml", rep("    scheme: power-95598\n\n  - id: csg-gz", "     scheme: power-95598\n\n  - id: csg-gz"),
			"", "     scheme: power-95598", "mapping values are not allowed"},
		{"malformed scheme YAML", "schemes.yaml", rep("{deduction: 10, severity: major}", "{deduction: 10, severity: major"),
			"", "{deduction: 10, severity: major\n", "did not find expected ',' or '}'"},
		{"malformed phrases YAML", "phrases.yaml", rep("phrases: [您好, ", "phrases: [[您好, "), "", "phrases: [[您好, ", "did not find expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.edit(t, dataFile(t, tt.file))
			_, err := Load(override(t, map[string]string{tt.file: body}))
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Load error = %v (%T), want a *FileError", err, err)
			}
			if fe.File != tt.file || fe.Entry != tt.entry || !strings.Contains(fe.Msg, tt.msg) {
				t.Errorf("error %+v, want file %s, entry %q, message with %q", *fe, tt.file, tt.entry, tt.msg)
			}
			if want := lineOf(t, body, tt.line); fe.Line != want && fe.Line != want-1 {
				t.Errorf("Line = %d, want %d or the line before (%v)", fe.Line, want, err)
			}
		})
	}
}

func TestFileErrorText(t *testing.T) {
	tests := []struct {
		err  FileError
		want string
	}{
		{FileError{File: "phrases.yaml", Line: 12, Entry: "lists.greetings.phrases[1]", Msg: "empty phrase"}, "phrases.yaml:12: lists.greetings.phrases[1]: empty phrase"},
		{FileError{File: "units.yaml", Entry: `unit "x"`, Msg: "defined twice"}, `units.yaml: unit "x": defined twice`},
		{FileError{File: "units.yaml", Msg: "file is empty"}, "units.yaml: file is empty"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestNumMacro(t *testing.T) {
	lex := mustDefault(t)
	var eta *Pattern
	for i, p := range lex.Patterns[PatternETA] {
		if strings.HasPrefix(p.Source, "{num}") && strings.Contains(p.Source, "小时") {
			eta = &lex.Patterns[PatternETA][i]
		}
	}
	if eta == nil {
		t.Fatalf("no eta pattern of hours with {num} in %v", patternSources(lex)[PatternETA])
	}
	if strings.Contains(eta.Re.String(), "{num}") {
		t.Errorf("compiled %q still holds {num}", eta.Re)
	}

	// A pattern of an override folder gets the same expansion.
	body := replace(t, dataFile(t, "phrases.yaml"), `- '\d{7,}'`, `- '\d{7,}'`+"\n    - '第{num}次'")
	over := mustLoad(t, override(t, map[string]string{"phrases.yaml": body}))
	ps := over.Patterns[PatternPhone]
	if len(ps) != 2 || ps[1].Source != "第{num}次" {
		t.Fatalf("phone patterns = %v", patternSources(over)[PatternPhone])
	}
	tests := []struct {
		re    *Pattern
		text  string
		match string // "" for no match
	}{
		{eta, "三个小时", "三个小时"},
		{eta, "3个小时", "3个小时"},
		{eta, "大概两个半小时左右", "两个半小时"},
		{eta, "预计30分钟", "30分钟"},
		{eta, "十五分钟", "十五分钟"},
		{eta, "个小时", ""},
		{eta, "几个小时", ""},
		{&ps[1], "第3次", "第3次"},
		{&ps[1], "第三次", "第三次"},
		{&ps[1], "第十二次", "第十二次"},
		{&ps[1], "第几次", ""},
		{&ps[1], "第次", ""},
	}
	for _, tt := range tests {
		if got := tt.re.Re.FindString(tt.text); got != tt.match {
			t.Errorf("%q on %q found %q, want %q", tt.re.Source, tt.text, got, tt.match)
		}
	}
}

// TestSchemeResolution checks extends: an extending scheme overrides what
// it sets and inherits the rest, and a scheme's version follows its
// resolved content, not the file it came from.
func TestSchemeResolution(t *testing.T) {
	base := mustDefault(t)
	def, power, heat := base.Schemes["default"], base.Schemes["power-95598"], base.Schemes["heat-hotline"]
	if def == nil || power == nil || heat == nil {
		t.Fatalf("default schemes missing: %v", base.Schemes)
	}
	t.Run("plain extends inherits everything", func(t *testing.T) {
		for _, s := range []*Scheme{power, heat} {
			if !reflect.DeepEqual(s.Rules, def.Rules) || s.Thresholds != def.Thresholds || s.PassScore != def.PassScore {
				t.Errorf("scheme %q differs from the default it extends with nothing", s.ID)
			}
		}
		if power.Version == def.Version || power.Version == heat.Version {
			t.Errorf("schemes of different ids share a version: %s %s %s", def.Version, power.Version, heat.Version)
		}
	})

	schemes := dataFile(t, "schemes.yaml")
	t.Run("override one rule and one threshold", func(t *testing.T) {
		body := replace(t, schemes, "  - id: power-95598\n    extends: default",
			"  - id: power-95598\n    extends: default\n    thresholds:\n      dead_air_ms: 20000\n    rules:\n      forbidden.evasive: {deduction: 20}\n      outage.eta: {enabled: false}")
		lex := mustLoad(t, override(t, map[string]string{"schemes.yaml": body}))
		p := lex.Schemes["power-95598"]
		ev := p.Rules[RuleForbiddenEvasive]
		want := def.Rules[RuleForbiddenEvasive]
		want.Deduction = 20
		if ev != want {
			t.Errorf("forbidden.evasive = %+v, want %+v (cap and severity inherited)", ev, want)
		}
		if !ev.PerOccurrence() {
			t.Errorf("forbidden.evasive lost its cap")
		}
		eta := p.Rules[RuleOutageETA]
		if eta.Enabled || eta.Deduction != def.Rules[RuleOutageETA].Deduction {
			t.Errorf("outage.eta = %+v, want disabled with the inherited deduction", eta)
		}
		for _, rid := range RuleIDs {
			if rid == RuleForbiddenEvasive || rid == RuleOutageETA {
				continue
			}
			if p.Rules[rid] != def.Rules[rid] {
				t.Errorf("rule %s = %+v, want the inherited %+v", rid, p.Rules[rid], def.Rules[rid])
			}
			if !p.Rules[rid].Enabled {
				t.Errorf("rule %s disabled", rid)
			}
		}
		wantTh := def.Thresholds
		wantTh.DeadAirMS = 20000
		if p.Thresholds != wantTh {
			t.Errorf("thresholds = %+v, want %+v", p.Thresholds, wantTh)
		}
		if p.PassScore != def.PassScore {
			t.Errorf("pass score %d, want the inherited %d", p.PassScore, def.PassScore)
		}
		if p.Version == power.Version {
			t.Errorf("power-95598 kept its version %s with other deductions", p.Version)
		}
		if lex.Schemes["default"].Version != def.Version || lex.Schemes["heat-hotline"].Version != heat.Version {
			t.Errorf("the versions of the schemes left alone changed")
		}
	})

	t.Run("deduction back to the inherited value", func(t *testing.T) {
		body := replace(t, schemes, "  - id: power-95598\n    extends: default",
			"  - id: power-95598\n    extends: default\n    rules:\n      forbidden.evasive: {deduction: 15}")
		lex := mustLoad(t, override(t, map[string]string{"schemes.yaml": body}))
		if lex.Version == base.Version {
			t.Errorf("lexicon version unchanged by an edited file")
		}
		if got := lex.Schemes["power-95598"].Version; got != power.Version {
			t.Errorf("power-95598 version %s, want %s: setting a rule to what it inherits changes nothing", got, power.Version)
		}
	})

	t.Run("same content under another layout", func(t *testing.T) {
		// The default scheme's body spelled out in power-95598, the schemes
		// in another order, no comments: power-95598 resolves to the same
		// content and keeps its version.
		start := strings.Index(schemes, "  - id: default\n")
		end := strings.Index(schemes, "\n  # The 95598")
		if start < 0 || end < start {
			t.Fatal("schemes.yaml is not laid out as this test expects")
		}
		bodyLines := strings.Split(schemes[start+len("  - id: default\n"):end], "\n")
		for i, l := range bodyLines {
			if j := strings.Index(l, "#"); j >= 0 {
				bodyLines[i] = strings.TrimRight(l[:j], " ")
			}
		}
		body := strings.Join(bodyLines, "\n")
		layout := "schemes:\n  - id: heat-hotline\n    extends: default\n  - id: power-95598\n" + body + "\n  - id: default\n" + body + "\n"
		lex := mustLoad(t, override(t, map[string]string{"schemes.yaml": layout}))
		if lex.Version == base.Version {
			t.Errorf("lexicon version unchanged by another file")
		}
		for id, want := range map[string]*Scheme{"default": def, "power-95598": power, "heat-hotline": heat} {
			got := lex.Schemes[id]
			if got.Version != want.Version {
				t.Errorf("scheme %s: version %s under the new layout, want %s", id, got.Version, want.Version)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("scheme %s differs under the new layout:\n%+v\nwant\n%+v", id, got, want)
			}
		}
	})
}
