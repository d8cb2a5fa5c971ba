package worker_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"callqa/scoring"
	"callqa/store"
	"callqa/worker"
	"callqa/worker/workertest"
)

// Vendor files of the adapters' tests: an Alibaba dual-channel result
// with the FreeSWITCH CDR of the agent's leg (the agent hung up), and an
// Alibaba result of diarized mono audio (roles from what each speaker
// says).
const (
	e2eASR  = "../adapt/testdata/e2e/hz-20261122-000123.asr.json"
	e2eCDR  = "../adapt/testdata/e2e/hz-20261122-000123.cdr.json"
	monoASR = "../adapt/testdata/aliyun/mono-speakers.json"
)

func fixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// offlineScores runs `callqa score --json args...` on files (name →
// bytes) written into one folder and returns the records by call id, as
// JSON.
func offlineScores(t *testing.T, files map[string][]byte, args ...string) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(callqaBin, append(append([]string{"score", "--json"}, args...), dir)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("callqa score %v: %v\n%s", args, err, stderr.String())
	}
	recs := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var rec scoring.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("callqa score printed %q: %v", sc.Text(), err)
		}
		norm, _ := json.Marshal(&rec)
		recs[rec.CallID] = norm
	}
	return recs
}

// storedJSON returns the stored record of a call as JSON, or nil when the
// call has no score.
func (e *env) storedJSON(callID string) ([]byte, error) {
	c, err := e.store.Call(context.Background(), callID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, nil // Redis may be busy; keep waiting
	}
	return json.Marshal(c.Record)
}

// waitStored waits until the stored record of callID is want.
func (e *env) waitStored(callID string, want []byte) {
	e.t.Helper()
	if want == nil {
		e.t.Fatalf("no offline record of %s to wait for", callID)
	}
	var got []byte
	e.waitFor("the stored score of "+callID+" to equal the offline one", func() (bool, error) {
		got, _ = e.storedJSON(callID)
		return bytes.Equal(got, want), nil
	})
}

// waitMark waits until object's mark is in state.
func (e *env) waitMark(object string, state store.MarkState) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("%s marked %c", object, state), func() (bool, error) {
		ms, err := e.queue.Marks(context.Background(), []string{object})
		return err == nil && ms[0].State == state, nil
	})
}

func (e *env) remove(key string) {
	e.t.Helper()
	if err := e.mc.RemoveObject(context.Background(), e.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		e.t.Fatalf("remove %s: %v", key, err)
	}
}

// verify checks that the aggregates of units equal their recomputation
// and that each holds the given number of calls.
func (e *env) verify(calls map[string]int) {
	e.t.Helper()
	ctx := context.Background()
	for unit, n := range calls {
		ids, err := e.store.CallIDs(ctx, unit, store.IndexTime, "", 0, 1e13, 0, -1)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(ids) != n {
			e.t.Errorf("unit %s holds %d calls %v, want %d", unit, len(ids), ids, n)
		}
		diffs, err := e.store.Verify(ctx, unit)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, d := range diffs {
			e.t.Errorf("unit %s: %s", unit, d)
		}
	}
}

func metaJSON(fields map[string]any) []byte {
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return b
}

