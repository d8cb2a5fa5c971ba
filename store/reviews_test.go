package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"callqa/scoring"
	"callqa/store"
)

// fnd makes a finding at utterance utt with evidence ev spanning [s, s+len).
func fnd(rule string, utt int, ev string, ded int, sev scoring.Severity) scoring.Finding {
	f := scoring.Finding{Rule: rule, Utterance: utt, Deduction: ded, Severity: sev, Evidence: ev}
	if ev != "" {
		n := len([]rune(ev))
		f.Span = &scoring.Span{Start: utt, End: utt + n}
	}
	return f
}

// scored makes a record whose score follows its findings' deductions.
func scored(id, agent, team string, start time.Time, pass int, fs ...scoring.Finding) *scoring.Record {
	rec := record(id, "sgcc-hz", agent, team, start, 100)
	rec.Findings = fs
	total := 0
	for _, f := range fs {
		total += f.Deduction
		if f.Severity == scoring.Fatal {
			rec.Fatal = true
		}
	}
	rec.Score = max(100-total, 0)
	if rec.Fatal {
		rec.Score = 0
	}
	rec.Passed = rec.Score >= pass
	return rec
}

func decide(keys []string, d store.Decision, idx ...int) map[string]store.FindingDecision {
	out := map[string]store.FindingDecision{}
	for _, i := range idx {
		out[keys[i]] = store.FindingDecision{Decision: d}
	}
	return out
}

func TestEvalReview(t *testing.T) {
	day := time.Date(2026, 11, 22, 9, 0, 0, 0, cst)
	minor := scoring.Minor
	tests := []struct {
		name        string
		rec         *scoring.Record
		decisions   func(keys []string) map[string]store.FindingDecision
		wantScore   int
		wantPassed  bool
		wantState   store.ReviewState
		wantCleared []string
		wantOrphans int
	}{
		{"no decisions", scored("c", "A", "T", day, 80, fnd("greeting.missing", 0, "", 10, minor)),
			func([]string) map[string]store.FindingDecision { return nil }, 90, true, store.Unreviewed, nil, 0},
		{"confirm keeps the score", scored("c", "A", "T", day, 80, fnd("greeting.missing", 0, "", 10, minor), fnd("closing.farewell", 3, "", 5, minor)),
			func(k []string) map[string]store.FindingDecision { return decide(k, store.Confirm, 0) }, 85, true, store.Partial, nil, 0},
		{"overturn gives the deduction back", scored("c", "A", "T", day, 90, fnd("greeting.missing", 0, "", 10, minor), fnd("closing.farewell", 3, "", 5, minor)),
			func(k []string) map[string]store.FindingDecision { return decide(k, store.Overturn, 0) }, 95, true, store.Partial, []string{"greeting.missing"}, 0},
		{"overturn both: reviewed", scored("c", "A", "T", day, 80, fnd("greeting.missing", 0, "", 10, minor), fnd("closing.farewell", 3, "", 5, minor)),
			func(k []string) map[string]store.FindingDecision { return decide(k, store.Overturn, 0, 1) }, 100, true, store.Reviewed, []string{"greeting.missing", "closing.farewell"}, 0},
		{"once per call: another finding still deducts", scored("c", "A", "T", day, 80, fnd("listening.acknowledge", 2, "", 3, minor), fnd("listening.acknowledge", 5, "", 0, minor)),
			func(k []string) map[string]store.FindingDecision { return decide(k, store.Overturn, 0) }, 97, true, store.Partial, nil, 0},
		{"capped rule: the cap absorbs part", scored("c", "A", "T", day, 80,
			fnd("timing.interrupt", 1, "", 3, minor), fnd("timing.interrupt", 2, "", 3, minor), fnd("timing.interrupt", 3, "", 3, minor), fnd("timing.interrupt", 4, "", 1, minor)),
			func(k []string) map[string]store.FindingDecision { return decide(k, store.Overturn, 3) }, 91, true, store.Partial, nil, 0},
		{"fatal overturned", scored("c", "A", "T", day, 80, fnd("forbidden.profanity", 2, "妈的", 100, scoring.Fatal), fnd("closing.farewell", 3, "", 5, minor)),
			func(k []string) map[string]store.FindingDecision { return decide(k, store.Overturn, 0) }, 95, true, store.Partial, []string{"forbidden.profanity"}, 0},
		{"overturn that still fails the pass score", scored("c", "A", "T", day, 90, fnd("forbidden.evasive", 2, "不知道", 15, minor), fnd("greeting.missing", 0, "", 10, minor)),
			func(k []string) map[string]store.FindingDecision { return decide(k, store.Overturn, 1) }, 85, false, store.Partial, []string{"greeting.missing"}, 0},
		{"orphaned decision", scored("c", "A", "T", day, 80, fnd("greeting.missing", 0, "", 10, minor)),
			func([]string) map[string]store.FindingDecision {
				return map[string]store.FindingDecision{"closing.farewell|3|-|": {Decision: store.Overturn}}
			}, 90, true, store.Unreviewed, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pass := 80
			if tt.name == "overturn that still fails the pass score" {
				pass = 90
			}
			got := store.EvalReview(tt.rec, tt.decisions(store.FindingKeys(tt.rec)), pass)
			if got.Score != tt.wantScore || got.Passed != tt.wantPassed || got.State != tt.wantState || got.Orphans != tt.wantOrphans {
				t.Errorf("EvalReview = score %d passed %v state %s orphans %d, want %d %v %s %d",
					got.Score, got.Passed, got.State, got.Orphans, tt.wantScore, tt.wantPassed, tt.wantState, tt.wantOrphans)
			}
			if !slices.Equal(got.Cleared, tt.wantCleared) {
				t.Errorf("Cleared = %v, want %v", got.Cleared, tt.wantCleared)
			}
		})
	}
}

