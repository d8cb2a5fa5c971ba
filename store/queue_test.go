package store_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"callqa/internal/testserver"
	"callqa/store"
)

func newQueue(t *testing.T) (*store.Store, *store.Queue) {
	t.Helper()
	s := newStore(t)
	q := s.Queue(store.QueueOptions{EventsKey: s.Keys().Prefix() + "events", Bucket: "calls"})
	if err := q.Ensure(context.Background()); err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	// A second Ensure finds the group and is no error.
	if err := q.Ensure(context.Background()); err != nil {
		t.Fatalf("Ensure again: %v", err)
	}
	return s, q
}

// accessEvent is a MinIO access-format event as MinIO's Redis target
// pushes it: an array of {"Event": [records], "EventTime": ...}.
func accessEvent(name, bucket, key, etag string, size int) string {
	k := url.QueryEscape(key)
	return fmt.Sprintf(`[{"Event":[{"eventVersion":"2.0","eventSource":"minio:s3",`+
		`"eventTime":"2026-11-24T03:10:00.123Z","eventName":%q,"userIdentity":{"principalId":"x"},`+
		`"s3":{"s3SchemaVersion":"1.0","configurationId":"Config","bucket":{"name":%q,"arn":"arn:aws:s3:::%s"},`+
		`"object":{"key":%q,"size":%d,"eTag":%q,"contentType":"application/json","sequencer":"1"}}}],`+
		`"EventTime":"2026-11-24T03:10:00.123Z"}]`,
		name, bucket, bucket, k, size, etag)
}