// TestVendorFilesInAnyOrderScoreLikeTheOfflineScorer uploads vendor ASR
// results with their CDRs and metadata in both orders and checks that the
// stored score is, in the end, what `callqa score --json` makes of the
// same files with the same defaults; that a transcript lacking its agent
// waits for the sidecar that names one; that a sidecar arriving after the
// transcript was scored scores it again, and a sidecar changing the call
// id moves the score; that deleting a sidecar scores the call without it
// and deleting the transcript removes its score; and that the aggregates
// equal their recomputation throughout.
func TestVendorFilesInAnyOrderScoreLikeTheOfflineScorer(t *testing.T) {
	e := newEnv(t)
	e.startWorker("--default-unit", "sgcc-hz")
	defaults := []string{"--unit", "sgcc-hz"}

	asr, cdr, mono := fixture(t, e2eASR), fixture(t, e2eCDR), fixture(t, monoASR)
	monoMeta := func(id string) []byte {
		return metaJSON(map[string]any{"call_id": id, "unit": "yongheng-heat", "agent_id": "A3310", "team": "热线一班",
			"started_at": "2026-11-22T10:05:00+08:00", "layout": "mono"})
	}
	agentMeta := metaJSON(map[string]any{"agent_id": "A2048", "team": "95598-一班", "started_at": "2026-11-22T09:30:00+08:00"})
	renamedMeta := metaJSON(map[string]any{"agent_id": "A2048", "team": "95598-一班", "started_at": "2026-11-22T09:30:00+08:00",
		"call_id": "hz-e-renamed"})
	files := map[string][]byte{
		"hz-a.asr.json": asr, "hz-a.cdr.json": cdr, // ASR first: waits for the CDR's agent
		"hz-b.asr.json": asr, "hz-b.cdr.json": cdr, // CDR first
		"yh-c.asr.json": mono, "yh-c.meta.json": monoMeta("yh-c-0001"), // mono first: waits for the metadata
		"yh-d.asr.json": mono, "yh-d.meta.json": monoMeta("yh-d-0001"), // metadata first
		"hz-e.asr.json": asr, "hz-e.cdr.json": cdr, "hz-e.meta.json": renamedMeta,
	}
	want := offlineScores(t, files, defaults...)
	if len(want) != 5 {
		t.Fatalf("the offline scorer made %d records, want 5: %v", len(want), want)
	}
	key := func(name string) string { return "vendor/2026/11/22/" + name }

	// A transcript whose agent no file or default names waits for the
	// sidecar that does, and is scored when it comes.
	e.put(key("hz-a.asr.json"), asr)
	e.put(key("yh-c.asr.json"), mono)
	e.waitMark(key("hz-a.asr.json"), store.Waiting)
	e.waitMark(key("yh-c.asr.json"), store.Waiting)
	waiting, err := e.queue.Waiting(context.Background(), -1)
	if err != nil || len(waiting) != 2 {
		t.Errorf("waiting = %v, %v; want both transcripts", waiting, err)
	}
	e.put(key("hz-a.cdr.json"), cdr)
	e.put(key("yh-c.meta.json"), monoMeta("yh-c-0001"))
	e.waitStored("hz-a", want["hz-a"])
	e.waitStored("yh-c-0001", want["yh-c-0001"])

	// Sidecars first: registered, then paired with the transcript.
	e.put(key("hz-b.cdr.json"), cdr)
	e.put(key("yh-d.meta.json"), monoMeta("yh-d-0001"))
	e.waitMark(key("hz-b.cdr.json"), store.Scored)
	e.waitMark(key("yh-d.meta.json"), store.Scored)
	e.put(key("hz-b.asr.json"), asr)
	e.put(key("yh-d.asr.json"), mono)
	e.waitStored("hz-b", want["hz-b"])
	e.waitStored("yh-d-0001", want["yh-d-0001"])

	// A call scored with its metadata is scored again when its CDR
	// arrives (the CDR says the agent hung up), and moves to another call
	// id when new metadata names one.
	e.put(key("hz-e.meta.json"), agentMeta)
	e.waitMark(key("hz-e.meta.json"), store.Scored)
	e.put(key("hz-e.asr.json"), asr)
	e.waitMark(key("hz-e.asr.json"), store.Scored)
	first, _ := e.storedJSON("hz-e")
	withMeta := offlineScores(t, map[string][]byte{"hz-e.asr.json": asr, "hz-e.meta.json": agentMeta}, defaults...)
	if !bytes.Equal(first, withMeta["hz-e"]) {
		t.Errorf("hz-e before its CDR:\n%s\nwant\n%s", first, withMeta["hz-e"])
	}
	e.put(key("hz-e.cdr.json"), cdr)
	withCDR := offlineScores(t, map[string][]byte{"hz-e.asr.json": asr, "hz-e.meta.json": agentMeta, "hz-e.cdr.json": cdr}, defaults...)
	e.waitStored("hz-e", withCDR["hz-e"])
	if bytes.Equal(withCDR["hz-e"], withMeta["hz-e"]) {
		t.Errorf("the CDR changes nothing of hz-e's score; the test proves nothing")
	}
	e.verify(map[string]int{"sgcc-hz": 3, "yongheng-heat": 2})
	e.put(key("hz-e.meta.json"), renamedMeta)
	e.waitStored("hz-e-renamed", want["hz-e-renamed"])
	e.waitFor("hz-e's old score to go", func() (bool, error) {
		got, _ := e.storedJSON("hz-e")
		return got == nil, nil
	})
	e.verify(map[string]int{"sgcc-hz": 3, "yongheng-heat": 2})
	for _, id := range []string{"hz-a", "hz-b", "yh-c-0001", "yh-d-0001", "hz-e-renamed"} {
		got, _ := e.storedJSON(id)
		if !bytes.Equal(got, want[id]) {
			t.Errorf("%s: stored\n%s\nwant the offline scorer's\n%s", id, got, want[id])
		}
	}
	if waiting, err := e.queue.Waiting(context.Background(), -1); err != nil || len(waiting) != 0 {
		t.Errorf("still waiting: %v, %v", waiting, err)
	}

	// Deleting a sidecar scores the call without it; deleting the
	// transcript removes its score and its share of the aggregates.
	e.remove(key("hz-e.cdr.json"))
	e.waitStored("hz-e-renamed", offlineScores(t, map[string][]byte{"hz-e.asr.json": asr, "hz-e.meta.json": renamedMeta}, defaults...)["hz-e-renamed"])
	e.remove(key("hz-e.asr.json"))
	e.waitFor("hz-e-renamed's score to go with its transcript", func() (bool, error) {
		got, _ := e.storedJSON("hz-e-renamed")
		return got == nil, nil
	})
	e.verify(map[string]int{"sgcc-hz": 2, "yongheng-heat": 2})
	if letters, err := e.queue.DeadLetters(context.Background(), "-", 10); err != nil || len(letters) != 0 {
		t.Errorf("dead letters: %+v, %v", letters, err)
	}
}