func TestFindingKeysNumberRepeats(t *testing.T) {
	rec := scored("c", "A", "T", time.Now(), 80,
		fnd("polite.informal_address", 2, "你", 2, scoring.Minor),
		fnd("polite.informal_address", 2, "你", 2, scoring.Minor),
		fnd("hangup.agent_first", -1, "", 10, scoring.Minor))
	want := []string{"polite.informal_address|2|2-3|你", "polite.informal_address|2|2-3|你#2", "hangup.agent_first|-1|-|"}
	if got := store.FindingKeys(rec); !slices.Equal(got, want) {
		t.Errorf("FindingKeys = %q, want %q", got, want)
	}
}

func mustVerifyReviews(t *testing.T, s *store.Store, unit string) {
	t.Helper()
	mustVerify(t, s, unit)
	diffs, err := s.VerifyReviews(context.Background(), unit)
	if err != nil {
		t.Fatalf("VerifyReviews: %v", err)
	}
	for _, d := range diffs {
		t.Errorf("VerifyReviews: %s", d)
	}
}

func review(t *testing.T, s *store.Store, rec *scoring.Record, i int, d store.Decision) store.AuditEntry {
	t.Helper()
	e, err := s.Review(context.Background(), rec.Unit, store.ReviewInput{
		CallID: rec.CallID, Finding: i, Key: store.FindingKeys(rec)[i], Decision: d,
		Comment: "checked the recording", Reviewer: "li.qa", PassScore: 80, At: time.Now(),
	}, rec.Findings[i])
	if err != nil {
		t.Fatalf("Review(%s #%d %s): %v", rec.CallID, i, d, err)
	}
	return e
}

