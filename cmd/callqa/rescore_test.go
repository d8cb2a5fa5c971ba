package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"callqa/internal/testserver"
	"callqa/store"
)

// runRescoreCmd runs `callqa rescore args...` and returns its stdout,
// stderr and error.
func runRescoreCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := newRescoreCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := cmd.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func TestRescoreFlagErrors(t *testing.T) {
	// An address nothing listens on: every case fails before Redis.
	noRedis := "--redis-url=redis://127.0.0.1:1/0"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "select calls"},
		{[]string{"--watch", "a", "--cancel", "b"}, "--watch, --cancel: give one of them"},
		{[]string{"--cancel", "a", "--unit", "sgcc-hz"}, "--cancel takes no selection flags"},
		{[]string{"--prefix", "2026/", "--unit", "sgcc-hz"}, "--prefix: a prefix selects objects by name"},
		{[]string{"--all", "--stale"}, "--all: all selects every stored call"},
		{[]string{"--from", "2026-13-01"}, `--from: "2026-13-01" is not a date`},
		{[]string{"--all", "--poll", "0s"}, "--poll 0s"},
		{[]string{"--all", "--redis-url", "http://x"}, "--redis-url"},
	} {
		_, _, err := runRescoreCmd(t, append([]string{noRedis}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("rescore %v: %v, want an error with %q", tt.args, err, tt.want)
		}
	}
}

func TestRescoreCommand(t *testing.T) {
	r := testserver.SharedRedis(t)
	prefix := testserver.KeyPrefix(t)
	st := store.New(r.Client(t), store.Options{Prefix: prefix})
	ctx := context.Background()
	flags := []string{"--redis-url", r.URL(), "--key-prefix", prefix, "--bucket", "calls", "--by", "li"}
	run := func(args ...string) (string, string, error) {
		return runRescoreCmd(t, append(append([]string{}, flags...), args...)...)
	}
	if _, _, err := run("--all"); err == nil || !strings.Contains(err.Error(), "no worker of bucket calls is running") {
		t.Fatalf("a job without workers: %v", err)
	}
	v := store.Versions{Lexicon: "lex2", Engine: "1", Schemes: map[string]string{"sgcc-hz": "s1"}}
	if err := st.RegisterWorker(ctx, store.WorkerInfo{Consumer: "w1", Bucket: "calls", Versions: v, Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := run("--all", "--detach")
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(out)
	job, err := st.Rescore(ctx, id)
	if err != nil || job.By != "li" || !job.Target.Same(v) || !job.Selection.All {
		t.Fatalf("job %q: %+v %v", id, job, err)
	}
	if !strings.Contains(errOut, "--watch "+id) {
		t.Errorf("--detach says %q", errOut)
	}
	if _, _, err := run("--all"); err == nil || !strings.Contains(err.Error(), "job "+id+" with this selection is running") {
		t.Errorf("the same selection again: %v", err)
	}
	out, _, err = run("--list")
	if err != nil || !strings.Contains(out, id) || !strings.Contains(out, "running") {
		t.Errorf("--list: %v\n%s", err, out)
	}
	for _, step := range []struct{ flag, want string }{{"--pause", "paused"}, {"--resume", "resumed"}, {"--cancel", "cancelled"}} {
		out, _, err := run(step.flag, id)
		if err != nil || !strings.Contains(out, "job "+id+" "+step.want) {
			t.Errorf("%s: %v %q", step.flag, err, out)
		}
	}
	if _, _, err := run("--resume", id); err == nil || !strings.Contains(err.Error(), "finished") {
		t.Errorf("--resume of a cancelled job: %v", err)
	}
	out, _, err = run("--watch", id)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(out, "cancelled by li") {
		t.Errorf("--watch of a cancelled job: %v\n%s", err, out)
	}
	if _, _, err := run("--watch", "no-such-job"); err == nil || !strings.Contains(err.Error(), "no rescoring job no-such-job") {
		t.Errorf("--watch of a missing job: %v", err)
	}
}

func TestRescoreSummary(t *testing.T) {
	start := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	job := &store.Rescore{ID: "j1", Status: store.RescoreDone, Selection: store.Selection{Stale: true},
		Target: store.Versions{Lexicon: "abcdef0123456789", Engine: "1"}, Total: 1000, Failed: 2,
		RescoreCounts: store.RescoreCounts{Done: 998, Changed: 30, ScoreChanged: 28, DeltaSum: 140, AbsDeltaSum: 150,
			DeltaMax: 10, DeltaMin: -5, Added: map[string]int64{"forbidden.rhetorical": 2},
			Removed: map[string]int64{"forbidden.evasive": 25, "polite.informal_address": 3}, Orphaned: 1},
		Failures:  []store.RescoreFailure{{Object: "calls/a.json", Reason: "the object is gone"}},
		StartedAt: start, FinishedAt: start.Add(10 * time.Second)}
	var b bytes.Buffer
	printRescoreSummary(&b, job)
	for _, want := range []string{
		"job j1 done: stale, rescored with lexicon abcdef012345 engine 1",
		"1000 selected, 998 rescored, 2 failed; 30 changed (3.0 %), 28 with a new score",
		"10s, 100.0 calls/s",
		"mean change +0.14 (+5.00 over the calls whose score changed); largest rise +10, largest fall -5",
		"findings added:   forbidden.rhetorical 2",
		"findings removed: forbidden.evasive 25, polite.informal_address 3",
		"reviews orphaned: 1",
		"calls/a.json: the object is gone",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
