package store_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"callqa/scoring"
	"callqa/store"
)

func TestSelectionCheck(t *testing.T) {
	tests := []struct {
		sel   store.Selection
		field string // "" with ok: valid
		ok    bool
	}{
		{store.Selection{Prefix: "2026/11/"}, "", true},
		{store.Selection{Unit: "u1"}, "", true},
		{store.Selection{Team: "t", From: "2026-11-01", To: "2026-11-30", Stale: true}, "", true},
		{store.Selection{All: true}, "", true},
		{store.Selection{Stale: true}, "", true},
		{store.Selection{}, "", false},
		{store.Selection{Prefix: "a/", Unit: "u1"}, "prefix", false},
		{store.Selection{Prefix: "a/", Stale: true}, "prefix", false},
		{store.Selection{All: true, Team: "t"}, "all", false},
		{store.Selection{From: "2026-13-01"}, "from", false},
		{store.Selection{To: "yesterday"}, "to", false},
		{store.Selection{From: "2026-11-02", To: "2026-11-01"}, "to", false},
	}
	for _, tt := range tests {
		err := tt.sel.Check()
		if tt.ok {
			if err != nil {
				t.Errorf("%+v: %v, want valid", tt.sel, err)
			}
			continue
		}
		var se *store.SelectionError
		if !errors.As(err, &se) || !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%+v: error %v, want a *SelectionError wrapping ErrInvalid", tt.sel, err)
			continue
		}
		if se.Field != tt.field {
			t.Errorf("%+v: field %q, want %q (%v)", tt.sel, se.Field, tt.field, err)
		}
	}
	a := store.Selection{Unit: "u1", Stale: true}
	if a.Key("calls") != (store.Selection{Stale: true, Unit: "u1"}).Key("calls") || a.Key("calls") == a.Key("other") {
		t.Error("Key does not identify a selection within its bucket")
	}
}

func TestDiffRecords(t *testing.T) {
	day := time.Date(2026, 11, 22, 9, 0, 0, 0, cst)
	old := record("c1", "u1", "A1", "t1", day, 85, "r.a", "r.b", "r.b")
	neu := record("c1", "u1", "A1", "t1", day, 90, "r.b", "r.b", "r.c")
	neu.Findings[1].Deduction = 3
	d := store.DiffRecords(old, neu)
	if d.ScoreDelta != 5 || d.PassedChanged || !d.Changed() {
		t.Errorf("delta %d passed changed %v changed %v", d.ScoreDelta, d.PassedChanged, d.Changed())
	}
	if got := d.AddedByRule(); !maps.Equal(got, map[string]int{"r.c": 1}) {
		t.Errorf("added %v", got)
	}
	if got := d.RemovedByRule(); !maps.Equal(got, map[string]int{"r.a": 1}) {
		t.Errorf("removed %v", got)
	}
	if len(d.Modified) != 1 || d.Modified[0].Old.Finding.Deduction != 5 || d.Modified[0].New.Finding.Deduction != 3 || d.Kept != 1 {
		t.Errorf("modified %+v kept %d", d.Modified, d.Kept)
	}
	if d := store.DiffRecords(old, old); d.Changed() || d.Kept != 3 {
		t.Errorf("a record against itself: %+v", d)
	}
	if d := store.DiffRecords(nil, neu); len(d.Added) != 3 || d.ScoreDelta != 0 {
		t.Errorf("a new call: %+v", d)
	}
}

