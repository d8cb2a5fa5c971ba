package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"callqa/lexicon"
	"callqa/scoring"
	"callqa/store"
	"callqa/worker/workertest"
)

// changedPhrase is the phrase the rescoring tests take out of the evasive
// list: workertest's calls i%7 == 3 say it (这个不归我管).
const changedPhrase = "不归我管"

var (
	overrideOnce sync.Once
	overrideDir  string
	overrideEng  *scoring.Engine
	overrideErr  error
)

// override returns the lexicon folder without changedPhrase and its
// engine, built once per test run (after the default one: two segmenters
// must not be built while one segments).
func override(t *testing.T) (string, *scoring.Engine) {
	t.Helper()
	offline(t)
	overrideOnce.Do(func() {
		overrideDir, overrideErr = os.MkdirTemp("", "callqa-lexicon-")
		if overrideErr != nil {
			return
		}
		if overrideErr = workertest.LexiconWithout("../lexicon/data", overrideDir, changedPhrase); overrideErr != nil {
			return
		}
		var lex *lexicon.Lexicon
		if lex, overrideErr = lexicon.Load(overrideDir); overrideErr != nil {
			return
		}
		overrideEng, overrideErr = scoring.Build(lex)
	})
	if overrideErr != nil {
		t.Fatalf("override lexicon: %v", overrideErr)
	}
	return overrideDir, overrideEng
}

// expectation is what a rescoring job from the default lexicon to the
// override one must report for a set of calls, worked out offline.
type expectation struct {
	changed          map[string]bool // call ids
	added, removed   map[string]int64
	deltaSum, absSum int64
	deltaMax, minD   int64
	withPhrase       map[string]bool
}

func expect(t *testing.T, calls map[string][]byte) expectation {
	t.Helper()
	_, neu := override(t)
	old := offline(t)
	x := expectation{changed: map[string]bool{}, added: map[string]int64{}, removed: map[string]int64{},
		withPhrase: map[string]bool{}}
	for key, data := range calls {
		tr, err := scoring.ParseTranscript(key, data)
		if err != nil {
			t.Fatal(err)
		}
		a, err := old.Score(tr)
		if err != nil {
			t.Fatal(err)
		}
		b, err := neu.Score(tr)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(changedPhrase)) {
			x.withPhrase[tr.CallID] = true
		}
		d := store.DiffRecords(a, b)
		if !d.Changed() {
			continue
		}
		x.changed[tr.CallID] = true
		for r, n := range d.AddedByRule() {
			x.added[r] += int64(n)
		}
		for r, n := range d.RemovedByRule() {
			x.removed[r] += int64(n)
		}
		x.deltaSum += int64(d.ScoreDelta)
		x.absSum += int64(max(d.ScoreDelta, -d.ScoreDelta))
		x.deltaMax = max(x.deltaMax, int64(d.ScoreDelta))
		x.minD = min(x.minD, int64(d.ScoreDelta))
	}
	return x
}

// check compares a finished job's summary with x.
func (x expectation) check(t *testing.T, job *store.Rescore, total int64) {
	t.Helper()
	if job.Status != store.RescoreDone || job.Total != total || job.Done != total || job.Failed != 0 {
		t.Errorf("job %s: status %s, total %d, done %d, failed %d; want done, %d, %d, 0",
			job.ID, job.Status, job.Total, job.Done, job.Failed, total, total)
	}
	if job.Changed != int64(len(x.changed)) || job.DeltaSum != x.deltaSum || job.AbsDeltaSum != x.absSum ||
		job.DeltaMax != x.deltaMax || job.DeltaMin != x.minD {
		t.Errorf("job %s: changed %d, delta sum %d, abs %d, max %d, min %d; want %d, %d, %d, %d, %d", job.ID,
			job.Changed, job.DeltaSum, job.AbsDeltaSum, job.DeltaMax, job.DeltaMin,
			len(x.changed), x.deltaSum, x.absSum, x.deltaMax, x.minD)
	}
	if !maps.Equal(job.Added, x.added) || !maps.Equal(job.Removed, x.removed) {
		t.Errorf("job %s: findings added %v removed %v; want %v and %v", job.ID, job.Added, job.Removed, x.added, x.removed)
	}
}