func TestMoveEvents(t *testing.T) {
	s, q := newQueue(t)
	ctx := context.Background()
	rdb := s.Client()
	events := []string{
		accessEvent("s3:ObjectCreated:Put", "calls", "hz/2026/call 1+一.json", "e1", 120),
		accessEvent("s3:ObjectCreated:Put", "calls", "hz/2026/call 1+一.json", "e1", 120), // duplicate
		accessEvent("s3:ObjectCreated:CompleteMultipartUpload", "calls", "b.json", `"e2-3"`, 3<<20),
		accessEvent("s3:ObjectCreated:Put", "other", "c.json", "e3", 1),
		accessEvent("s3:ObjectRemoved:Delete", "calls", "d e.json", "", 0),
		accessEvent("s3:ObjectAccessed:Get", "calls", "d e.json", "", 0),
		`not json at all`,
		`{"Records": "nope"}`,
		// An S3-style document with two records.
		`{"Records":[{"eventName":"s3:ObjectCreated:Copy","s3":{"bucket":{"name":"calls"},"object":{"key":"s3%2Fa.json","eTag":"f1","size":7}}},` +
			`{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"calls"},"object":{"key":"s3%2Fb.json","eTag":"f2","size":8}}}]}`,
	}
	for _, ev := range events {
		if err := rdb.RPush(ctx, q.Keys().Events, ev).Err(); err != nil {
			t.Fatal(err)
		}
	}
	ok, err := q.WaitEvents(ctx, time.Second)
	if err != nil || !ok {
		t.Fatalf("WaitEvents = %v, %v; want true", ok, err)
	}
	if n := rdb.LLen(ctx, q.Keys().Events).Val(); n != int64(len(events)) {
		t.Fatalf("WaitEvents changed the list: %d events, want %d", n, len(events))
	}
	first, err := q.MoveEvents(ctx, 3, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := q.MoveEvents(ctx, 100, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	got := store.MoveResult{Events: first.Events + rest.Events, Queued: first.Queued + rest.Queued,
		Duplicates: first.Duplicates + rest.Duplicates, Ignored: first.Ignored + rest.Ignored, Dead: first.Dead + rest.Dead,
		Removed: first.Removed + rest.Removed}
	want := store.MoveResult{Events: 9, Queued: 4, Duplicates: 1, Ignored: 2, Dead: 2, Removed: 1}
	if got != want || first.Events != 3 {
		t.Errorf("MoveEvents = %+v then %+v, want %+v in all with 3 first", first, rest, want)
	}
	msgs, err := q.Read(ctx, "w1", 10, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 5 {
		t.Fatalf("Read %d messages, want 5: %+v", len(msgs), msgs)
	}
	m := msgs[0]
	if m.Object != "hz/2026/call 1+一.json" || m.ETag != "e1" || m.Size != 120 || m.Source != store.SourceEvent || m.Force || m.Removed || m.Deliveries != 1 {
		t.Errorf("first message = %+v", m)
	}
	if msgs[1].Object != "b.json" || msgs[1].ETag != "e2-3" || msgs[1].Size != 3<<20 {
		t.Errorf("second message = %+v", msgs[1])
	}
	if rm := msgs[2]; rm.Object != "d e.json" || rm.ETag != "" || !rm.Removed || rm.Source != store.SourceEvent {
		t.Errorf("message of the removal = %+v, want d e.json removed", rm)
	}
	if msgs[3].Object != "s3/a.json" || msgs[4].Object != "s3/b.json" || msgs[4].ETag != "f2" {
		t.Errorf("messages of the S3-style document = %+v", msgs[3:])
	}
	letters, err := q.DeadLetters(ctx, "-", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(letters) != 2 || letters[0].Event != "not json at all" || letters[0].Reason == "" {
		t.Errorf("dead letters = %+v", letters)
	}
	if ok, err := q.WaitEvents(ctx, 100*time.Millisecond); err != nil || ok {
		t.Errorf("WaitEvents on an empty list = %v, %v; want false", ok, err)
	}
}

func TestEnqueueSkipsHandledVersions(t *testing.T) {
	_, q := newQueue(t)
	ctx := context.Background()
	jobs := []store.Job{{Object: "a", ETag: "1"}, {Object: "b", ETag: "1"}, {Object: "c", ETag: "1"}}
	if n, err := q.Enqueue(ctx, jobs, store.SourceScan, false, time.Hour); err != nil || n != 3 {
		t.Fatalf("Enqueue = %d, %v; want 3", n, err)
	}
	msgs, err := q.Read(ctx, "w1", 10, 100*time.Millisecond)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("Read = %d, %v", len(msgs), err)
	}
	if err := q.Done(ctx, msgs[0], "1"); err != nil { // a scored at 1
		t.Fatal(err)
	}
	if err := q.DeadLetter(ctx, msgs[1], "1", "bad"); err != nil { // b dead at 1
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		jobs  []store.Job
		force bool
		hold  time.Duration
		want  int
	}{
		{"scored, dead and queued versions", jobs, false, time.Hour, 0},
		{"queued mark expired", jobs, false, 0, 1},
		{"new versions", []store.Job{{Object: "a", ETag: "2"}, {Object: "b", ETag: "2"}}, false, time.Hour, 2},
		{"forced", []store.Job{{Object: "a", ETag: "2"}}, true, time.Hour, 1},
		{"nothing", nil, false, time.Hour, 0},
	}
	for _, tt := range tests {
		n, err := q.Enqueue(ctx, tt.jobs, store.SourceScan, tt.force, tt.hold)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if n != tt.want {
			t.Errorf("%s: queued %d, want %d", tt.name, n, tt.want)
		}
	}
	marks, err := q.Marks(ctx, []string{"a", "b", "c", "zzz"})
	if err != nil {
		t.Fatal(err)
	}
	states := fmt.Sprintf("%c%s %c%s %c%s %d", marks[0].State, marks[0].ETag, marks[1].State, marks[1].ETag,
		marks[2].State, marks[2].ETag, marks[3].State)
	if states != "q2 q2 q1 0" {
		t.Errorf("marks = %s, want q2 q2 q1 0", states)
	}
}

func TestClaimTakesOverIdleMessages(t *testing.T) {
	_, q := newQueue(t)
	ctx := context.Background()
	if _, err := q.Enqueue(ctx, []store.Job{{Object: "a", ETag: "1"}, {Object: "b", ETag: "1"}}, store.SourceScan, false, time.Hour); err != nil {
		t.Fatal(err)
	}
	if msgs, err := q.Read(ctx, "dead-worker", 10, 100*time.Millisecond); err != nil || len(msgs) != 2 {
		t.Fatalf("Read = %d, %v", len(msgs), err)
	}
	if got, err := q.Claim(ctx, "w2", time.Hour, 10); err != nil || len(got) != 0 {
		t.Fatalf("Claim of fresh messages = %+v, %v; want none", got, err)
	}
	time.Sleep(50 * time.Millisecond)
	got, err := q.Claim(ctx, "w2", 20*time.Millisecond, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Object != "a" || got[0].Deliveries != 2 || got[1].Deliveries != 2 {
		t.Fatalf("Claim = %+v, want a and b delivered twice", got)
	}
	// The new owner extends its hold on a; a is then not idle, b is.
	time.Sleep(300 * time.Millisecond)
	if err := q.Extend(ctx, "w2", got[0].ID); err != nil {
		t.Fatal(err)
	}
	again, err := q.Claim(ctx, "w3", 250*time.Millisecond, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 1 || again[0].Object != "b" || again[0].Deliveries != 3 {
		t.Fatalf("Claim after Extend = %+v, want only b, delivered 3 times", again)
	}
	for _, m := range append(got[:1], again...) {
		if err := q.Done(ctx, m, m.ETag); err != nil {
			t.Fatal(err)
		}
	}
	st, err := q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st != (store.QueueStats{}) {
		t.Errorf("Stats after all done = %+v, want zero", st)
	}
}

func TestDeadLetter(t *testing.T) {
	_, q := newQueue(t)
	ctx := context.Background()
	if _, err := q.Enqueue(ctx, []store.Job{{Object: "x/bad.json", ETag: "9", Size: 5}}, store.SourceScan, false, time.Hour); err != nil {
		t.Fatal(err)
	}
	msgs, err := q.Read(ctx, "w1", 10, 100*time.Millisecond)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Read = %d, %v", len(msgs), err)
	}
	if err := q.DeadLetter(ctx, msgs[0], "9", "x/bad.json: malformed JSON"); err != nil {
		t.Fatal(err)
	}
	letters, err := q.DeadLetters(ctx, "-", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Letter{Object: "x/bad.json", ETag: "9", Reason: "x/bad.json: malformed JSON", Source: store.SourceScan,
		MessageID: msgs[0].ID, Deliveries: 1}
	if len(letters) != 1 {
		t.Fatalf("%d dead letters, want 1", len(letters))
	}
	got := letters[0]
	got.ID, got.At = "", time.Time{}
	if got != want {
		t.Errorf("dead letter = %+v, want %+v", got, want)
	}
	st, err := q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Depth != 0 || st.Pending != 0 || st.Dead != 1 {
		t.Errorf("Stats = %+v, want only one dead letter", st)
	}
}

func TestQueueKeysOfSharedRedisAreOwn(t *testing.T) {
	// Two queues with different prefixes on one Redis do not see each
	// other's work.
	rdb := testserver.SharedRedis(t).Client(t)
	ctx := context.Background()
	a := store.New(rdb, store.Options{Prefix: testserver.KeyPrefix(t)}).Queue(store.QueueOptions{Bucket: "calls", EventsKey: testserver.KeyPrefix(t) + "ev"})
	b := store.New(rdb, store.Options{Prefix: testserver.KeyPrefix(t)}).Queue(store.QueueOptions{Bucket: "calls", EventsKey: testserver.KeyPrefix(t) + "ev"})
	for _, q := range []*store.Queue{a, b} {
		if err := q.Ensure(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Enqueue(ctx, []store.Job{{Object: "o", ETag: "1"}}, store.SourceScan, false, time.Hour); err != nil {
		t.Fatal(err)
	}
	if msgs, err := b.Read(ctx, "w", 10, 50*time.Millisecond); err != nil || len(msgs) != 0 {
		t.Errorf("b read %d messages of a's queue (%v)", len(msgs), err)
	}
}

func TestFinishAnnouncesAndAcknowledges(t *testing.T) {
	s, q := newQueue(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 22, 9, 0, 0, 0, cst)
	if _, err := q.Enqueue(ctx, []store.Job{{Object: "k1", ETag: "e2"}, {Object: "k1", ETag: "e1"}}, store.SourceScan, true, time.Hour); err != nil {
		t.Fatal(err)
	}
	msgs, err := q.Read(ctx, "w1", 10, 100*time.Millisecond)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("Read = %d, %v", len(msgs), err)
	}
	tests := []struct {
		msg       store.Message
		src       store.Source
		want      store.Outcome
		announced int64
	}{
		{msgs[0], src("k1", "e2", day.Add(time.Minute)), store.Created, 1},
		{msgs[1], src("k1", "e1", day), store.Stale, 1}, // older version: stored and announced nothing
	}
	for _, tt := range tests {
		rec := record("c1", "u1", "A1", "T1", day, 90)
		out, err := s.Put(ctx, rec, tt.src)
		if err != nil || out != tt.want {
			t.Fatalf("Put(%s) = %v, %v; want %v", tt.src.ETag, out, err, tt.want)
		}
		if err := q.Finish(ctx, tt.msg, tt.src.ETag, s.Announcement(rec, out)); err != nil {
			t.Fatal(err)
		}
		if n := s.Client().XLen(ctx, s.Keys().Scores()).Val(); n != tt.announced {
			t.Errorf("after %s: %d announcements, want %d", tt.src.ETag, n, tt.announced)
		}
	}
	st, err := q.Stats(ctx)
	if err != nil || st.Pending != 0 || st.Depth != 0 {
		t.Errorf("Stats = %+v, %v; want nothing pending", st, err)
	}
}
