package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"callqa/internal/testserver"
	"callqa/scoring"
	"callqa/store"
)

// newStore returns a store with keys of its own on the shared Redis.
func newStore(t *testing.T) *store.Store {
	t.Helper()
	rdb := testserver.SharedRedis(t).Client(t)
	return store.New(rdb, store.Options{Prefix: testserver.KeyPrefix(t)})
}

var cst = time.FixedZone("CST", 8*3600)

// record makes a score record; rules are the rule ids of its findings.
func record(id, unit, agent, team string, start time.Time, score int, rules ...string) *scoring.Record {
	rec := &scoring.Record{
		CallID: id, Unit: unit, AgentID: agent, Team: team,
		Direction: scoring.Inbound, StartedAt: start,
		Score: score, Passed: score >= 80, Fatal: score == 0,
		Findings: []scoring.Finding{}, NotAssessable: []string{},
		Scheme: "default", SchemeVersion: "s1", LexiconVersion: "lex1", EngineVersion: "e1",
	}
	for _, r := range rules {
		rec.Findings = append(rec.Findings, scoring.Finding{Rule: r, Severity: scoring.Minor, Deduction: 5, Utterance: -1})
	}
	return rec
}

func src(key, etag string, mod time.Time) store.Source {
	return store.Source{Object: key, ETag: etag, Modified: mod}
}

func mustPut(t *testing.T, s *store.Store, rec *scoring.Record, source store.Source, want store.Outcome) {
	t.Helper()
	got, err := s.Put(context.Background(), rec, source)
	if err != nil {
		t.Fatalf("Put(%s): %v", rec.CallID, err)
	}
	if got != want {
		t.Fatalf("Put(%s) = %v, want %v", rec.CallID, got, want)
	}
}

func mustVerify(t *testing.T, s *store.Store, units ...string) {
	t.Helper()
	for _, u := range units {
		diffs, err := s.Verify(context.Background(), u)
		if err != nil {
			t.Fatalf("Verify(%s): %v", u, err)
		}
		for _, d := range diffs {
			t.Errorf("Verify(%s): %s", u, d)
		}
	}
}

func aggregate(t *testing.T, s *store.Store, unit string, dim store.Dim, id, day string) store.Aggregate {
	t.Helper()
	a, err := s.Aggregate(context.Background(), unit, dim, id, day)
	if err != nil {
		t.Fatalf("Aggregate: %v", err)
	}
	return a
}

func TestPutStoresAndAggregates(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 22, 9, 30, 0, 0, cst)
	mod := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	mustPut(t, s, record("c1", "sgcc-hz", "A1", "T1", day, 90, "closing.farewell"), src("a/c1.json", "e1", mod), store.Created)
	mustPut(t, s, record("c2", "sgcc-hz", "A1", "T1", day.Add(time.Hour), 70, "closing.farewell", "polite.informal_address", "polite.informal_address"), src("a/c2.json", "e2", mod), store.Created)
	mustPut(t, s, record("c3", "sgcc-hz", "A2", "", day.Add(2*time.Hour), 0, "forbidden.profanity"), src("a/c3.json", "e3", mod), store.Created)

	tests := []struct {
		dim  store.Dim
		id   string
		want store.Aggregate
	}{
		{store.DimUnit, "sgcc-hz", store.Aggregate{Calls: 3, ScoreSum: 160, Passed: 1, Fatal: 1,
			Findings:      map[string]int64{"closing.farewell": 2, "polite.informal_address": 2, "forbidden.profanity": 1},
			CallsWithRule: map[string]int64{"closing.farewell": 2, "polite.informal_address": 1, "forbidden.profanity": 1}}},
		{store.DimAgent, "A1", store.Aggregate{Calls: 2, ScoreSum: 160, Passed: 1,
			Findings:      map[string]int64{"closing.farewell": 2, "polite.informal_address": 2},
			CallsWithRule: map[string]int64{"closing.farewell": 2, "polite.informal_address": 1}}},
		{store.DimAgent, "A2", store.Aggregate{Calls: 1, Fatal: 1,
			Findings: map[string]int64{"forbidden.profanity": 1}, CallsWithRule: map[string]int64{"forbidden.profanity": 1}}},
		{store.DimTeam, "T1", store.Aggregate{Calls: 2, ScoreSum: 160, Passed: 1,
			Findings:      map[string]int64{"closing.farewell": 2, "polite.informal_address": 2},
			CallsWithRule: map[string]int64{"closing.farewell": 2, "polite.informal_address": 1}}},
		{store.DimTeam, "", store.Aggregate{}},
	}
	for _, tt := range tests {
		t.Run(string(tt.dim)+"/"+tt.id, func(t *testing.T) {
			got := aggregate(t, s, "sgcc-hz", tt.dim, tt.id, "2026-11-22")
			if !got.Equal(tt.want) {
				t.Errorf("aggregate = %v, want %v", got, tt.want)
			}
		})
	}

	c, err := s.Call(ctx, "c2")
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	if c.Record.Score != 70 || c.Source.ETag != "e2" || c.Source.Object != "a/c2.json" || !c.Source.Modified.Equal(mod) {
		t.Errorf("Call(c2) = score %d source %+v", c.Record.Score, c.Source)
	}
	if _, err := s.Call(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Call(nope) error = %v, want ErrNotFound", err)
	}
	ids, err := s.CallIDs(ctx, "sgcc-hz", store.IndexRule, "closing.farewell", 0, 1e13, 0, -1)
	if err != nil {
		t.Fatalf("CallIDs: %v", err)
	}
	if fmt.Sprint(ids) != "[c1 c2]" {
		t.Errorf("calls with closing.farewell = %v, want [c1 c2]", ids)
	}
	ids, err = s.CallIDs(ctx, "sgcc-hz", store.IndexScore, "", 0, 80e13, 0, -1)
	if err != nil {
		t.Fatalf("CallIDs: %v", err)
	}
	if fmt.Sprint(ids) != "[c3 c2]" {
		t.Errorf("calls scored below 80 by score = %v, want [c3 c2]", ids)
	}
	mustVerify(t, s, "sgcc-hz")
}