// checkRescored checks that every call's stored score is the override
// engine's, and that every aggregate and review adjustment equals a
// recomputation from the stored calls.
func (e *env) checkRescored(calls map[string][]byte) {
	e.t.Helper()
	ctx := context.Background()
	_, eng := override(e.t)
	units := map[string]bool{}
	for key, data := range calls {
		tr, err := scoring.ParseTranscript(key, data)
		if err != nil {
			e.t.Fatal(err)
		}
		want, err := eng.Score(tr)
		if err != nil {
			e.t.Fatal(err)
		}
		units[want.Unit] = true
		got, err := e.store.Call(ctx, want.CallID)
		if err != nil {
			e.t.Errorf("%s: %v", key, err)
			continue
		}
		gotJSON, _ := json.Marshal(got.Record)
		wantJSON, _ := json.Marshal(want)
		if !bytes.Equal(gotJSON, wantJSON) {
			e.t.Errorf("%s: stored\n%s\nwant the new lexicon's\n%s", key, gotJSON, wantJSON)
		}
	}
	for u := range units {
		for name, verify := range map[string]func(context.Context, string) ([]string, error){
			"aggregates": e.store.Verify, "reviews": e.store.VerifyReviews} {
			diffs, err := verify(ctx, u)
			if err != nil {
				e.t.Fatal(err)
			}
			for _, d := range diffs {
				e.t.Errorf("%s of %s: %s", name, u, d)
			}
		}
	}
}

// stop stops a worker with SIGTERM, as an operator does before starting
// one with a new lexicon, and waits for it.
func (e *env) stop(p *proc) {
	e.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		e.t.Fatal(err)
	}
	<-p.done
	if p.err != nil {
		e.t.Fatalf("worker exit after SIGTERM: %v", p.err)
	}
}

// startNewLexicon starts a worker of the override lexicon and waits until
// it has announced its versions.
func (e *env) startNewLexicon(args ...string) *proc {
	e.t.Helper()
	dir, eng := override(e.t)
	p := e.startWorker(append([]string{"--lexicon-dir", dir}, args...)...)
	e.waitFor("the new lexicon's worker announced", func() (bool, error) {
		v, _, err := e.store.RunningVersions(context.Background(), e.bucket)
		return err == nil && v.Lexicon == eng.Lexicon().Version, nil
	})
	return p
}

// job reads a job.
func (e *env) job(id string) *store.Rescore {
	e.t.Helper()
	job, err := e.store.Rescore(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return job
}

func (e *env) waitJob(id, what string, cond func(*store.Rescore) bool) *store.Rescore {
	e.t.Helper()
	var job *store.Rescore
	e.waitFor(what, func() (bool, error) {
		var err error
		job, err = e.store.Rescore(context.Background(), id)
		return err == nil && cond(job), err
	})
	return job
}

// cli runs `callqa rescore args...` against e and returns its stdout,
// stderr and exit code.
func (e *env) cli(args ...string) (string, string, int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, callqaBin, append([]string{"rescore"}, args...)...)
	cmd.Env = e.cliEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("callqa rescore: %v", err)
	}
	return stdout.String(), stderr.String(), code
}

func (e *env) cliCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(callqaBin, append([]string{"rescore"}, args...)...)
	cmd.Env = e.cliEnv()
	return cmd
}

func (e *env) cliEnv() []string {
	return append(os.Environ(), "CALLQA_REDIS_URL="+e.redis.URL(), "CALLQA_BUCKET="+e.bucket)
}

// callID returns the call id of workertest call i of run.
func callID(run string, i int) string { return fmt.Sprintf("%s-%06d", run, i) }

