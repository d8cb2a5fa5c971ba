package store_test

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"callqa/store"
)

// readOne reads the one message the queue must hold now.
func readOne(t *testing.T, q *store.Queue) store.Message {
	t.Helper()
	msgs, err := q.Read(context.Background(), "w1", 10, 100*time.Millisecond)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Read = %+v, %v; want one message", msgs, err)
	}
	return msgs[0]
}

func partsOf(t *testing.T, q *store.Queue, key string) store.Parts {
	t.Helper()
	ps, err := q.PartsOf(context.Background(), []string{key})
	if err != nil {
		t.Fatal(err)
	}
	return ps[0]
}

func mark(t *testing.T, q *store.Queue, object string) store.Mark {
	t.Helper()
	ms, err := q.Marks(context.Background(), []string{object})
	if err != nil {
		t.Fatal(err)
	}
	return ms[0]
}

func settle(t *testing.T, q *store.Queue, s store.Settlement) store.SettleResult {
	t.Helper()
	res, err := q.Settle(context.Background(), []store.Settlement{s})
	if err != nil || res[0].Err != nil {
		t.Fatalf("Settle(%+v) = %+v, %v", s, res, err)
	}
	return res[0]
}

func enqueue(t *testing.T, q *store.Queue, object, etag string) {
	t.Helper()
	if _, err := q.Enqueue(context.Background(), []store.Job{{Object: object, ETag: etag}}, store.SourceEvent, true, time.Hour); err != nil {
		t.Fatal(err)
	}
}

// TestSidecarsQueueTheirTranscriptAgain follows a call whose CDR arrives
// after its ASR result was scored, and whose CDR is then deleted.
func TestSidecarsQueueTheirTranscriptAgain(t *testing.T) {
	_, q := newQueue(t)
	ctx := context.Background()
	const asr, cdr, key = "c/k.asr.json", "c/k.cdr.json", "c/k"

	enqueue(t, q, asr, "a1")
	m := readOne(t, q)
	p := partsOf(t, q, key)
	if p.Gen != 0 || len(p.Transcripts)+len(p.Sidecars) != 0 {
		t.Fatalf("parts of a new call = %+v, want none", p)
	}
	r := settle(t, q, store.Settlement{Msg: m, CallKey: key, Gen: p.Gen, CheckGen: true, State: store.Scored, ETag: "a1", CallID: "k"})
	if r.Requeued || r.PrevCallID != "" {
		t.Fatalf("first settlement = %+v", r)
	}
	if got := partsOf(t, q, key); !maps.Equal(got.Transcripts, map[string]string{asr: "k"}) {
		t.Errorf("transcripts after scoring = %v", got.Transcripts)
	}
	if mk := mark(t, q, asr); mk.State != store.Scored || mk.ETag != "a1" {
		t.Errorf("mark of the transcript = %+v", mk)
	}

	// The CDR arrives: it is registered and the transcript queued again.
	enqueue(t, q, cdr, "e1")
	res, err := q.Attach(ctx, readOne(t, q), key, "e1")
	if err != nil || !res.Changed || res.Requeued != 1 {
		t.Fatalf("Attach = %+v, %v; want changed, 1 requeued", res, err)
	}
	again := readOne(t, q)
	if again.Object != asr || again.ETag != "a1" || again.Source != store.SourceSidecar || !again.Force {
		t.Errorf("requeued message = %+v", again)
	}
	p2 := partsOf(t, q, key)
	if p2.Gen <= p.Gen || !maps.Equal(p2.Sidecars, map[string]string{cdr: "e1"}) {
		t.Errorf("parts after the CDR = %+v", p2)
	}
	if mk := mark(t, q, cdr); mk.State != store.Scored || mk.ETag != "e1" {
		t.Errorf("mark of the CDR = %+v", mk)
	}
	// The same version again changes nothing.
	if res, err := q.Attach(ctx, store.Message{Object: cdr}, key, "e1"); err != nil || res.Changed || res.Requeued != 0 {
		t.Errorf("Attach of the same version = %+v, %v", res, err)
	}

	// A score made from the parts before the CDR is discarded: the
	// transcript is queued again instead.
	r = settle(t, q, store.Settlement{Msg: again, CallKey: key, Gen: p.Gen, CheckGen: true, State: store.Scored, ETag: "a1", CallID: "k"})
	if !r.Requeued {
		t.Fatalf("settlement from stale parts = %+v, want requeued", r)
	}
	redo := readOne(t, q)
	if redo.Object != asr || redo.Source != store.SourceChanged {
		t.Errorf("message after a stale settlement = %+v", redo)
	}
	r = settle(t, q, store.Settlement{Msg: redo, CallKey: key, Gen: p2.Gen, CheckGen: true, State: store.Scored, ETag: "a1", CallID: "k"})
	if r.Requeued || r.PrevCallID != "k" {
		t.Errorf("settlement from current parts = %+v", r)
	}

	// The CDR is deleted: it is forgotten and the transcript queued again.
	res, err = q.Detach(ctx, store.Message{Object: cdr}, key)
	if err != nil || !res.Changed || res.Requeued != 1 {
		t.Fatalf("Detach = %+v, %v", res, err)
	}
	if m := readOne(t, q); m.Object != asr || m.Source != store.SourceSidecar {
		t.Errorf("message after Detach = %+v", m)
	}
	if p3 := partsOf(t, q, key); len(p3.Sidecars) != 0 || p3.Gen <= p2.Gen {
		t.Errorf("parts after Detach = %+v", p3)
	}
	if mk := mark(t, q, cdr); mk.State != store.Removed {
		t.Errorf("mark of the deleted CDR = %+v", mk)
	}
}