func TestPutIsIdempotent(t *testing.T) {
	day := time.Date(2026, 11, 22, 9, 30, 0, 0, cst)
	mod := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	first := record("c1", "u1", "A1", "T1", day, 85, "closing.farewell")
	tests := []struct {
		name   string
		second *scoring.Record
		source store.Source
		want   store.Outcome
		unit   store.Aggregate // the unit's aggregate on day afterwards
	}{
		{"same version again", first, src("k", "e1", mod), store.Replaced,
			store.Aggregate{Calls: 1, ScoreSum: 85, Passed: 1, Findings: map[string]int64{"closing.farewell": 1}, CallsWithRule: map[string]int64{"closing.farewell": 1}}},
		{"rescored", record("c1", "u1", "A1", "T1", day, 60, "greeting.missing", "greeting.missing"), src("k", "e1", mod), store.Replaced,
			store.Aggregate{Calls: 1, ScoreSum: 60, Findings: map[string]int64{"greeting.missing": 2}, CallsWithRule: map[string]int64{"greeting.missing": 1}}},
		{"newer version", record("c1", "u1", "A1", "T1", day, 100), src("k", "e2", mod.Add(time.Second)), store.Replaced,
			store.Aggregate{Calls: 1, ScoreSum: 100, Passed: 1}},
		{"older version", record("c1", "u1", "A1", "T1", day, 10), src("k", "e0", mod.Add(-time.Second)), store.Stale,
			store.Aggregate{Calls: 1, ScoreSum: 85, Passed: 1, Findings: map[string]int64{"closing.farewell": 1}, CallsWithRule: map[string]int64{"closing.farewell": 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			mustPut(t, s, first, src("k", "e1", mod), store.Created)
			mustPut(t, s, tt.second, tt.source, tt.want)
			if got := aggregate(t, s, "u1", store.DimUnit, "u1", "2026-11-22"); !got.Equal(tt.unit) {
				t.Errorf("unit aggregate = %v, want %v", got, tt.unit)
			}
			mustVerify(t, s, "u1")
		})
	}
}

func TestPutMovesContribution(t *testing.T) {
	mod := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	day1 := time.Date(2026, 11, 22, 23, 30, 0, 0, cst)
	tests := []struct {
		name   string
		second *scoring.Record
		gone   [4]string // unit, dim, id, day of an aggregate that must be empty afterwards
	}{
		{"other agent", record("c1", "u1", "A2", "T1", day1, 85), [4]string{"u1", "agent", "A1", "2026-11-22"}},
		{"other team", record("c1", "u1", "A1", "T2", day1, 85), [4]string{"u1", "team", "T1", "2026-11-22"}},
		{"no team", record("c1", "u1", "A1", "", day1, 85), [4]string{"u1", "team", "T1", "2026-11-22"}},
		{"other day", record("c1", "u1", "A1", "T1", day1.Add(time.Hour), 85), [4]string{"u1", "unit", "u1", "2026-11-22"}},
		{"other unit", record("c1", "u2", "A1", "T1", day1, 85), [4]string{"u1", "unit", "u1", "2026-11-22"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			ctx := context.Background()
			mustPut(t, s, record("c1", "u1", "A1", "T1", day1, 85, "closing.farewell"), src("k", "e1", mod), store.Created)
			if _, err := s.Put(ctx, tt.second, src("k", "e2", mod.Add(time.Second))); err != nil {
				t.Fatalf("Put: %v", err)
			}
			if got := aggregate(t, s, tt.gone[0], store.Dim(tt.gone[1]), tt.gone[2], tt.gone[3]); !got.Equal(store.Aggregate{}) {
				t.Errorf("old aggregate = %v, want empty", got)
			}
			ids, err := s.CallIDs(ctx, "u1", store.IndexRule, "closing.farewell", 0, 1e13, 0, -1)
			if err != nil {
				t.Fatalf("CallIDs: %v", err)
			}
			if len(ids) != 0 {
				t.Errorf("rule index still lists %v", ids)
			}
			c, err := s.Call(ctx, "c1")
			if err != nil {
				t.Fatalf("Call: %v", err)
			}
			if c.Record.Unit != tt.second.Unit || c.Record.AgentID != tt.second.AgentID || c.Record.Team != tt.second.Team {
				t.Errorf("Call(c1) = %s/%s/%s, want %s/%s/%s", c.Record.Unit, c.Record.AgentID, c.Record.Team,
					tt.second.Unit, tt.second.AgentID, tt.second.Team)
			}
			mustVerify(t, s, "u1", "u2")
		})
	}
}

func TestRemove(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 22, 9, 0, 0, 0, cst)
	mustPut(t, s, record("c1", "u1", "A1", "T1", day, 90, "closing.farewell"), src("k1", "e1", day), store.Created)
	mustPut(t, s, record("c2", "u1", "A1", "T1", day, 50), src("k2", "e1", day), store.Created)
	for _, tt := range []struct {
		id   string
		want bool
	}{{"c1", true}, {"c1", false}, {"never", false}} {
		got, err := s.Remove(ctx, tt.id)
		if err != nil {
			t.Fatalf("Remove(%s): %v", tt.id, err)
		}
		if got != tt.want {
			t.Errorf("Remove(%s) = %v, want %v", tt.id, got, tt.want)
		}
	}
	want := store.Aggregate{Calls: 1, ScoreSum: 50}
	if got := aggregate(t, s, "u1", store.DimAgent, "A1", "2026-11-22"); !got.Equal(want) {
		t.Errorf("agent aggregate = %v, want %v", got, want)
	}
	mustVerify(t, s, "u1")
}

