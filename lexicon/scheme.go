package lexicon

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

// Scheme is a resolved scoring scheme: every rule's deduction, cap and
// severity, the pass score and the thresholds of the timing and listening
// rules. Extends chains are already applied.
type Scheme struct {
	ID         string                 `json:"id"`
	PassScore  int                    `json:"pass_score"`
	Thresholds Thresholds             `json:"thresholds"`
	Rules      map[string]RuleSetting `json:"rules"`
	// Version is a hash of the resolved scheme.
	Version string `json:"version"`
}

// RuleSetting is one rule's place in a scheme.
type RuleSetting struct {
	Deduction int    `json:"deduction"`
	Cap       int    `json:"cap,omitempty"`
	Severity  string `json:"severity"`
	Enabled   bool   `json:"enabled"`
}

// PerOccurrence reports whether the rule deducts for every finding up to
// its cap, rather than once per call.
func (r RuleSetting) PerOccurrence() bool { return r.Cap > 0 }

// Thresholds are the numbers the timing and listening rules compare with.
type Thresholds struct {
	RingMSPerRing        int64   `json:"ring_ms_per_ring"`
	LongTurnChars        int     `json:"long_turn_chars"`
	LongTurnMS           int64   `json:"long_turn_ms"`
	ConfirmWithinTurns   int     `json:"confirm_within_turns"`
	InterruptOverlapMS   int64   `json:"interrupt_overlap_ms"`
	SpeechRateMin        float64 `json:"speech_rate_min"`
	SpeechRateMax        float64 `json:"speech_rate_max"`
	SpeechRateMinAgentMS int64   `json:"speech_rate_min_agent_ms"`
	DeadAirMS            int64   `json:"dead_air_ms"`
	RepeatMinDigits      int     `json:"repeat_min_digits"`
}

type schemeDoc struct {
	ID         string                    `yaml:"id"`
	Extends    string                    `yaml:"extends"`
	PassScore  *int                      `yaml:"pass_score"`
	Thresholds thresholdsDoc             `yaml:"thresholds"`
	Rules      map[string]ruleSettingDoc `yaml:"rules"`
}

type ruleSettingDoc struct {
	Deduction *int    `yaml:"deduction"`
	Cap       *int    `yaml:"cap"`
	Severity  *string `yaml:"severity"`
	Enabled   *bool   `yaml:"enabled"`
}

type thresholdsDoc struct {
	RingMSPerRing        *int64   `yaml:"ring_ms_per_ring"`
	LongTurnChars        *int     `yaml:"long_turn_chars"`
	LongTurnMS           *int64   `yaml:"long_turn_ms"`
	ConfirmWithinTurns   *int     `yaml:"confirm_within_turns"`
	InterruptOverlapMS   *int64   `yaml:"interrupt_overlap_ms"`
	SpeechRateMin        *float64 `yaml:"speech_rate_min"`
	SpeechRateMax        *float64 `yaml:"speech_rate_max"`
	SpeechRateMinAgentMS *int64   `yaml:"speech_rate_min_agent_ms"`
	DeadAirMS            *int64   `yaml:"dead_air_ms"`
	RepeatMinDigits      *int     `yaml:"repeat_min_digits"`
}

func (lex *Lexicon) parseSchemes(data []byte) error {
	var doc struct {
		Schemes []schemeDoc `yaml:"schemes"`
	}
	if err := decodeStrict("schemes.yaml", data, &doc); err != nil {
		return err
	}
	docs := make(map[string]*schemeDoc, len(doc.Schemes))
	for i := range doc.Schemes {
		d := &doc.Schemes[i]
		if d.ID == "" {
			return &FileError{File: "schemes.yaml", Entry: fmt.Sprintf("schemes[%d]", i), Msg: "id is empty"}
		}
		if docs[d.ID] != nil {
			return &FileError{File: "schemes.yaml", Entry: fmt.Sprintf("scheme %q", d.ID), Msg: "defined twice"}
		}
		for id := range d.Rules {
			if !IsRule(id) {
				return &FileError{File: "schemes.yaml", Entry: fmt.Sprintf("scheme %q rules", d.ID),
					Msg: fmt.Sprintf("%q is not a rule id of the catalogue", id)}
			}
		}
		docs[d.ID] = d
	}
	lex.Schemes = make(map[string]*Scheme, len(docs))
	// Resolve in file order, so that of several broken schemes the error
	// names the first, the same one on every load.
	for i := range doc.Schemes {
		id := doc.Schemes[i].ID
		s, err := resolveScheme(docs, id)
		if err != nil {
			return err
		}
		lex.Schemes[id] = s
	}
	return nil
}