// TestWaitEndsInAFinalMessage: a transcript waiting for a sidecar keeps
// the end of its first wait, is queued as final when it passes, and is
// then dead-lettered with the reason.
func TestWaitEndsInAFinalMessage(t *testing.T) {
	_, q := newQueue(t)
	ctx := context.Background()
	const asr, key = "m/w.asr.json", "m/w"
	enqueue(t, q, asr, "v1")
	m := readOne(t, q)
	end := time.Now().Add(-time.Second).Truncate(time.Millisecond)
	settle(t, q, store.Settlement{Msg: m, CallKey: key, CheckGen: true, State: store.Waiting, ETag: "v1", WaitUntil: end})
	if mk := mark(t, q, asr); mk.State != store.Waiting {
		t.Errorf("mark = %+v, want waiting", mk)
	}
	// Waiting versions are not queued again by the scan.
	if n, err := q.Enqueue(ctx, []store.Job{{Object: asr, ETag: "v1"}}, store.SourceScan, false, time.Hour); err != nil || n != 0 {
		t.Errorf("scan queued a waiting version: %d, %v", n, err)
	}
	// A second wait (a sidecar came that did not complete the call) keeps
	// the first end.
	settle(t, q, store.Settlement{Msg: store.Message{Object: asr}, CallKey: key, CheckGen: true, State: store.Waiting,
		ETag: "v1", WaitUntil: end.Add(time.Hour)})
	waiting, err := q.Waiting(ctx, -1)
	if err != nil || len(waiting) != 1 || !waiting[asr].Equal(end) {
		t.Fatalf("Waiting = %v, %v; want %s until %v", waiting, err, asr, end)
	}
	if p := partsOf(t, q, key); !maps.Equal(p.Transcripts, map[string]string{asr: ""}) {
		t.Errorf("a waiting transcript is not registered: %+v", p)
	}

	if n, err := q.QueueDue(ctx, time.Now(), 10); err != nil || n != 1 {
		t.Fatalf("QueueDue = %d, %v; want 1", n, err)
	}
	final := readOne(t, q)
	if final.Object != asr || !final.Final || final.Source != store.SourceWait || final.ETag != "v1" {
		t.Errorf("final message = %+v", final)
	}
	if n, err := q.QueueDue(ctx, time.Now(), 10); err != nil || n != 0 {
		t.Errorf("QueueDue again = %d, %v; want 0", n, err)
	}
	settle(t, q, store.Settlement{Msg: final, CallKey: key, CheckGen: true, State: store.Dead, ETag: "v1",
		Reason: "waited 10m0s for a sidecar", Register: true})
	letters, err := q.DeadLetters(ctx, "-", 10)
	if err != nil || len(letters) != 1 || letters[0].Object != asr || letters[0].Reason != "waited 10m0s for a sidecar" ||
		letters[0].ETag != "v1" || letters[0].Source != store.SourceWait {
		t.Errorf("dead letters = %+v, %v", letters, err)
	}
	if mk := mark(t, q, asr); mk.State != store.Dead {
		t.Errorf("mark = %+v, want dead", mk)
	}
	st, err := q.Stats(ctx)
	if err != nil || st.Waiting != 0 || st.Pending != 0 || st.Dead != 1 {
		t.Errorf("Stats = %+v, %v", st, err)
	}
}