// TestTranscriptWaitsForItsSidecarThenIsDeadLettered: a vendor result
// that names no unit or agent, on a worker without defaults, waits
// --sidecar-wait for its metadata and is then dead-lettered with the
// reason; metadata arriving later still gets it scored.
func TestTranscriptWaitsForItsSidecarThenIsDeadLettered(t *testing.T) {
	e := newEnv(t)
	e.startWorker("--sidecar-wait", "2s")
	mono := fixture(t, monoASR)
	meta := metaJSON(map[string]any{"unit": "yongheng-heat", "agent_id": "A3310", "started_at": "2026-11-22T10:05:00+08:00"})
	const obj = "late/yh-w.asr.json"
	e.put(obj, mono)
	var letter store.Letter
	e.waitFor("the transcript to be dead-lettered", func() (bool, error) {
		letters, err := e.queue.DeadLetters(context.Background(), "-", 10)
		if err != nil || len(letters) == 0 {
			return false, nil
		}
		letter = letters[0]
		return true, nil
	})
	if letter.Object != obj || letter.Source != store.SourceWait || letter.ETag == "" ||
		!strings.Contains(letter.Reason, "waited 2s for a sidecar") || !strings.Contains(letter.Reason, "yh-w.meta.json") ||
		!strings.Contains(letter.Reason, "--default-unit") {
		t.Errorf("dead letter = %+v; want one queued when the wait ended, naming the wait, the metadata file and the flag", letter)
	}
	if n := metric(t, e, "callqa_sidecar_waits_total"); n < 1 {
		t.Errorf("callqa_sidecar_waits_total = %v, want the transcript to have waited", n)
	}
	e.put("late/yh-w.meta.json", meta)
	want := offlineScores(t, map[string][]byte{"yh-w.asr.json": mono, "yh-w.meta.json": meta})
	e.waitStored("yh-w", want["yh-w"])
	e.verify(map[string]int{"yongheng-heat": 1})
}