func TestReviewMovesScoreAndAdjustments(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 22, 9, 30, 0, 0, cst)
	mod := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c1 := scored("c1", "A1", "T1", day, 80,
		fnd("greeting.missing", 0, "", 10, scoring.Minor),
		fnd("forbidden.evasive", 2, "不知道", 15, scoring.Major))
	c2 := scored("c2", "A1", "T1", day.Add(time.Hour), 80, fnd("closing.farewell", 4, "", 5, scoring.Minor))
	mustPut(t, s, c1, src("a/c1.json", "e1", mod), store.Created)
	mustPut(t, s, c2, src("a/c2.json", "e2", mod), store.Created)

	e := review(t, s, c1, 1, store.Overturn)
	if e.Before.ReviewedScore != 75 || e.After.ReviewedScore != 90 || e.Before.Decision != "" || e.After.Decision != "overturn" || e.State != "partial" {
		t.Errorf("audit entry = %+v", e)
	}
	adj, err := s.Adjustment(ctx, "sgcc-hz", store.DimAgent, "A1", "2026-11-22")
	if err != nil {
		t.Fatal(err)
	}
	want := store.Adjustment{ScoreSum: 15, Passed: 1, Reviewed: 1, Overturned: 1,
		Findings: map[string]int64{"forbidden.evasive": -1}, CallsWithRule: map[string]int64{"forbidden.evasive": -1}}
	if !adj.Equal(want) {
		t.Errorf("adjustment = %v, want %v", adj, want)
	}
	mustVerifyReviews(t, s, "sgcc-hz")

	// Confirming the same finding gives the deduction back to the score.
	e = review(t, s, c1, 1, store.Confirm)
	if e.Before.Decision != "overturn" || e.After.ReviewedScore != 75 {
		t.Errorf("audit entry after confirm = %+v", e)
	}
	review(t, s, c1, 0, store.Overturn)
	rv, err := s.ReviewOf(ctx, "sgcc-hz", "c1", c1.Score)
	if err != nil {
		t.Fatal(err)
	}
	if rv.Score != 85 || rv.State != store.Reviewed || len(rv.Decisions) != 2 {
		t.Errorf("ReviewOf = %+v, want score 85, reviewed, 2 decisions", rv)
	}
	trail, err := s.Audit(ctx, "sgcc-hz", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) != 3 || trail[0].Decision != "overturn" || trail[2].Finding != 0 || trail[2].By != "li.qa" {
		t.Errorf("audit trail = %+v", trail)
	}
	mustVerifyReviews(t, s, "sgcc-hz")

	// Storing the same record again changes nothing.
	mustPut(t, s, c1, src("a/c1.json", "e1", mod), store.Replaced)
	if rv2, _ := s.ReviewOf(ctx, "sgcc-hz", "c1", c1.Score); rv2.Score != 85 {
		t.Errorf("reviewed score after re-put = %d, want 85", rv2.Score)
	}
	mustVerifyReviews(t, s, "sgcc-hz")

	// A rescoring that drops greeting.missing and moves the evasive
	// finding to another index keeps the decision on the evasive finding
	// and orphans the other.
	c1b := scored("c1", "A1", "T1", day, 80,
		fnd("closing.farewell", 1, "", 5, scoring.Minor),
		fnd("forbidden.evasive", 2, "不知道", 15, scoring.Major))
	mustPut(t, s, c1b, src("a/c1.json", "e1b", mod.Add(time.Minute)), store.Replaced)
	rv, err = s.ReviewOf(ctx, "sgcc-hz", "c1", c1b.Score)
	if err != nil {
		t.Fatal(err)
	}
	if rv.Score != 80 || rv.State != store.Partial || rv.Orphans != 1 {
		t.Errorf("after rescoring: %+v, want score 80 (evasive confirmed, farewell stands), partial, 1 orphan", rv)
	}
	mustVerifyReviews(t, s, "sgcc-hz")

	// A review of a finding that moved is refused.
	_, err = s.Review(ctx, "sgcc-hz", store.ReviewInput{CallID: "c1", Finding: 0, Key: store.FindingKeys(c1)[0],
		Decision: store.Overturn, Reviewer: "li.qa", PassScore: 80, At: time.Now()}, c1.Findings[0])
	if !errors.Is(err, store.ErrChanged) {
		t.Errorf("review of a changed finding: err = %v, want ErrChanged", err)
	}
	_, err = s.Review(ctx, "sgcc-hz", store.ReviewInput{CallID: "nope", Finding: 0, Key: "x",
		Decision: store.Overturn, Reviewer: "li.qa", PassScore: 80, At: time.Now()}, c1.Findings[0])
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("review of a missing call: err = %v, want ErrNotFound", err)
	}

	// Removing the call withdraws its adjustment.
	if _, err := s.Remove(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	mustVerifyReviews(t, s, "sgcc-hz")
	adj, _ = s.Adjustment(ctx, "sgcc-hz", store.DimAgent, "A1", "2026-11-22")
	if !adj.Equal(store.Adjustment{}) {
		t.Errorf("adjustment after removal = %v, want none", adj)
	}
}

