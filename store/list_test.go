package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"callqa/scoring"
	"callqa/store"
)

// TestListMatchesBruteForce lists calls with every filter and order, a
// page at a time, and compares the result with filtering and sorting all
// calls in memory.
func TestListMatchesBruteForce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 5))
	base := time.Date(2026, 11, 1, 23, 0, 0, 0, cst)
	mod := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	units := []string{"sgcc-hz", "csg-gz"}
	rules := []string{"greeting.missing", "closing.farewell", "timing.interrupt"}
	var recs []*scoring.Record
	for i := range 150 {
		var fs []scoring.Finding
		for _, r := range rules {
			if rng.IntN(3) == 0 {
				fs = append(fs, fnd(r, rng.IntN(4), "", 5+rng.IntN(20), scoring.Minor))
			}
		}
		// Several calls share a start, to exercise ties across pages.
		start := base.Add(time.Duration(rng.IntN(60)) * 2 * time.Hour)
		rec := scored(fmt.Sprintf("c%03d", i), fmt.Sprintf("A%d", rng.IntN(3)), []string{"T1", "T2", ""}[rng.IntN(3)], start, 80, fs...)
		rec.Unit = units[rng.IntN(2)]
		mustPut(t, s, rec, src("o/"+rec.CallID, "e", mod), store.Created)
		recs = append(recs, rec)
	}
	// Overturn the first finding of some calls, confirm others.
	reviewed := map[string]store.ReviewOutcome{}
	for i, rec := range recs {
		if len(rec.Findings) == 0 || i%4 == 3 {
			continue
		}
		d := store.Confirm
		if i%2 == 0 {
			d = store.Overturn
		}
		review(t, s, rec, 0, d)
		keys := store.FindingKeys(rec)
		reviewed[rec.CallID] = store.EvalReview(rec, map[string]store.FindingDecision{keys[0]: {Decision: d}}, 80)
	}

	state := func(rec *scoring.Record) (store.ReviewState, bool) {
		o, ok := reviewed[rec.CallID]
		if !ok {
			return store.Unreviewed, false
		}
		return o.State, len(o.Overturned) > 0
	}
	tests := []store.ListQuery{
		{},
		{Desc: true},
		{Sort: store.SortScore},
		{Sort: store.SortScore, Desc: true, ScoreMin: 60, ScoreMax: 90},
		{Agent: "A1"},
		{Agent: "A2", Desc: true, From: "2026-11-02", To: "2026-11-04"},
		{Team: "T1", Sort: store.SortScore},
		{Teams: []string{"T1", "T2"}, Desc: true},
		{Teams: []string{}},
		{Rule: "closing.farewell"},
		{Rule: "timing.interrupt", Agent: "A0", ScoreMax: 95},
		{Review: store.FilterOverturned},
		{Review: store.FilterReviewed, Sort: store.SortScore},
		{Review: store.FilterPartial, Desc: true},
		{Review: store.FilterUnreviewed, Team: "T2"},
		{From: "2026-11-03", To: "2026-11-03"},
		{Units: []string{"csg-gz"}, Desc: true},
	}
	for _, q := range tests {
		for _, limit := range []int{1, 7, 500} {
			name := fmt.Sprintf("%+v/limit=%d", q, limit)
			t.Run(name, func(t *testing.T) {
				q := q
				if q.Units == nil {
					q.Units = units
				}
				var want []string
				var wantRecs []*scoring.Record
				for _, rec := range recs {
					st, over := state(rec)
					it := store.ListItem{Agent: rec.AgentID, Team: rec.Team, Day: rec.StartedAt.Format(time.DateOnly),
						Score: rec.Score, Rules: store.NewContribution(rec).Rules, ReviewState: st, Overturned: over}
					if !slices.Contains(q.Units, rec.Unit) || !matches(q, it) {
						continue
					}
					wantRecs = append(wantRecs, rec)
				}
				key := func(r *scoring.Record) int64 {
					if q.Sort == store.SortScore {
						return int64(r.Score)*10_000_000_000_000 + r.StartedAt.UnixMilli()
					}
					return r.StartedAt.UnixMilli()
				}
				slices.SortFunc(wantRecs, func(a, b *scoring.Record) int {
					ka, kb := key(a), key(b)
					c := 0
					switch {
					case ka < kb:
						c = -1
					case ka > kb:
						c = 1
					default:
						c = strings.Compare(a.CallID, b.CallID)
					}
					if q.Desc {
						c = -c
					}
					return c
				})
				for _, r := range wantRecs {
					want = append(want, r.CallID)
				}
				q.Limit, q.Budget = limit, 3*limit
				var got []string
				for pages := 0; ; pages++ {
					if pages > 400 {
						t.Fatal("listing does not end")
					}
					p, err := s.List(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if len(p.Items) > limit {
						t.Fatalf("page of %d items, limit %d", len(p.Items), limit)
					}
					for _, it := range p.Items {
						got = append(got, it.CallID)
						if o, ok := reviewed[it.CallID]; ok && it.ReviewedScore != o.Score {
							t.Errorf("%s: reviewed score %d, want %d", it.CallID, it.ReviewedScore, o.Score)
						}
					}
					if p.Next == nil {
						break
					}
					q.After = p.Next
				}
				if !slices.Equal(got, want) {
					t.Errorf("listed %d calls %v\nwant %d %v", len(got), got, len(want), want)
				}
			})
		}
	}
}

// matches is the brute-force twin of the store's filter.
func matches(q store.ListQuery, it store.ListItem) bool {
	maxScore := q.ScoreMax
	if maxScore == 0 && q.ScoreMin == 0 {
		maxScore = 100
	}
	switch {
	case q.Agent != "" && it.Agent != q.Agent,
		q.Team != "" && it.Team != q.Team,
		q.Teams != nil && !slices.Contains(q.Teams, it.Team),
		q.Rule != "" && it.Rules[q.Rule] == 0,
		q.From != "" && it.Day < q.From,
		q.To != "" && it.Day > q.To,
		it.Score < q.ScoreMin || it.Score > maxScore:
		return false
	}
	switch q.Review {
	case store.FilterUnreviewed:
		return it.ReviewState == store.Unreviewed
	case store.FilterPartial:
		return it.ReviewState == store.Partial
	case store.FilterReviewed:
		return it.ReviewState == store.Reviewed
	case store.FilterOverturned:
		return it.Overturned
	}
	return true
}
