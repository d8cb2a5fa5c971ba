// Package accuracy measures the scorer against a golden file of expected
// findings: per-rule precision and recall, for the scorer and for a naive
// keyword baseline, so the value of context handling can be shown in
// numbers.
package accuracy

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"callqa/lexicon"
	"callqa/scoring"
)

// Golden is a corpus' expected findings, keyed by call id.
type Golden struct {
	Version int                   `json:"version"`
	Calls   map[string]GoldenCall `json:"calls"`
}

// GoldenCall is what one call must produce.
type GoldenCall struct {
	File          string     `json:"file"`
	Findings      []Expected `json:"findings"`
	NotAssessable []string   `json:"not_assessable"`
	Note          string     `json:"note,omitempty"`
}

// Expected is a finding as the golden file pins it: a rule at an
// utterance (-1 for the call as a whole).
type Expected struct {
	Rule      string `json:"rule"`
	Utterance int    `json:"utterance"`
}

// LoadGolden reads and checks a golden file: known rule ids, no call
// without a file name.
func LoadGolden(path string) (*Golden, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read golden file: %w", err)
	}
	var g Golden
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("golden file %s: %w", path, err)
	}
	if g.Version != 1 {
		return nil, fmt.Errorf("golden file %s: version %d, want 1", path, g.Version)
	}
	for id, c := range g.Calls {
		if c.File == "" {
			return nil, fmt.Errorf("golden file %s: call %q: no file", path, id)
		}
		for i, f := range c.Findings {
			if !lexicon.IsRule(f.Rule) {
				return nil, fmt.Errorf("golden file %s: call %q findings[%d]: unknown rule %q", path, id, i, f.Rule)
			}
		}
		for _, r := range c.NotAssessable {
			if !lexicon.IsRule(r) {
				return nil, fmt.Errorf("golden file %s: call %q: not_assessable names unknown rule %q", path, id, r)
			}
		}
	}
	return &g, nil
}

// FromRecord lists a score record's findings as Expected values.
func FromRecord(r *scoring.Record) []Expected {
	out := make([]Expected, len(r.Findings))
	for i, f := range r.Findings {
		out[i] = Expected{Rule: f.Rule, Utterance: f.Utterance}
	}
	return out
}

// Diff compares expected and produced findings as multisets and returns
// what is missing and what is extra, each sorted.
func Diff(want, got []Expected) (missing, extra []Expected) {
	count := map[Expected]int{}
	for _, w := range want {
		count[w]++
	}
	for _, g := range got {
		if count[g] > 0 {
			count[g]--
			continue
		}
		extra = append(extra, g)
	}
	for _, w := range want {
		if count[w] > 0 {
			count[w]--
			missing = append(missing, w)
		}
	}
	sortExpected(missing)
	sortExpected(extra)
	return missing, extra
}

func sortExpected(s []Expected) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Utterance != s[j].Utterance {
			return s[i].Utterance < s[j].Utterance
		}
		return s[i].Rule < s[j].Rule
	})
}

// Tally counts true positives, false positives and false negatives.
type Tally struct {
	TP, FP, FN int
}

// Precision is TP / (TP + FP); 1 when nothing was found.
func (t Tally) Precision() float64 {
	if t.TP+t.FP == 0 {
		return 1
	}
	return float64(t.TP) / float64(t.TP+t.FP)
}

// Recall is TP / (TP + FN); 1 when nothing was expected.
func (t Tally) Recall() float64 {
	if t.TP+t.FN == 0 {
		return 1
	}
	return float64(t.TP) / float64(t.TP+t.FN)
}

// Report accumulates tallies per rule.
type Report struct {
	Rules map[string]*Tally
	Calls int
}

// NewReport returns an empty report with a tally for every rule.
func NewReport() *Report {
	r := &Report{Rules: map[string]*Tally{}}
	for _, id := range lexicon.RuleIDs {
		r.Rules[id] = &Tally{}
	}
	return r
}

// Add tallies one call.
func (r *Report) Add(want, got []Expected) {
	r.Calls++
	missing, extra := Diff(want, got)
	for _, m := range missing {
		r.Rules[m.Rule].FN++
	}
	for _, e := range extra {
		r.Rules[e.Rule].FP++
	}
	matched := map[Expected]int{}
	for _, w := range want {
		matched[w]++
	}
	for _, m := range missing {
		matched[m]--
	}
	for e, n := range matched {
		r.Rules[e.Rule].TP += n
	}
}

// Total sums the tallies of every rule.
func (r *Report) Total() Tally {
	var t Tally
	for _, x := range r.Rules {
		t.TP += x.TP
		t.FP += x.FP
		t.FN += x.FN
	}
	return t
}