func TestRunningVersions(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	v1 := store.Versions{Lexicon: "lex1", Engine: "1", Schemes: map[string]string{"u1": "s1"}}
	v2 := store.Versions{Lexicon: "lex2", Engine: "1", Schemes: map[string]string{"u1": "s1"}}
	if _, _, err := s.RunningVersions(ctx, "calls"); !errors.Is(err, store.ErrNoWorkers) {
		t.Fatalf("no workers: %v, want ErrNoWorkers", err)
	}
	reg := func(consumer, bucket string, v store.Versions) {
		t.Helper()
		if err := s.RegisterWorker(ctx, store.WorkerInfo{Consumer: consumer, Bucket: bucket, Versions: v, Started: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	reg("w1", "calls", v1)
	reg("w3", "other", v2) // another bucket does not count
	got, ws, err := s.RunningVersions(ctx, "calls")
	if err != nil || !got.Same(v1) || len(ws) != 1 || ws[0].Consumer != "w1" {
		t.Fatalf("one worker: %+v %+v %v", got, ws, err)
	}
	reg("w2", "calls", v2)
	_, _, err = s.RunningVersions(ctx, "calls")
	var mixed *store.MixedVersionsError
	if !errors.As(err, &mixed) || !errors.Is(err, store.ErrMixedVersions) || len(mixed.Workers) != 2 {
		t.Fatalf("two lexicons: %v, want a MixedVersionsError of 2 workers", err)
	}
	if _, err := s.StartRescore(ctx, "calls", store.Selection{Stale: true}, "test"); !errors.Is(err, store.ErrMixedVersions) {
		t.Errorf("StartRescore with two lexicons running: %v", err)
	}
	if err := s.UnregisterWorker(ctx, "w2"); err != nil {
		t.Fatal(err)
	}
	job, err := s.StartRescore(ctx, "calls", store.Selection{Stale: true}, "test")
	if err != nil || !job.Target.Same(v1) {
		t.Fatalf("StartRescore: %+v, %v; want the target %v", job, err, v1)
	}
}

// rescoreFixture stores six calls of unit u1 scored with lexicon lex1 and
// returns their records by id.
func rescoreFixture(t *testing.T, s *store.Store) map[string]*scoring.Record {
	t.Helper()
	day := time.Date(2026, 11, 22, 9, 0, 0, 0, cst)
	recs := map[string]*scoring.Record{
		"c1": record("c1", "u1", "A1", "t1", day, 90, "r.a", "r.b"),
		"c2": record("c2", "u1", "A1", "t1", day.Add(time.Minute), 95, "r.b"),
		"c3": record("c3", "u1", "A2", "t2", day.Add(2*time.Minute), 100),
		"c4": record("c4", "u1", "A2", "t2", day.Add(24*time.Hour), 95, "r.a"),
		"c5": record("c5", "u1", "A3", "", day.Add(25*time.Hour), 100),
		"c6": record("c6", "u1", "A3", "t1", day.Add(26*time.Hour), 100),
	}
	for _, id := range slices.Sorted(maps.Keys(recs)) {
		mustPut(t, s, recs[id], src("calls/"+id+".json", "e-"+id, day), store.Created)
	}
	return recs
}

func rescored(rec *scoring.Record, lexiconVersion string, score int, rules ...string) *scoring.Record {
	n := record(rec.CallID, rec.Unit, rec.AgentID, rec.Team, rec.StartedAt, score, rules...)
	n.LexiconVersion = lexiconVersion
	return n
}

func TestRescoreJobCountsEachCallOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	recs := rescoreFixture(t, s)
	// A reviewer confirmed c1's r.a finding, which the new lexicon drops.
	keys := store.FindingKeys(recs["c1"])
	if _, err := s.Review(ctx, "u1", store.ReviewInput{CallID: "c1", Finding: 0, Key: keys[0], Decision: store.Confirm,
		Reviewer: "li", PassScore: 80, At: time.Now()}, recs["c1"].Findings[0]); err != nil {
		t.Fatal(err)
	}
	target := store.Versions{Lexicon: "lex2", Engine: "e1", Schemes: map[string]string{"u1": "s1"}}
	sel := store.Selection{Stale: true}
	job, err := s.CreateRescore(ctx, store.RescoreSpec{Bucket: "calls", Selection: sel, Target: target, By: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != store.RescoreRunning || !job.Selecting || job.Total != 0 || job.By != "admin" {
		t.Fatalf("new job %+v", job)
	}
	var exists *store.RescoreExistsError
	if _, err := s.CreateRescore(ctx, store.RescoreSpec{Bucket: "calls", Selection: sel, Target: target}); !errors.As(err, &exists) || exists.ID != job.ID {
		t.Fatalf("second job of one selection: %v, want a RescoreExistsError naming %s", err, job.ID)
	}
	// A job of another selection may run beside it.
	other, err := s.CreateRescore(ctx, store.RescoreSpec{Bucket: "calls", Selection: store.Selection{Unit: "u1"}, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelRescore(ctx, other.ID, "admin"); err != nil {
		t.Fatal(err)
	}

	// Select in two batches, as a planner does.
	if ok, err := s.LeaseRescorePlanner(ctx, job.ID, "w1", time.Minute); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	if ok, _ := s.LeaseRescorePlanner(ctx, job.ID, "w2", time.Minute); ok {
		t.Fatal("a second worker took the lease")
	}
	first, next, done, err := s.SelectStored(ctx, sel, target, "", 4)
	if err != nil || len(first) != 4 || done || next == "" {
		t.Fatalf("first batch: %v %q %v %v", first, next, done, err)
	}
	if _, err := s.PlanRescore(ctx, job.ID, "w1", "", next, false, first); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PlanRescore(ctx, job.ID, "w1", "", next, false, first); !errors.Is(err, store.ErrRescoreMoved) {
		t.Fatalf("the same batch again: %v, want ErrRescoreMoved", err)
	}
	rest, _, done, err := s.SelectStored(ctx, sel, target, next, 4)
	if err != nil || len(rest) != 2 || !done {
		t.Fatalf("second batch: %v %v %v", rest, done, err)
	}
	if fin, err := s.PlanRescore(ctx, job.ID, "w1", next, "", true, rest); err != nil || fin {
		t.Fatalf("last batch: finished %v, %v", fin, err)
	}
	// A planner that read the job before its selection completed queues
	// nothing more.
	if _, err := s.PlanRescore(ctx, job.ID, "w1", "", "", true, rest); !errors.Is(err, store.ErrRescoreMoved) {
		t.Fatalf("selecting a complete selection again: %v, want ErrRescoreMoved", err)
	}
	job, _ = s.Rescore(ctx, job.ID)
	if job.Total != 6 || job.Selecting || job.StartedAt.IsZero() {
		t.Fatalf("selected job %+v", job)
	}

	msgs, err := s.ReadRescore(ctx, "w1", []string{job.ID, other.ID}, 10, -1)
	if err != nil || len(msgs) != 6 {
		t.Fatalf("read: %d messages, %v", len(msgs), err)
	}
	byCall := map[string]store.RescoreMessage{}
	for _, m := range msgs {
		byCall[m.Object[len("calls/"):len(m.Object)-len(".json")]] = m
	}
	news := map[string]*scoring.Record{
		"c1": rescored(recs["c1"], "lex2", 95, "r.b"),        // r.a gone: +5, orphans the review
		"c2": rescored(recs["c2"], "lex2", 95, "r.b"),        // unchanged
		"c3": rescored(recs["c3"], "lex2", 90, "r.c", "r.c"), // two new findings: −10
		"c4": rescored(recs["c4"], "lex2", 95, "r.a"),        // unchanged
		"c5": rescored(recs["c5"], "lex2", 100),              // unchanged
		"c6": rescored(recs["c6"], "lex2", 100),              // fails below
	}
	var items []store.RescoreItem
	var stored []store.PutItem
	var acks []store.RescoreMessage
	for _, id := range []string{"c1", "c2", "c3", "c4", "c5"} {
		items = append(items, store.RescoreItem{Job: job.ID, Record: news[id]})
		stored = append(stored, store.PutItem{Record: news[id], Source: src("calls/"+id+".json", "e-"+id, time.Now())})
		acks = append(acks, byCall[id])
	}
	changes, err := s.AccountRescore(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range changes {
		if !c.Counted {
			t.Errorf("%s not counted the first time", items[i].Record.CallID)
		}
	}
	if !changes[0].Diff.Changed() || changes[1].Diff.Changed() || changes[2].Diff.ScoreDelta != -10 {
		t.Errorf("changes %+v", changes)
	}
	// The worker dies before storing: the redelivery counts nothing.
	again, err := s.AccountRescore(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range again {
		if c.Counted {
			t.Errorf("%s counted twice", items[i].Record.CallID)
		}
	}
	for i, r := range s.PutMany(ctx, stored) {
		if r.Err != nil || r.Outcome != store.Replaced {
			t.Fatalf("put %s: %v %v", items[i].Record.CallID, r.Outcome, r.Err)
		}
	}
	// And dies again before acknowledging: still nothing, and the change
	// is still known against the record the job replaced.
	again, err = s.AccountRescore(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Counted || !again[0].Diff.Changed() || again[0].Diff.ScoreDelta != 5 {
		t.Errorf("after the put: %+v", again[0])
	}
	for range 2 {
		if fin, err := s.FailRescore(ctx, byCall["c6"], "object is gone"); err != nil || fin {
			t.Fatalf("fail: %v %v", fin, err)
		}
	}
	finished, err := s.AckRescore(ctx, acks)
	if err != nil || !slices.Equal(finished, []string{job.ID}) {
		t.Fatalf("ack: finished %v, %v", finished, err)
	}
	job, err = s.Rescore(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != store.RescoreDone || job.FinishedAt.IsZero() || job.Total != 6 || job.Done != 5 || job.Failed != 1 ||
		job.Changed != 2 || job.ScoreChanged != 2 || job.DeltaSum != -5 || job.AbsDeltaSum != 15 ||
		job.DeltaMax != 5 || job.DeltaMin != -10 || job.Orphaned != 1 || job.Created != 0 {
		t.Errorf("finished job %+v", job)
	}
	if !maps.Equal(job.Added, map[string]int64{"r.c": 2}) || !maps.Equal(job.Removed, map[string]int64{"r.a": 1}) {
		t.Errorf("added %v removed %v", job.Added, job.Removed)
	}
	if len(job.Failures) != 1 || job.Failures[0].Object != "calls/c6.json" || job.Failures[0].Reason != "object is gone" {
		t.Errorf("failures %+v", job.Failures)
	}
	mustVerify(t, s, "u1")
	if diffs, err := s.VerifyReviews(ctx, "u1"); err != nil || len(diffs) > 0 {
		t.Errorf("VerifyReviews: %v %v", diffs, err)
	}
	rv, err := s.ReviewOf(ctx, "u1", "c1", 95)
	if err != nil || rv.Orphans != 1 || len(rv.Decisions) != 1 {
		t.Errorf("c1's review after the rescoring: %+v %v; want the decision kept as an orphan", rv, err)
	}
	prev, err := s.Previous(ctx, "u1", "c1")
	if err != nil || prev == nil || prev.Job != job.ID || prev.Record.Score != 90 || prev.Record.LexiconVersion != "lex1" {
		t.Errorf("previous record of c1: %+v %v", prev, err)
	}
	if prev, err := s.Previous(ctx, "u1", "c2"); err != nil || prev != nil {
		t.Errorf("previous record of unchanged c2: %+v %v; want none", prev, err)
	}
	active, err := s.ActiveRescores(ctx)
	if err != nil || len(active) != 0 {
		t.Errorf("active jobs after the end: %+v %v", active, err)
	}
	// The selection is free again.
	if _, err := s.CreateRescore(ctx, store.RescoreSpec{Bucket: "calls", Selection: sel, Target: target}); err != nil {
		t.Errorf("a new job of a finished job's selection: %v", err)
	}
}

func TestRescoreControl(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	target := store.Versions{Lexicon: "lex2", Engine: "e1", Schemes: map[string]string{"u1": "s1"}}
	job, err := s.CreateRescore(ctx, store.RescoreSpec{Bucket: "calls", Selection: store.Selection{Prefix: "calls/"}, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LeaseRescorePlanner(ctx, job.ID, "w1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PlanRescore(ctx, job.ID, "w1", "", "calls/b.json", false, []string{"calls/a.json", "calls/b.json"}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		do   func(context.Context, string) (*store.Rescore, error)
		want store.RescoreStatus
	}{
		{s.PauseRescore, store.RescorePaused},
		{s.PauseRescore, store.RescorePaused},
		{s.ResumeRescore, store.RescoreRunning},
		{s.ResumeRescore, store.RescoreRunning},
		{s.PauseRescore, store.RescorePaused},
	} {
		got, err := step.do(ctx, job.ID)
		if err != nil || got.Status != step.want {
			t.Fatalf("status %v, %v; want %s", got.Status, err, step.want)
		}
	}
	if _, err := s.PlanRescore(ctx, job.ID, "w1", "calls/b.json", "", true, []string{"calls/c.json"}); !errors.Is(err, store.ErrRescoreNotRunning) {
		t.Errorf("selecting for a paused job: %v", err)
	}
	active, err := s.ActiveRescores(ctx)
	if err != nil || len(active) != 1 || active[0].Status != store.RescorePaused {
		t.Fatalf("active: %+v %v", active, err)
	}
	got, err := s.CancelRescore(ctx, job.ID, "li")
	if err != nil || got.Status != store.RescoreCancelled || got.CancelledBy != "li" || got.FinishedAt.IsZero() || got.Total != 2 {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if _, err := s.CancelRescore(ctx, job.ID, "li"); err != nil {
		t.Errorf("cancelling twice: %v", err)
	}
	for _, f := range []func(context.Context, string) (*store.Rescore, error){s.PauseRescore, s.ResumeRescore} {
		if _, err := f(ctx, job.ID); !errors.Is(err, store.ErrRescoreFinished) {
			t.Errorf("changing a cancelled job: %v, want ErrRescoreFinished", err)
		}
	}
	msgs, err := s.ReadRescore(ctx, "w1", []string{job.ID}, 10, -1)
	if err != nil || len(msgs) != 0 {
		t.Errorf("reading a cancelled job: %v %v", msgs, err)
	}
	if _, err := s.Rescore(ctx, "no-such-job"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing job: %v", err)
	}
	if _, err := s.PauseRescore(ctx, "no-such-job"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("pausing a missing job: %v", err)
	}
	jobs, err := s.Rescores(ctx, 10)
	if err != nil || len(jobs) != 1 || jobs[0].ID != job.ID {
		t.Errorf("Rescores: %+v %v", jobs, err)
	}
}

func TestSelectStoredFilters(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	recs := rescoreFixture(t, s)
	day := time.Date(2026, 11, 22, 23, 30, 0, 0, cst) // 15:30 UTC: the day is the call's own
	u2 := record("d1", "u2", "B1", "t1", day, 100)
	u2.SchemeVersion = "s-old"
	mustPut(t, s, u2, src("calls/d1.json", "e-d1", day), store.Created)
	// c2 was rescored with lex2 already.
	mustPut(t, s, rescored(recs["c2"], "lex2", 95, "r.b"), src("calls/c2.json", "e-c2", time.Now()), store.Replaced)
	target := store.Versions{Lexicon: "lex2", Engine: "e1", Schemes: map[string]string{"u1": "s1", "u2": "s2"}}
	all := func(sel store.Selection) []string {
		t.Helper()
		var out []string
		cursor := ""
		for {
			objs, next, done, err := s.SelectStored(ctx, sel, target, cursor, 2)
			if err != nil {
				t.Fatalf("%+v: %v", sel, err)
			}
			out = append(out, objs...)
			if done {
				return out
			}
			cursor = next
		}
	}
	obj := func(ids ...string) []string {
		var out []string
		for _, id := range ids {
			out = append(out, "calls/"+id+".json")
		}
		return out
	}
	tests := []struct {
		sel  store.Selection
		want []string
	}{
		{store.Selection{All: true}, obj("c1", "c2", "c3", "d1", "c4", "c5", "c6")},
		{store.Selection{Stale: true}, obj("c1", "c3", "d1", "c4", "c5", "c6")},
		{store.Selection{Unit: "u2"}, obj("d1")},
		{store.Selection{Team: "t1"}, obj("c1", "c2", "d1", "c6")},
		{store.Selection{Team: "t1", Stale: true, Unit: "u1"}, obj("c1", "c6")},
		{store.Selection{From: "2026-11-22", To: "2026-11-22"}, obj("c1", "c2", "c3", "d1")},
		{store.Selection{From: "2026-11-23"}, obj("c4", "c5", "c6")},
		{store.Selection{Unit: "none"}, nil},
	}
	for _, tt := range tests {
		if got := all(tt.sel); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: %v, want %v", tt.sel, got, tt.want)
		}
	}
}
