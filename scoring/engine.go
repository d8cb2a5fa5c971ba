package scoring

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"callqa/lexicon"
)

// EngineVersion changes whenever a change to the rule code changes what a
// call scores, so that stored scores made by older code can be selected for
// rescoring like scores of an older lexicon.
const EngineVersion = "1"

// Engine scores transcripts against one lexicon. It is immutable and safe
// for concurrent use; build one per lexicon and share it.
type Engine struct {
	lex  *lexicon.Lexicon
	seg  *Segmenter
	c    *compiled
	ids  *listIDs
	pool sync.Pool // *analyzer

	fillerAcks map[rune]bool
}

// Build builds the segmenter of lex and an engine on it: what a process
// needs to score calls with one lexicon. Loading the segmenter takes a
// second or two and ~55 MB; build one per lexicon and share the engine.
func Build(lex *lexicon.Lexicon) (*Engine, error) {
	seg, err := NewSegmenter(lex)
	if err != nil {
		return nil, err
	}
	return NewEngine(lex, seg)
}

// NewEngine compiles lex for scoring. seg is the shared segmenter; it should
// have been built with the same lexicon (NewSegmenter), or phrases new to
// this lexicon may be split differently.
func NewEngine(lex *lexicon.Lexicon, seg *Segmenter) (*Engine, error) {
	if lex == nil || seg == nil {
		return nil, fmt.Errorf("scoring: NewEngine needs a lexicon and a segmenter")
	}
	c, ids, err := compile(lex)
	if err != nil {
		return nil, fmt.Errorf("compile lexicon %s: %w", lex.Version, err)
	}
	e := &Engine{lex: lex, seg: seg, c: c, ids: ids, fillerAcks: map[rune]bool{}}
	e.pool.New = func() any { return &analyzer{c: c, ids: ids, seg: seg} }

	// A filler that is also an acknowledgement (嗯) never reaches the match
	// view; the rules see it through utt.hasFillerAck.
	fillers := map[string]bool{}
	for _, f := range lex.Fillers {
		fillers[f] = true
	}
	for _, p := range lex.Lists[lexicon.ListAcknowledgements].Phrases {
		if fillers[p.Text] {
			for _, r := range p.Text {
				e.fillerAcks[r] = true
			}
		}
	}
	return e, nil
}

// Segmenter returns the segmenter the engine matches words with.
func (e *Engine) Segmenter() *Segmenter { return e.seg }

// Lexicon returns the lexicon the engine scores with.
func (e *Engine) Lexicon() *lexicon.Lexicon { return e.lex }

// Score scores one transcript. The only error is an *InputError for a
// transcript the lexicon cannot score (an unknown unit).
func (e *Engine) Score(t *Transcript) (*Record, error) {
	unit, ok := e.lex.Unit(t.Unit)
	if !ok {
		return nil, &InputError{Field: "unit", Msg: fmt.Sprintf("unknown unit %q (the lexicon has %s)", truncate(t.Unit, 40), e.unitIDs())}
	}
	scheme := e.lex.SchemeFor(unit)

	a := e.pool.Get().(*analyzer)
	defer e.pool.Put(a)
	c := e.newCall(a, t, unit, scheme)
	for _, r := range ruleSet {
		setting := scheme.Rules[r.id]
		if !setting.Enabled {
			continue
		}
		if !r.applies(c) {
			continue
		}
		if reason := r.needs(c); reason != "" {
			c.notAssessable(r.id, reason)
			continue
		}
		r.check(c)
	}
	return c.record(), nil
}

func (e *Engine) unitIDs() string {
	ids := make([]string, len(e.lex.Units))
	for i, u := range e.lex.Units {
		ids[i] = u.ID
	}
	return strings.Join(ids, ", ")
}

// record turns the call's findings into a score record: deductions by the
// scheme, in utterance order, with caps and fatal severity applied.
func (c *call) record() *Record {
	rec := &Record{
		CallID:         c.t.CallID,
		Unit:           c.t.Unit,
		AgentID:        c.t.AgentID,
		Team:           c.t.Team,
		Direction:      c.t.Direction,
		StartedAt:      c.t.StartedAt,
		Findings:       c.findings,
		NotAssessable:  c.na,
		RolesNote:      c.t.RolesNote,
		Scheme:         c.scheme.ID,
		SchemeVersion:  c.scheme.Version,
		LexiconVersion: c.e.lex.Version,
		EngineVersion:  EngineVersion,
	}
	if rec.Findings == nil {
		rec.Findings = []Finding{}
	}
	if rec.NotAssessable == nil {
		rec.NotAssessable = []string{}
	}
	if len(c.naReasons) > 0 {
		rec.NotAssessableReasons = c.naReasons
	}
	sort.SliceStable(rec.Findings, func(i, j int) bool {
		fi, fj := rec.Findings[i], rec.Findings[j]
		if fi.Utterance != fj.Utterance {
			return fi.Utterance < fj.Utterance
		}
		return ruleOrder[fi.Rule] < ruleOrder[fj.Rule]
	})
	sort.Slice(rec.NotAssessable, func(i, j int) bool { return rec.NotAssessable[i] < rec.NotAssessable[j] })

	used := map[string]int{}
	total := 0
	for i := range rec.Findings {
		f := &rec.Findings[i]
		s := c.scheme.Rules[f.Rule]
		f.Severity = Severity(s.Severity)
		if f.Severity == Fatal {
			rec.Fatal = true
		}
		d := s.Deduction
		switch {
		case s.PerOccurrence():
			d = min(d, s.Cap-used[f.Rule])
		case used[f.Rule] > 0:
			d = 0
		}
		d = max(d, 0)
		f.Deduction = d
		used[f.Rule] += d
		total += d
	}
	rec.Score = max(100-total, 0)
	if rec.Fatal {
		rec.Score = 0
	}
	rec.Passed = rec.Score >= c.scheme.PassScore
	return rec
}

var ruleOrder = func() map[string]int {
	m := make(map[string]int, len(lexicon.RuleIDs))
	for i, id := range lexicon.RuleIDs {
		m[id] = i
	}
	return m
}()
