package api

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"callqa/scoring"
	"callqa/store"
)

// scoreView is one score of a call in a diff.
type scoreView struct {
	LexiconVersion string        `json:"lexicon_version"`
	SchemeVersion  string        `json:"scheme_version"`
	EngineVersion  string        `json:"engine_version"`
	Score          int           `json:"score"`
	Passed         bool          `json:"passed"`
	Fatal          bool          `json:"fatal"`
	Findings       []findingView `json:"findings"`
	NotAssessable  []string      `json:"not_assessable"`
}

// modifiedView is a finding both scores have, with another severity or
// deduction.
type modifiedView struct {
	Key  string      `json:"key"`
	Rule string      `json:"rule"`
	From findingView `json:"from"`
	To   findingView `json:"to"`
}

// diffView is the answer of GET /v1/calls/{id}/diff.
type diffView struct {
	CallID string `json:"call_id"`
	Unit   string `json:"unit"`
	// Previous says where From comes from: "rescore" (the score the last
	// rescoring job that changed the call replaced), "history" (the
	// version asked for), or "none" (no job changed the call: From is
	// the current score).
	Previous   string     `json:"previous"`
	Job        string     `json:"job,omitempty"`
	ReplacedAt *time.Time `json:"replaced_at,omitempty"`
	From       scoreView  `json:"from"`
	To         scoreView  `json:"to"`
	ScoreDelta int        `json:"score_delta"`
	Changed    bool       `json:"changed"`
	// Added and Removed are the findings only To or only From has, by
	// identity (rule, utterance, evidence span and text); Modified those
	// both have with another severity or deduction; Kept counts the rest.
	Added    []findingView  `json:"added"`
	Removed  []findingView  `json:"removed"`
	Modified []modifiedView `json:"modified"`
	Kept     int            `json:"kept"`
	Masked   bool           `json:"masked"`
}