// TestMaxDeliveriesMarksTheVersionDead: a message delivered more than
// --max-deliveries times is dead-lettered with its object version marked
// dead, so that the reconciling scan does not queue it again.
func TestMaxDeliveriesMarksTheVersionDead(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key, data := "stuck/s-1.json", fixture(t, "../testcalls/hz-001-outage-clean.json")
	if err := worker.EnsureBucket(ctx, e.mc, e.bucket); err != nil {
		t.Fatal(err)
	}
	info, err := e.mc.PutObject(ctx, e.bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	etag := strings.Trim(info.ETag, `"`)
	if err := e.queue.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.queue.Enqueue(ctx, []store.Job{{Object: key, ETag: etag}}, store.SourceScan, false, 0); err != nil {
		t.Fatal(err)
	}
	// Workers that died holding it: delivered three times.
	if msgs, err := e.queue.Read(ctx, "died-1", 10, 0); err != nil || len(msgs) != 1 {
		t.Fatalf("Read = %v, %v", msgs, err)
	}
	for _, c := range []string{"died-2", "died-3"} {
		if msgs, err := e.queue.Claim(ctx, c, 0, 10); err != nil || len(msgs) != 1 {
			t.Fatalf("Claim = %v, %v", msgs, err)
		}
	}
	w := e.startWorker("--max-deliveries", "3", "--claim-after", "1s")
	e.waitMark(key, store.Dead)
	ms, err := e.queue.Marks(ctx, []string{key})
	if err != nil || ms[0].ETag != etag {
		t.Fatalf("mark = %+v, %v; want dead at %s", ms, err, etag)
	}
	// Two reconciling scans later the version is still dead, not queued.
	scans := metricOf(t, w, "callqa_reconcile_scans_total")
	e.waitFor("two more scans", func() (bool, error) {
		return metricOf(t, w, "callqa_reconcile_scans_total") >= scans+2, nil
	})
	letters, err := e.queue.DeadLetters(ctx, "-", 10)
	if err != nil || len(letters) != 1 || letters[0].ETag != etag || !strings.Contains(letters[0].Reason, "delivered 4 times") {
		t.Errorf("dead letters = %+v, %v; want one for %s at %s", letters, err, key, etag)
	}
	if ms, _ := e.queue.Marks(ctx, []string{key}); ms[0].State != store.Dead {
		t.Errorf("mark after the scans = %+v, want dead", ms[0])
	}
	if st, err := e.queue.Stats(ctx); err != nil || st.Depth != 0 {
		t.Errorf("queue = %+v, %v; want empty", st, err)
	}
}

// TestDeletedTranscriptTakesItsScore: deleting transcripts removes their
// scores and their share of the aggregates; other calls stay.
func TestDeletedTranscriptTakesItsScore(t *testing.T) {
	e := newEnv(t)
	e.startWorker()
	calls := e.upload("del", 0, 12)
	e.waitScored(calls)
	e.checkStored(calls)
	var gone []string
	for key := range calls {
		if len(gone) == 4 {
			break
		}
		e.remove(key)
		gone = append(gone, key)
		delete(calls, key)
	}
	for _, key := range gone {
		e.waitMark(key, store.Removed)
	}
	e.checkStored(calls)
	// Written again, a deleted transcript is scored again.
	key := gone[0]
	_, data := callByKey(t, "del", key)
	e.put(key, data)
	calls[key] = data
	e.waitScored(calls)
	e.checkStored(calls)
}

// callByKey finds the workertest call of run with object key.
func callByKey(t *testing.T, run, key string) (string, []byte) {
	t.Helper()
	i, err := strconv.Atoi(strings.TrimSuffix(key[strings.LastIndexByte(key, '-')+1:], ".json"))
	if err != nil {
		t.Fatalf("key %s: %v", key, err)
	}
	k, data := workertest.Call(run, i)
	if k != key {
		t.Fatalf("call %d of %s is %s, not %s", i, run, k, key)
	}
	return k, data
}

// metric reads a counter or gauge of the worker of e from its /metrics.
func metric(t *testing.T, e *env, name string) float64 {
	t.Helper()
	return metricOf(t, e.worker, name)
}

// metricOf sums the series of the named metric of worker p.
func metricOf(t *testing.T, p *proc, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + p.listen + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if rest != "" && rest[0] != ' ' && rest[0] != '{' {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			sum += v
		}
	}
	return sum
}
