package api_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"callqa/lexicon"
	"callqa/scoring"
	"callqa/store"
	"callqa/worker"
	"callqa/worker/workertest"
)

// registerWorker announces a worker of the shared engine's versions on
// the env's bucket, as a running worker does.
func (e *env) registerWorker(consumer string) {
	e.t.Helper()
	e.registerVersions(consumer, store.VersionsOf(e.lex, scoring.EngineVersion))
}

func (e *env) registerVersions(consumer string, v store.Versions) {
	e.t.Helper()
	if err := e.st.RegisterWorker(context.Background(), store.WorkerInfo{Consumer: consumer, Bucket: e.bucket,
		Versions: v, Started: time.Now()}); err != nil {
		e.t.Fatal(err)
	}
}

// createJob creates a job on the env's bucket aimed at the shared
// engine's versions, without any worker.
func (e *env) createJob(sel store.Selection) *store.Rescore {
	e.t.Helper()
	job, err := e.st.CreateRescore(context.Background(), store.RescoreSpec{Bucket: e.bucket, Selection: sel,
		Target: store.VersionsOf(e.lex, scoring.EngineVersion), By: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return job
}

// jobView is the JSON of a job.
type jobView struct {
	ID        string           `json:"id"`
	Status    string           `json:"status"`
	Selecting bool             `json:"selecting"`
	Total     int64            `json:"total"`
	Done      int64            `json:"done"`
	Failed    int64            `json:"failed"`
	Changed   int64            `json:"changed"`
	Remaining int64            `json:"remaining"`
	Removed   map[string]int64 `json:"findings_removed"`
	Added     map[string]int64 `json:"findings_added"`
	Orphaned  int64            `json:"reviews_orphaned"`
	MeanDelta float64          `json:"mean_delta"`
	DeltaMax  int64            `json:"delta_max"`
	By        string           `json:"created_by"`
	Workers   int              `json:"workers"`
	Waiting   string           `json:"waiting"`
	Target    struct {
		Lexicon string `json:"lexicon_version"`
	} `json:"target"`
	Selection map[string]any `json:"selection"`
}

func TestRescoreEndpoints(t *testing.T) {
	e := newEnv(t)
	post := func(body string) response {
		return e.do("POST", "/v1/rescore", "admin", []byte(body))
	}
	// No worker: the running versions are unknown.
	r := post(`{"prefix": "2026/11/"}`)
	r.want(t, 503, "a job without workers")
	if msg := r.apiErr(t).Error.Message; !strings.Contains(msg, "callqa work") {
		t.Errorf("message %q does not say to start a worker", msg)
	}
	e.registerWorker("w1")
	r = post(`{"prefix": "/2026/11/"}`)
	r.want(t, 202, "a job")
	var job jobView
	r.json(t, &job)
	if job.ID == "" || job.Status != "running" || !job.Selecting || job.By != "admin" || job.Workers != 1 ||
		job.Target.Lexicon != e.lex.Version || job.Selection["prefix"] != "2026/11/" {
		t.Errorf("new job %+v", job)
	}
	if loc := r.header.Get("Location"); loc != "/v1/rescore/"+job.ID {
		t.Errorf("Location %q", loc)
	}
	r = post(`{"prefix": "2026/11/"}`)
	r.want(t, 409, "the same selection again")
	if got := r.apiErr(t).Error; got.ID != job.ID || got.Field != "selection" {
		t.Errorf("conflict %+v, want error.id %s", got, job.ID)
	}
	for _, tt := range []struct{ body, field string }{
		{`{}`, ""},
		{`[1]`, ""},
		{`{"prefix": "a/", "unit": "sgcc-hz"}`, "prefix"},
		{`{"all": true, "stale": true}`, "all"},
		{`{"bogus": 1}`, "bogus"},
		{`{"stale": "yes"}`, "stale"},
		{`{"unit": "no-such-unit"}`, "unit"},
		{`{"from": "2026-13-01"}`, "from"},
		{`{"from": "2026-11-02", "to": "2026-11-01"}`, "to"},
	} {
		r := post(tt.body)
		r.want(t, 400, tt.body)
		if got := r.apiErr(t).Error.Field; got != tt.field {
			t.Errorf("%s: field %q, want %q", tt.body, got, tt.field)
		}
	}
	r = e.do("GET", "/v1/rescore/"+job.ID, "admin", nil)
	r.want(t, 200, "get")
	e.do("GET", "/v1/rescore/no-such-job", "admin", nil).want(t, 404, "a missing job")
	e.do("POST", "/v1/rescore/no-such-job/cancel", "admin", nil).want(t, 404, "cancelling a missing job")
	for _, step := range []struct{ action, want string }{{"pause", "paused"}, {"resume", "running"}, {"cancel", "cancelled"}} {
		r := e.do("POST", "/v1/rescore/"+job.ID+"/"+step.action, "admin", nil)
		r.want(t, 200, step.action)
		var got jobView
		r.json(t, &got)
		if got.Status != step.want {
			t.Errorf("%s: status %s, want %s", step.action, got.Status, step.want)
		}
	}
	e.do("POST", "/v1/rescore/"+job.ID+"/resume", "admin", nil).want(t, 409, "resuming a cancelled job")
	// The selection is free once the job is cancelled.
	post(`{"prefix": "2026/11/"}`).want(t, 202, "the selection of a cancelled job")
	var list struct {
		Jobs []jobView `json:"jobs"`
	}
	r = e.do("GET", "/v1/rescore", "admin", nil)
	r.want(t, 200, "list")
	r.json(t, &list)
	if len(list.Jobs) != 2 || list.Jobs[1].ID != job.ID {
		t.Errorf("list %+v", list.Jobs)
	}
	// Workers of two lexicons: no job starts.
	e.registerVersions("w2", store.Versions{Lexicon: "other", Engine: scoring.EngineVersion})
	r = post(`{"stale": true}`)
	r.want(t, 409, "a job while two lexicons run")
	if msg := r.apiErr(t).Error.Message; !strings.Contains(msg, "w1") || !strings.Contains(msg, "w2") {
		t.Errorf("message %q does not name the workers", msg)
	}
	// A job no live worker runs says so.
	if err := e.st.UnregisterWorker(context.Background(), "w1"); err != nil {
		t.Fatal(err)
	}
	waiting := e.createJob(store.Selection{Unit: "sgcc-hz"})
	r = e.do("GET", "/v1/rescore/"+waiting.ID, "admin", nil)
	r.want(t, 200, "a waiting job")
	var w jobView
	r.json(t, &w)
	if w.Workers != 0 || !strings.Contains(w.Waiting, "no live worker") {
		t.Errorf("waiting job %+v", w)
	}
}

// overrideEngine builds the engine of the default lexicon without the
// evasive phrase 不归我管.
func overrideEngine(t *testing.T) *scoring.Engine {
	t.Helper()
	dir := t.TempDir()
	if err := workertest.LexiconWithout("../lexicon/data", dir, "不归我管"); err != nil {
		t.Fatal(err)
	}
	lex, err := lexicon.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := scoring.Build(lex)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// runWorker runs a worker of eng on the env's bucket until the test ends
// or the returned stop is called.
func (e *env) runWorker(name string, eng *scoring.Engine) (stop func()) {
	e.t.Helper()
	w, err := worker.New(worker.Config{Bucket: e.bucket, Workers: 2, Consumer: name, ClaimAfter: 5 * time.Second,
		ScanEvery: -1, ShutdownGrace: 5 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		e.st, e.queue, e.mc, eng)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once bool
	stop = func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("worker %s: %v", name, err)
		}
	}
	e.t.Cleanup(stop)
	e.waitFor("worker "+name+" announced", func() bool {
		v, _, err := e.st.RunningVersions(context.Background(), e.bucket)
		return err == nil && v.Lexicon == eng.Lexicon().Version
	})
	return stop
}

// waitFor polls cond until it holds or a minute passes; a deadline for a
// condition, not a performance assertion.
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRescoreJobThroughTheAPI changes a phrase, rescores through the API
// with a real worker, and reads the summary and the diff.
func TestRescoreJobThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	stop := e.runWorker("w-default", sharedEngine(t))
	bad := badCall("rs-bad", "A1", team1, day) // says 这个不归我管
	good := goodCall("rs-good", "A2", team1, day.Add(time.Hour))
	other := badCall("rs-other", "A3", team2, day.Add(2*time.Hour))
	for _, body := range [][]byte{bad, good, other} {
		e.do("POST", "/v1/calls", "admin", body).want(t, 202, "upload")
	}
	for _, id := range []string{"rs-bad", "rs-good", "rs-other"} {
		e.waitFor(id+" scored", func() bool { return e.do("GET", "/v1/calls/"+id, "admin", nil).status == 200 })
	}
	var before struct {
		Score    int `json:"score"`
		Findings []struct {
			Rule string `json:"rule"`
			Key  string `json:"key"`
		} `json:"findings"`
	}
	e.do("GET", "/v1/calls/rs-bad", "reviewerPII", nil).json(t, &before)
	evasive := -1
	for i, f := range before.Findings {
		if f.Rule == "forbidden.evasive" {
			evasive = i
		}
	}
	if evasive < 0 {
		t.Fatalf("the bad call has no evasive finding: %+v", before)
	}
	e.do("POST", "/v1/calls/rs-bad/reviews", "reviewer", mustJSON(map[string]any{"finding": evasive,
		"decision": "confirm", "comment": "推诿"})).want(t, 201, "review")
	stop()

	eng := overrideEngine(t)
	e.runWorker("w-new", eng)
	r := e.do("POST", "/v1/rescore", "admin", []byte(`{"stale": true}`))
	r.want(t, 202, "start")
	var job jobView
	r.json(t, &job)
	e.waitFor("the job done", func() bool {
		e.do("GET", "/v1/rescore/"+job.ID, "admin", nil).json(t, &job)
		return job.Status == "done"
	})
	if job.Total != 3 || job.Done != 3 || job.Failed != 0 || job.Changed != 2 || job.Remaining != 0 ||
		job.Removed["forbidden.evasive"] != 2 || len(job.Added) != 0 || job.Orphaned != 1 || job.DeltaMax <= 0 {
		t.Errorf("finished job %+v", job)
	}
	for _, u := range []string{"sgcc-hz"} {
		if diffs, err := e.st.Verify(context.Background(), u); err != nil || len(diffs) > 0 {
			t.Errorf("aggregates of %s: %v %v", u, diffs, err)
		}
		if diffs, err := e.st.VerifyReviews(context.Background(), u); err != nil || len(diffs) > 0 {
			t.Errorf("reviews of %s: %v %v", u, diffs, err)
		}
	}

	var diff struct {
		Previous   string `json:"previous"`
		Job        string `json:"job"`
		ScoreDelta int    `json:"score_delta"`
		Changed    bool   `json:"changed"`
		From       struct {
			Lexicon string `json:"lexicon_version"`
			Score   int    `json:"score"`
		} `json:"from"`
		To struct {
			Lexicon string `json:"lexicon_version"`
			Score   int    `json:"score"`
		} `json:"to"`
		Removed []struct {
			Rule   string `json:"rule"`
			Review *struct {
				Decision string `json:"decision"`
			} `json:"review"`
		} `json:"removed"`
		Added  []any `json:"added"`
		Masked bool  `json:"masked"`
	}
	r = e.do("GET", "/v1/calls/rs-bad/diff", "reviewer", nil)
	r.want(t, 200, "diff")
	r.json(t, &diff)
	if diff.Previous != "rescore" || diff.Job != job.ID || !diff.Changed || diff.From.Score != before.Score ||
		diff.ScoreDelta != diff.To.Score-diff.From.Score || diff.ScoreDelta <= 0 || !diff.Masked ||
		diff.From.Lexicon != e.lex.Version || diff.To.Lexicon != eng.Lexicon().Version || len(diff.Added) != 0 {
		t.Errorf("diff %+v", diff)
	}
	if len(diff.Removed) != 1 || diff.Removed[0].Rule != "forbidden.evasive" || diff.Removed[0].Review == nil ||
		diff.Removed[0].Review.Decision != "confirm" {
		t.Errorf("removed findings %+v, want the evasive one with its review", diff.Removed)
	}
	if strings.Contains(string(r.body), "13812345678") || strings.Contains(string(r.body), "6601234567") {
		t.Errorf("the diff shows a customer number to a token without pii: %s", r.body)
	}
	// The same two scores by their lexicon versions.
	var byVersion struct {
		Previous   string `json:"previous"`
		ScoreDelta int    `json:"score_delta"`
	}
	e.do("GET", "/v1/calls/rs-bad/diff?from="+e.lex.Version+"&to="+eng.Lexicon().Version, "admin", nil).json(t, &byVersion)
	if byVersion.Previous != "history" || byVersion.ScoreDelta != diff.ScoreDelta {
		t.Errorf("diff by versions %+v, want delta %d", byVersion, diff.ScoreDelta)
	}
	r = e.do("GET", "/v1/calls/rs-bad/diff?from=nope", "admin", nil)
	r.want(t, 404, "an unknown version")
	if f := r.apiErr(t).Error.Field; f != "from" {
		t.Errorf("field %q, want from", f)
	}
	e.do("GET", "/v1/calls/rs-bad/diff?since=x", "admin", nil).want(t, 400, "an unknown parameter")
	e.do("GET", "/v1/calls/rs-other/diff", "reviewer", nil).want(t, 404, "another team's call")
	var unchanged struct {
		Previous string `json:"previous"`
		Changed  bool   `json:"changed"`
	}
	e.do("GET", "/v1/calls/rs-good/diff", "admin", nil).json(t, &unchanged)
	if unchanged.Previous != "none" || unchanged.Changed {
		t.Errorf("diff of an unchanged call %+v", unchanged)
	}
	// The review of the vanished finding is kept, marked orphaned.
	var detail struct {
		Orphaned []struct {
			Rule     string `json:"rule"`
			Decision string `json:"decision"`
		} `json:"orphaned_reviews"`
	}
	e.do("GET", "/v1/calls/rs-bad", "admin", nil).json(t, &detail)
	if len(detail.Orphaned) != 1 || detail.Orphaned[0].Rule != "forbidden.evasive" || detail.Orphaned[0].Decision != "confirm" {
		t.Errorf("orphaned reviews %+v", detail.Orphaned)
	}
	// Nothing is stale any more: a new job selects nothing and is done.
	r = e.do("POST", "/v1/rescore", "admin", []byte(`{"stale": true}`))
	r.want(t, 202, "a second stale job")
	var again jobView
	r.json(t, &again)
	e.waitFor("the second job done", func() bool {
		e.do("GET", "/v1/rescore/"+again.ID, "admin", nil).json(t, &again)
		return again.Status == "done"
	})
	if again.Total != 0 || again.Done != 0 {
		t.Errorf("second job %+v, want nothing selected", again)
	}
}