// TestRemovedTranscript: settling a removed transcript forgets it and
// returns the call id it was stored under; a score of the same object
// settled later is queued again instead, for its object is gone.
func TestRemovedTranscript(t *testing.T) {
	_, q := newQueue(t)
	const obj, key = "r/x.json", "r/x"
	enqueue(t, q, obj, "v1")
	late := readOne(t, q) // a message still in flight when the object is deleted
	settle(t, q, store.Settlement{Msg: store.Message{Object: obj}, CallKey: key, CheckGen: true, State: store.Scored, ETag: "v1", CallID: "x-1"})

	r := settle(t, q, store.Settlement{Msg: store.Message{Object: obj, Removed: true}, CallKey: key, State: store.Removed})
	if r.PrevCallID != "x-1" || r.Requeued {
		t.Fatalf("removal = %+v, want the call id x-1", r)
	}
	if p := partsOf(t, q, key); len(p.Transcripts) != 0 {
		t.Errorf("parts after the removal = %+v", p)
	}
	if mk := mark(t, q, obj); mk.State != store.Removed || mk.ETag != "" {
		t.Errorf("mark = %+v, want removed", mk)
	}
	// The object written again, even with the same content, is queued
	// by its event: the removal mark does not hold it back.
	if n, err := q.Enqueue(context.Background(), []store.Job{{Object: obj, ETag: "v1"}}, store.SourceEvent, false, time.Hour); err != nil || n != 1 {
		t.Errorf("event of the object written again queued %d, %v; want 1", n, err)
	}
	readOne(t, q)
	q.Settle(context.Background(), []store.Settlement{{Msg: store.Message{Object: obj, Removed: true}, CallKey: key, State: store.Removed}})

	r = settle(t, q, store.Settlement{Msg: late, CallKey: key, CheckGen: true, State: store.Scored, ETag: "v1", CallID: "x-1"})
	if !r.Requeued {
		t.Errorf("score of a removed object settled as %+v, want requeued", r)
	}
	if m := readOne(t, q); m.Object != obj || m.Source != store.SourceChanged {
		t.Errorf("message after the late settlement = %+v", m)
	}
	if p := partsOf(t, q, key); !maps.Equal(p.Transcripts, map[string]string{obj: "x-1"}) {
		t.Errorf("a stored score queued again is not registered: %+v", p)
	}
}