// review confirms the first finding of rule on a stored call.
func (e *env) review(id, rule string) {
	e.t.Helper()
	ctx := context.Background()
	sc, err := e.store.Call(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	keys := store.FindingKeys(sc.Record)
	for i, f := range sc.Record.Findings {
		if f.Rule == rule {
			if _, err := e.store.Review(ctx, sc.Record.Unit, store.ReviewInput{CallID: id, Finding: i, Key: keys[i],
				Decision: store.Confirm, Reviewer: "li.qa", PassScore: 80}, f); err != nil {
				e.t.Fatal(err)
			}
			return
		}
	}
	e.t.Fatalf("call %s has no %s finding: %+v", id, rule, sc.Record.Findings)
}

// TestRescoreChangesExactlyTheCallsWithThePhrase takes a phrase out of
// the lexicon through an override folder and rescores from the terminal:
// exactly the calls that say it change, the summary says how, the scores
// and aggregates are the new lexicon's, and reviews are kept or orphaned.
func TestRescoreChangesExactlyTheCallsWithThePhrase(t *testing.T) {
	e := newEnv(t)
	old := e.startWorker()
	calls := e.upload("phrase", 0, 56)
	e.waitScored(calls)
	e.review(callID("phrase", 3), "forbidden.evasive") // the finding goes
	e.review(callID("phrase", 1), "greeting.missing")  // the finding stays
	e.stop(old)
	e.startNewLexicon()

	x := expect(t, calls)
	if len(x.changed) == 0 || !maps.Equal(x.changed, x.withPhrase) {
		t.Fatalf("offline, the calls that change (%d) are not those that say %s (%d)", len(x.changed), changedPhrase, len(x.withPhrase))
	}
	stdout, stderr, code := e.cli("--prefix", "calls/", "--json")
	if code != 0 {
		t.Fatalf("callqa rescore: exit %d\n%s", code, stderr)
	}
	var view struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(stdout), &view); err != nil {
		t.Fatalf("callqa rescore --json printed %q: %v", stdout, err)
	}
	job := e.job(view.ID)
	x.check(t, job, int64(len(calls)))
	if job.Orphaned != 1 {
		t.Errorf("reviews orphaned %d, want 1", job.Orphaned)
	}
	e.checkRescored(calls)
	ctx := context.Background()
	for id, orphans := range map[string]int{callID("phrase", 3): 1, callID("phrase", 1): 0} {
		sc, err := e.store.Call(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		rv, err := e.store.ReviewOf(ctx, sc.Record.Unit, id, sc.Record.Score)
		if err != nil || len(rv.Decisions) != 1 || rv.Orphans != orphans {
			t.Errorf("review of %s: %+v %v; want the decision kept, %d orphaned", id, rv, err, orphans)
		}
		prev, err := e.store.Previous(ctx, sc.Record.Unit, id)
		if err != nil {
			t.Fatal(err)
		}
		if changed := x.changed[id]; (prev != nil) != changed || changed && prev.Job != job.ID {
			t.Errorf("previous record of %s: %+v, want one of job %s: %v", id, prev, job.ID, changed)
		}
	}

	// The summary as the terminal shows it.
	stdout, _, code = e.cli("--watch", job.ID)
	if code != 0 || !strings.Contains(stdout, fmt.Sprintf("findings removed: forbidden.evasive %d", x.removed["forbidden.evasive"])) ||
		!strings.Contains(stdout, fmt.Sprintf("%d changed", len(x.changed))) {
		t.Errorf("summary (exit %d):\n%s", code, stdout)
	}
	// Nothing is stale any more.
	stdout, stderr, code = e.cli("--stale", "--json")
	if code != 0 {
		t.Fatalf("second job: exit %d\n%s", code, stderr)
	}
	var again struct {
		Status string `json:"status"`
		Total  int64  `json:"total"`
	}
	if err := json.Unmarshal([]byte(stdout), &again); err != nil || again.Status != "done" || again.Total != 0 {
		t.Errorf("a stale job after the rescoring: %s (%v); want done with nothing selected", stdout, err)
	}
}

// TestRescoreJobSurvivesKilledWorker kills the worker in the middle of a
// job; another worker finishes it and nothing is counted twice.
func TestRescoreJobSurvivesKilledWorker(t *testing.T) {
	e := newEnv(t)
	old := e.startWorker()
	calls := e.upload("killrs", 0, 700)
	e.waitScored(calls)
	e.stop(old)
	first := e.startNewLexicon("--workers", "1")
	x := expect(t, calls)
	job, err := e.store.StartRescore(context.Background(), e.bucket, store.Selection{Stale: true}, "test")
	if err != nil {
		t.Fatal(err)
	}
	e.waitJob(job.ID, "some calls rescored", func(j *store.Rescore) bool { return j.Done >= 40 })
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	at := e.job(job.ID)
	t.Logf("killed the worker at %d of %d calls (%d selected so far)", at.Done, len(calls), at.Total)
	if at.Status == store.RescoreDone {
		t.Fatalf("the job finished before the worker was killed; give it more calls")
	}
	e.startNewLexicon()
	job = e.waitJob(job.ID, "the job done", func(j *store.Rescore) bool { return j.Status.Finished() })
	x.check(t, job, int64(len(calls)))
	e.checkRescored(calls)
}

// TestLiveUploadsFlowDuringRescoring uploads calls while a big job runs:
// they are scored, with the running lexicon, before the job ends.
func TestLiveUploadsFlowDuringRescoring(t *testing.T) {
	e := newEnv(t)
	old := e.startWorker()
	calls := e.upload("bulk", 0, 800)
	e.waitScored(calls)
	e.stop(old)
	e.startNewLexicon("--workers", "2")
	job, err := e.store.StartRescore(context.Background(), e.bucket, store.Selection{Stale: true}, "test")
	if err != nil {
		t.Fatal(err)
	}
	e.waitJob(job.ID, "the job under way", func(j *store.Rescore) bool { return j.Done >= 20 })
	live := e.upload("live", 0, 5)
	e.waitScored(live)
	during := e.job(job.ID)
	t.Logf("live calls scored when the job had done %d of %d", during.Processed(), during.Total)
	if during.Status != store.RescoreRunning {
		t.Errorf("the job (%s, %d of %d) ended before the live calls were scored", during.Status, during.Processed(), during.Total)
	}
	_, eng := override(t)
	for key, data := range live {
		tr, err := scoring.ParseTranscript(key, data)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := e.store.Call(context.Background(), tr.CallID)
		if err != nil || sc.Record.LexiconVersion != eng.Lexicon().Version {
			t.Errorf("live call %s: %+v %v; want a score of the running lexicon", tr.CallID, sc, err)
		}
	}
	job = e.waitJob(job.ID, "the job done", func(j *store.Rescore) bool { return j.Status.Finished() })
	expect(t, calls).check(t, job, int64(len(calls)))
	maps.Copy(calls, live)
	e.checkRescored(calls)
}

// TestRescoreDetachPauseCancel follows a job from the terminal, detaches
// with Ctrl-C, pauses, resumes and cancels it, and finishes the rest with
// a new job.
func TestRescoreDetachPauseCancel(t *testing.T) {
	e := newEnv(t)
	old := e.startWorker()
	calls := e.upload("cancel", 0, 400)
	e.waitScored(calls)
	e.stop(old)
	w := e.startNewLexicon("--workers", "1")

	follow := e.cliCmd("--stale")
	var stdout, stderr bytes.Buffer
	follow.Stdout, follow.Stderr = &stdout, &stderr
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	var id string
	e.waitFor("the job started from the terminal", func() (bool, error) {
		jobs, err := e.store.ActiveRescores(context.Background())
		if err != nil || len(jobs) == 0 || jobs[0].Done == 0 {
			return false, err
		}
		id = jobs[0].ID
		return true, nil
	})
	if err := follow.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := follow.Wait(); err != nil {
		t.Fatalf("callqa rescore after Ctrl-C: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "detached from job "+id) || !strings.Contains(stderr.String(), "--cancel "+id) {
		t.Errorf("after Ctrl-C the terminal says:\n%s", stderr.String())
	}
	if st := e.job(id).Status; st != store.RescoreRunning {
		t.Errorf("job %s is %s after the terminal detached, want running", id, st)
	}
	for _, step := range []struct{ flag, want string }{{"--pause", "paused"}, {"--resume", "resumed"}, {"--cancel", "cancelled"}} {
		out, errOut, code := e.cli(step.flag, id)
		if code != 0 || !strings.Contains(out, "job "+id+" "+step.want) {
			t.Errorf("%s: exit %d: %s%s", step.flag, code, out, errOut)
		}
	}
	cancelled := e.job(id)
	if cancelled.Status != store.RescoreCancelled || !strings.HasPrefix(cancelled.CancelledBy, "cli:") {
		t.Errorf("job after --cancel: %+v", cancelled)
	}
	if n, err := e.store.RescoreBacklog(context.Background(), id); err != nil || n != 0 {
		t.Errorf("the cancelled job's stream holds %d messages (%v)", n, err)
	}
	e.stop(w) // let what was in flight finish before checking
	cancelled = e.job(id)
	if cancelled.Status != store.RescoreCancelled || cancelled.Processed() >= int64(len(calls)) {
		t.Errorf("cancelled job %+v: want it cancelled before its end", cancelled)
	}
	for _, u := range []string{"sgcc-hz", "csg-gz", "yongheng-heat", "shengyuan-heat"} {
		if diffs, err := e.store.Verify(context.Background(), u); err != nil || len(diffs) > 0 {
			t.Errorf("aggregates of %s after the cancel: %v %v", u, diffs, err)
		}
	}
	out, _, code := e.cli("--watch", id)
	if code != 1 || !strings.Contains(out, "cancelled by cli:") {
		t.Errorf("--watch of a cancelled job: exit %d\n%s", code, out)
	}
	if _, errOut, code := e.cli("--resume", id); code == 0 || !strings.Contains(errOut, "finished") {
		t.Errorf("--resume of a cancelled job: exit %d: %s", code, errOut)
	}

	// A new job of the same selection rescores what the cancelled one
	// left.
	e.startNewLexicon()
	out, errOut, code := e.cli("--stale", "--json")
	if code != 0 {
		t.Fatalf("second job: exit %d: %s", code, errOut)
	}
	var rest struct {
		Total int64 `json:"total"`
		Done  int64 `json:"done"`
	}
	if err := json.Unmarshal([]byte(out), &rest); err != nil {
		t.Fatal(err)
	}
	if rest.Total+cancelled.Done != int64(len(calls)) || rest.Done != rest.Total {
		t.Errorf("second job rescored %d of %d; the cancelled one %d of %d calls", rest.Done, rest.Total, cancelled.Done, len(calls))
	}
	e.checkRescored(calls)
}