func TestVerifyFindsDrift(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 22, 9, 0, 0, 0, cst)
	mustPut(t, s, record("c1", "u1", "A1", "T1", day, 90), src("k1", "e1", day), store.Created)
	key := s.Keys().Aggregate("u1", store.DimTeam, "T1", "2026-11-22")
	if err := s.Client().HIncrBy(ctx, key, "calls", 1).Err(); err != nil {
		t.Fatal(err)
	}
	diffs, err := s.Verify(ctx, "u1")
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if len(diffs) != 1 {
		t.Fatalf("Verify found %d differences %q, want 1 for %s", len(diffs), diffs, key)
	}
}

// TestConcurrentWritersKeepAggregatesExact has many writers score and
// rescore the same calls with changing agents, teams, days and findings;
// afterwards every aggregate must equal the recomputation from the calls'
// final records.
func TestConcurrentWritersKeepAggregatesExact(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	const (
		writers = 8
		calls   = 40
		writes  = 150
	)
	rules := []string{"greeting.missing", "closing.farewell", "forbidden.evasive", "timing.dead_air"}
	base := time.Date(2026, 11, 20, 8, 0, 0, 0, cst)
	mod := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for range writes {
				id := fmt.Sprintf("c%02d", r.IntN(calls))
				var found []string
				for range r.IntN(4) {
					found = append(found, rules[r.IntN(len(rules))])
				}
				rec := record(id, "u1", fmt.Sprintf("A%d", r.IntN(3)), []string{"", "T1", "T2"}[r.IntN(3)],
					base.Add(time.Duration(r.IntN(72))*time.Hour), r.IntN(101), found...)
				// Some writes are of an older object version and must be refused.
				at := mod.Add(time.Duration(r.IntN(5)) * time.Second)
				if _, err := s.Put(ctx, rec, src(id+".json", "e", at)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Put: %v", err)
	}
	mustVerify(t, s, "u1")
	ids, err := s.CallIDs(ctx, "u1", store.IndexTime, "", 0, 1e13, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 || len(ids) > calls {
		t.Errorf("%d calls indexed, want 1..%d", len(ids), calls)
	}
}