// resolveScheme applies a scheme's extends chain, root first, and checks
// the result is complete.
func resolveScheme(docs map[string]*schemeDoc, id string) (*Scheme, error) {
	var chain []*schemeDoc
	seen := map[string]bool{}
	for cur := id; cur != ""; {
		d := docs[cur]
		if d == nil {
			return nil, &FileError{File: "schemes.yaml", Entry: fmt.Sprintf("scheme %q", chain[len(chain)-1].ID),
				Msg: fmt.Sprintf("extends %q, which is not defined", cur)}
		}
		if seen[cur] {
			return nil, &FileError{File: "schemes.yaml", Entry: fmt.Sprintf("scheme %q", id), Msg: "extends chain loops"}
		}
		seen[cur] = true
		chain = append(chain, d)
		cur = d.Extends
	}
	s := &Scheme{ID: id, PassScore: -1, Rules: map[string]RuleSetting{}}
	var t thresholdsDoc
	for i := len(chain) - 1; i >= 0; i-- {
		d := chain[i]
		if d.PassScore != nil {
			s.PassScore = *d.PassScore
		}
		mergeThresholds(&t, d.Thresholds)
		for rid, rd := range d.Rules {
			r, ok := s.Rules[rid]
			if !ok {
				r.Enabled = true
			}
			if rd.Deduction != nil {
				r.Deduction = *rd.Deduction
			}
			if rd.Cap != nil {
				r.Cap = *rd.Cap
			}
			if rd.Severity != nil {
				r.Severity = *rd.Severity
			}
			if rd.Enabled != nil {
				r.Enabled = *rd.Enabled
			}
			s.Rules[rid] = r
		}
	}
	entry := fmt.Sprintf("scheme %q", id)
	if s.PassScore < 0 || s.PassScore > 100 {
		return nil, &FileError{File: "schemes.yaml", Entry: entry, Msg: "pass_score must be set, between 0 and 100"}
	}
	for _, rid := range RuleIDs {
		r, ok := s.Rules[rid]
		if !ok {
			return nil, &FileError{File: "schemes.yaml", Entry: entry, Msg: fmt.Sprintf("rule %q has no deduction (set it here or in the scheme it extends)", rid)}
		}
		switch r.Severity {
		case "minor", "major", "fatal":
		default:
			return nil, &FileError{File: "schemes.yaml", Entry: entry + " rules." + rid,
				Msg: fmt.Sprintf("severity %q is not minor, major or fatal", r.Severity)}
		}
		if r.Deduction < 0 || r.Deduction > 100 || r.Cap < 0 || r.Cap > 100 {
			return nil, &FileError{File: "schemes.yaml", Entry: entry + " rules." + rid, Msg: "deduction and cap must be between 0 and 100"}
		}
	}
	var err error
	if s.Thresholds, err = t.resolve(entry); err != nil {
		return nil, err
	}
	s.Version = schemeVersion(s)
	return s, nil
}