func TestRemoveFromChecksTheObject(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 22, 9, 0, 0, 0, cst)
	mustPut(t, s, record("c1", "u1", "A1", "T1", day, 90, "greeting.missing"), src("objects/a.json", "e1", day), store.Created)
	mustPut(t, s, record("c2", "u1", "A1", "T1", day, 70), src("objects/b.json", "e1", day), store.Created)
	if removed, err := s.RemoveFrom(ctx, "c1", "objects/b.json"); err != nil || removed {
		t.Errorf("RemoveFrom another object = %v, %v; want nothing removed", removed, err)
	}
	if _, err := s.Call(ctx, "c1"); err != nil {
		t.Errorf("c1 after RemoveFrom another object: %v", err)
	}
	if removed, err := s.RemoveFrom(ctx, "c1", "objects/a.json"); err != nil || !removed {
		t.Errorf("RemoveFrom its object = %v, %v; want removed", removed, err)
	}
	if _, err := s.Call(ctx, "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("c1 after removal: %v, want not found", err)
	}
	if removed, err := s.RemoveFrom(ctx, "c1", "objects/a.json"); err != nil || removed {
		t.Errorf("RemoveFrom again = %v, %v", removed, err)
	}
	a := aggregate(t, s, "u1", store.DimUnit, "u1", "2026-11-22")
	if a.Calls != 1 || a.ScoreSum != 70 || a.Findings["greeting.missing"] != 0 {
		t.Errorf("aggregate after removal = %v, want c2's only", a)
	}
	mustVerify(t, s, "u1")
}

// TestPutManyIsPutInBatches stores several scores in one call: new,
// replaced, stale and invalid ones, and the aggregates stay exact.
func TestPutManyIsPutInBatches(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 22, 9, 0, 0, 0, cst)
	mustPut(t, s, record("b2", "u1", "A1", "", day, 80), src("o/b2", "e2", day.Add(time.Hour)), store.Created)
	mustPut(t, s, record("b3", "u1", "A2", "T1", day, 60), src("o/b3", "e1", day), store.Created)
	bad := record("b4", "u1", "", "", day, 50)
	res := s.PutMany(ctx, []store.PutItem{
		{Record: record("b1", "u1", "A1", "T1", day, 95), Source: src("o/b1", "e1", day)},
		{Record: record("b2", "u1", "A1", "", day, 40, "forbidden.profanity"), Source: src("o/b2", "e1", day)}, // older object
		{Record: record("b3", "u1", "A2", "T1", day, 65, "closing.farewell"), Source: src("o/b3", "e2", day.Add(time.Minute))},
		{Record: bad, Source: src("o/b4", "e1", day)},
	})
	want := []store.Outcome{store.Created, store.Stale, store.Replaced}
	for i, w := range want {
		if res[i].Err != nil || res[i].Outcome != w {
			t.Errorf("item %d: %v, %v; want %v", i, res[i].Outcome, res[i].Err, w)
		}
	}
	if !errors.Is(res[3].Err, store.ErrInvalid) {
		t.Errorf("record without an agent: %v, want ErrInvalid", res[3].Err)
	}
	a := aggregate(t, s, "u1", store.DimUnit, "u1", "2026-11-22")
	if a.Calls != 3 || a.ScoreSum != 95+80+65 || a.Findings["closing.farewell"] != 1 || a.Findings["forbidden.profanity"] != 0 {
		t.Errorf("aggregate = %v", a)
	}
	// The same batch again changes nothing.
	res = s.PutMany(ctx, []store.PutItem{
		{Record: record("b1", "u1", "A1", "T1", day, 95), Source: src("o/b1", "e1", day)},
		{Record: record("b3", "u1", "A2", "T1", day, 65, "closing.farewell"), Source: src("o/b3", "e2", day.Add(time.Minute))},
	})
	for i, r := range res {
		if r.Err != nil || r.Outcome != store.Replaced {
			t.Errorf("again, item %d: %v, %v", i, r.Outcome, r.Err)
		}
	}
	if b := aggregate(t, s, "u1", store.DimUnit, "u1", "2026-11-22"); !b.Equal(a) {
		t.Errorf("aggregate after the same batch again = %v, want %v", b, a)
	}
	mustVerify(t, s, "u1")
}