// TestReviewsStayExactUnderChurn puts, reviews, rescores and removes calls
// at random and checks every aggregate and adjustment against a
// recomputation from the records and decisions.
func TestReviewsStayExactUnderChurn(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	rules := []string{"greeting.missing", "closing.farewell", "timing.interrupt", "forbidden.evasive", "forbidden.profanity"}
	base := time.Date(2026, 11, 1, 8, 0, 0, 0, cst)
	mod := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	recs := map[string]*scoring.Record{}
	for step := range 400 {
		id := fmt.Sprintf("c%02d", rng.IntN(40))
		switch op := rng.IntN(10); {
		case op < 5: // (re)score
			var fs []scoring.Finding
			for u := range 6 {
				if rng.IntN(3) == 0 {
					r := rules[rng.IntN(len(rules))]
					sev, d := scoring.Minor, 3+rng.IntN(8)
					if r == "forbidden.profanity" {
						sev, d = scoring.Fatal, 0
					}
					fs = append(fs, fnd(r, u, "证据"[:3*(1+rng.IntN(2))], d, sev))
				}
			}
			agent := fmt.Sprintf("A%d", rng.IntN(3))
			team := []string{"T1", "T2", ""}[rng.IntN(3)]
			rec := scored(id, agent, team, base.Add(time.Duration(rng.IntN(5*24))*time.Hour), 80, fs...)
			if _, err := s.Put(ctx, rec, src("o/"+id, fmt.Sprint(step), mod.Add(time.Duration(step)*time.Second))); err != nil {
				t.Fatal(err)
			}
			recs[id] = rec
		case op < 9: // review
			rec := recs[id]
			if rec == nil || len(rec.Findings) == 0 {
				continue
			}
			d := store.Confirm
			if rng.IntN(2) == 0 {
				d = store.Overturn
			}
			review(t, s, rec, rng.IntN(len(rec.Findings)), d)
		default:
			if _, err := s.Remove(ctx, id); err != nil {
				t.Fatal(err)
			}
			delete(recs, id)
		}
	}
	mustVerifyReviews(t, s, "sgcc-hz")
	for _, q := range []store.ReportQuery{
		{Dim: store.DimAgent, ID: "A0"}, {Dim: store.DimAgent, ID: "A1"}, {Dim: store.DimAgent, ID: "A2"},
		{Dim: store.DimTeam, ID: "T1"}, {Dim: store.DimTeam, ID: "T2"},
	} {
		q.Units, q.From, q.To, q.Worst = []string{"sgcc-hz"}, "2026-10-31", "2026-11-06", 5
		mustReportMatchScan(t, s, q)
	}
}

// mustReportMatchScan checks that the report from the aggregates equals
// the one computed by scanning the calls.
func mustReportMatchScan(t *testing.T, s *store.Store, q store.ReportQuery) {
	t.Helper()
	ctx := context.Background()
	fast, err := s.Report(ctx, q)
	if err != nil {
		t.Fatalf("Report(%s %s): %v", q.Dim, q.ID, err)
	}
	slow, err := s.ReportByScan(ctx, q)
	if err != nil {
		t.Fatalf("ReportByScan(%s %s): %v", q.Dim, q.ID, err)
	}
	if len(fast.Days) != len(slow.Days) {
		t.Fatalf("%s %s: %d days from aggregates, %d by scan", q.Dim, q.ID, len(fast.Days), len(slow.Days))
	}
	calls := int64(0)
	for i := range fast.Days {
		f, sl := fast.Days[i], slow.Days[i]
		calls += f.Aggregate.Calls
		if !f.Aggregate.Equal(sl.Aggregate) || !f.Adjustment.Equal(sl.Adjustment) {
			t.Errorf("%s %s %s: aggregates %v / %v, scan %v / %v", q.Dim, q.ID, f.Day, f.Aggregate, f.Adjustment, sl.Aggregate, sl.Adjustment)
		}
	}
	if calls == 0 {
		t.Errorf("%s %s: no calls in the period; the comparison proves nothing", q.Dim, q.ID)
	}
	if !slices.Equal(fast.Worst, slow.Worst) {
		t.Errorf("%s %s: worst calls %+v, scan %+v", q.Dim, q.ID, fast.Worst, slow.Worst)
	}
}