func mergeThresholds(dst *thresholdsDoc, src thresholdsDoc) {
	setI64 := func(d **int64, s *int64) {
		if s != nil {
			*d = s
		}
	}
	setInt := func(d **int, s *int) {
		if s != nil {
			*d = s
		}
	}
	setF := func(d **float64, s *float64) {
		if s != nil {
			*d = s
		}
	}
	setI64(&dst.RingMSPerRing, src.RingMSPerRing)
	setInt(&dst.LongTurnChars, src.LongTurnChars)
	setI64(&dst.LongTurnMS, src.LongTurnMS)
	setInt(&dst.ConfirmWithinTurns, src.ConfirmWithinTurns)
	setI64(&dst.InterruptOverlapMS, src.InterruptOverlapMS)
	setF(&dst.SpeechRateMin, src.SpeechRateMin)
	setF(&dst.SpeechRateMax, src.SpeechRateMax)
	setI64(&dst.SpeechRateMinAgentMS, src.SpeechRateMinAgentMS)
	setI64(&dst.DeadAirMS, src.DeadAirMS)
	setInt(&dst.RepeatMinDigits, src.RepeatMinDigits)
}

func (t thresholdsDoc) resolve(entry string) (Thresholds, error) {
	var out Thresholds
	var missing []string
	i64 := func(name string, p *int64, dst *int64) {
		if p == nil {
			missing = append(missing, name)
			return
		}
		*dst = *p
	}
	in := func(name string, p *int, dst *int) {
		if p == nil {
			missing = append(missing, name)
			return
		}
		*dst = *p
	}
	fl := func(name string, p *float64, dst *float64) {
		if p == nil {
			missing = append(missing, name)
			return
		}
		*dst = *p
	}
	i64("ring_ms_per_ring", t.RingMSPerRing, &out.RingMSPerRing)
	in("long_turn_chars", t.LongTurnChars, &out.LongTurnChars)
	i64("long_turn_ms", t.LongTurnMS, &out.LongTurnMS)
	in("confirm_within_turns", t.ConfirmWithinTurns, &out.ConfirmWithinTurns)
	i64("interrupt_overlap_ms", t.InterruptOverlapMS, &out.InterruptOverlapMS)
	fl("speech_rate_min", t.SpeechRateMin, &out.SpeechRateMin)
	fl("speech_rate_max", t.SpeechRateMax, &out.SpeechRateMax)
	i64("speech_rate_min_agent_ms", t.SpeechRateMinAgentMS, &out.SpeechRateMinAgentMS)
	i64("dead_air_ms", t.DeadAirMS, &out.DeadAirMS)
	in("repeat_min_digits", t.RepeatMinDigits, &out.RepeatMinDigits)
	if len(missing) > 0 {
		sort.Strings(missing)
		return out, &FileError{File: "schemes.yaml", Entry: entry + " thresholds",
			Msg: fmt.Sprintf("missing %v (set them here or in the scheme it extends)", missing)}
	}
	if out.SpeechRateMin < 0 || out.SpeechRateMax <= out.SpeechRateMin {
		return out, &FileError{File: "schemes.yaml", Entry: entry + " thresholds",
			Msg: fmt.Sprintf("speech rate range %.2f–%.2f is empty", out.SpeechRateMin, out.SpeechRateMax)}
	}
	// A slice, not a map, so the first bad threshold is named every time.
	for _, th := range []struct {
		name string
		v    int64
	}{
		{"ring_ms_per_ring", out.RingMSPerRing}, {"long_turn_chars", int64(out.LongTurnChars)},
		{"long_turn_ms", out.LongTurnMS}, {"confirm_within_turns", int64(out.ConfirmWithinTurns)},
		{"interrupt_overlap_ms", out.InterruptOverlapMS}, {"dead_air_ms", out.DeadAirMS},
		{"repeat_min_digits", int64(out.RepeatMinDigits)},
	} {
		if th.v <= 0 {
			return out, &FileError{File: "schemes.yaml", Entry: entry + " thresholds." + th.name, Msg: fmt.Sprintf("must be positive (got %d)", th.v)}
		}
	}
	return out, nil
}

func schemeVersion(s *Scheme) string {
	// encoding/json sorts map keys, so the encoding is canonical.
	b, _ := json.Marshal(struct {
		ID         string
		PassScore  int
		Thresholds Thresholds
		Rules      map[string]RuleSetting
	}{s.ID, s.PassScore, s.Thresholds, s.Rules})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}