// callDiff compares two scores of one call: by default the score the last
// rescoring job that changed the call replaced with the current one, or
// the scores of two lexicon versions of the call's history (from, to; to
// defaults to the current score). Numbers are masked as in the call's
// detail.
func (s *Server) callDiff(c *gin.Context) {
	const op = "api.callDiff"
	query := c.Request.URL.Query()
	for k, v := range query {
		if k != "from" && k != "to" {
			fail(c, invalid(op, k, "unknown query parameter; give from and to (lexicon versions of the call's history)"))
			return
		}
		if len(v) > 1 {
			fail(c, invalid(op, k, "given %d times; give it once", len(v)))
			return
		}
	}
	p := principal(c)
	sc, err := s.loadCall(c, op, p)
	if err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	rec := sc.Record
	v := diffView{CallID: rec.CallID, Unit: rec.Unit, Masked: !p.PII}
	from, to := rec, rec
	if q := query.Get("from") + query.Get("to"); q != "" {
		hist, err := s.st.History(ctx, rec.Unit, rec.CallID)
		if err != nil {
			fail(c, fromStore(op, err))
			return
		}
		pick := func(name string) (*scoring.Record, error) {
			version := query.Get(name)
			if version == "" {
				return rec, nil
			}
			r, ok := hist[version]
			if !ok {
				return nil, &Error{Op: op, Kind: KindNotFound, Field: name, Msg: "the call has no score of lexicon version " +
					truncate(version, 80) + "; its history has " + strings.Join(slices.Sorted(maps.Keys(hist)), ", ")}
			}
			return r, nil
		}
		if from, err = pick("from"); err == nil {
			to, err = pick("to")
		}
		if err != nil {
			fail(c, err)
			return
		}
		v.Previous = "history"
	} else {
		prev, err := s.st.Previous(ctx, rec.Unit, rec.CallID)
		if err != nil {
			fail(c, fromStore(op, err))
			return
		}
		v.Previous = "none"
		if prev != nil {
			from, v.Previous, v.Job = prev.Record, "rescore", prev.Job
			at := prev.At
			v.ReplacedAt = &at
		}
	}
	rv, err := s.st.ReviewOf(ctx, rec.Unit, rec.CallID, rec.Score)
	if err != nil {
		fail(c, fromStore(op, err))
		return
	}
	mask := s.evidenceMasker(c, sc, p)
	view := func(r *scoring.Record, keys []string, i int) findingView {
		f := r.Findings[i]
		fv := findingView{Index: i, Key: mask.text(keys[i]), Rule: f.Rule, Severity: string(f.Severity), Deduction: f.Deduction,
			Utterance: f.Utterance, StartMS: f.StartMS, EndMS: f.EndMS, Evidence: mask.evidence(f), Span: f.Span,
			Homophone: f.Homophone, Clause: f.Clause, Message: mask.text(f.Message)}
		if info, ok := s.lex.Rule(f.Rule); ok {
			fv.Title = info.Title
		}
		if d, ok := rv.Decisions[keys[i]]; ok {
			fv.Review = &reviewView{Decision: string(d.Decision), By: d.By, At: d.Time().UTC(), Comment: d.Comment}
		}
		return fv
	}
	score := func(r *scoring.Record) scoreView {
		sv := scoreView{LexiconVersion: r.LexiconVersion, SchemeVersion: r.SchemeVersion, EngineVersion: r.EngineVersion,
			Score: r.Score, Passed: r.Passed, Fatal: r.Fatal, Findings: []findingView{}, NotAssessable: r.NotAssessable}
		if sv.NotAssessable == nil {
			sv.NotAssessable = []string{}
		}
		keys := store.FindingKeys(r)
		for i := range r.Findings {
			sv.Findings = append(sv.Findings, view(r, keys, i))
		}
		return sv
	}
	v.From, v.To = score(from), score(to)
	d := store.DiffRecords(from, to)
	v.ScoreDelta, v.Changed, v.Kept = d.ScoreDelta, d.Changed(), d.Kept
	v.Added, v.Removed, v.Modified = []findingView{}, []findingView{}, []modifiedView{}
	for _, f := range d.Added {
		v.Added = append(v.Added, v.To.Findings[f.Index])
	}
	for _, f := range d.Removed {
		v.Removed = append(v.Removed, v.From.Findings[f.Index])
	}
	for _, m := range d.Modified {
		v.Modified = append(v.Modified, modifiedView{Key: mask.text(m.Key), Rule: m.New.Finding.Rule,
			From: v.From.Findings[m.Old.Index], To: v.To.Findings[m.New.Index]})
	}
	c.JSON(http.StatusOK, v)
}

// masker masks what a caller without the pii grant reads of findings.
type masker struct {
	text func(string) string
	// utterances are the call's utterances, masked and as written, when
	// the transcript could be read.
	masked, raw []string
}

// evidence masks a finding's evidence: as the masked utterance shows it
// when the evidence is the utterance's text at its span (so that a number
// the span cuts is masked like the whole number), else on its own.
func (m masker) evidence(f scoring.Finding) string {
	if f.Span != nil && f.Utterance >= 0 && f.Utterance < len(m.raw) &&
		runeSlice(m.raw[f.Utterance], f.Span.Start, f.Span.End) == f.Evidence {
		return runeSlice(m.masked[f.Utterance], f.Span.Start, f.Span.End)
	}
	return m.text(f.Evidence)
}

// evidenceMasker returns the masker for p: none with the pii grant.
func (s *Server) evidenceMasker(c *gin.Context, sc *store.StoredCall, p *Principal) masker {
	if p.PII {
		return masker{text: func(s string) string { return s }}
	}
	m := masker{text: s.masker.Mask}
	t, _, err := s.transcript(c, sc)
	var e *Error
	if err != nil && errors.As(err, &e) {
		s.log.Warn("diff: the transcript could not be read; evidence is masked on its own", "call_id", sc.Record.CallID, "err", err)
	}
	if t != nil {
		for _, u := range t.Utterances {
			m.raw = append(m.raw, u.Text)
			m.masked = append(m.masked, s.masker.Mask(u.Text))
		}
	}
	return m
}
