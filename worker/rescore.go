package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"callqa/adapt"
	"callqa/lexicon"
	"callqa/scoring"
	"callqa/store"
)

// Rescoring jobs (store/rescore.go) are worked on by every worker whose
// lexicon and engine are the job's target, in the same process as live
// scoring and below it:
//
//   - rescoreregister.go announces the worker's versions in Redis, which
//     is where a new job takes its target from;
//   - rescoreplan.go selects a job's objects (one worker at a time, under
//     a lease) and queues them on the job's stream;
//   - this file reads the job streams, fetches and scores each object as
//     live scoring does (the fetch and score stages of process.go and
//     fetch.go), and commits the results: what changed is accounted to the
//     job before the score is stored (store.AccountRescore), then the score
//     is stored and settled like a live one and the message acknowledged.
//
// Priority: rescoring reads a batch only while the live work stream has no
// message waiting to be delivered and MinIO's events list is empty, so a
// burst of uploads is taken up first and rescoring fills the idle time; at
// most Config.Workers objects of jobs are fetched and scored at once (and
// as many again wait for them), which bounds how long a live call waits
// behind them.

// Rescoring tuning.
const (
	// rescoreJobsEvery is how often the worker reads the list of jobs.
	rescoreJobsEvery = time.Second
	// rescoreReadBlock is how long one read of the job streams waits.
	rescoreReadBlock = time.Second
	// rescoreYield is how long rescoring waits when live work is queued.
	rescoreYield = 100 * time.Millisecond
)

// lexiconScorer is a Scorer that tells its lexicon: *scoring.Engine.
type lexiconScorer interface {
	Lexicon() *lexicon.Lexicon
}

// rescorer works on the rescoring jobs of a Worker's bucket.
type rescorer struct {
	w        *Worker
	log      *slog.Logger
	versions store.Versions
	started  time.Time
	metrics  *rescoreMetrics

	mu sync.Mutex
	// jobs are the running jobs this worker works on.
	jobs []*store.Rescore
	// warned holds the jobs whose target this worker does not run, once
	// logged.
	warned map[string]bool
}

// rescoreJob is one object of a rescoring job going through the stages.
type rescoreJob struct {
	*job
	rmsg store.RescoreMessage
	// fail is why the object cannot be rescored, when it cannot.
	fail string
	// change is what the rescoring changed (commit stage).
	change store.RescoreChange
}

// rescoreLoop works on the rescoring jobs until ctx is done; work outlives
// ctx by the shutdown grace, as in Run. A worker whose scorer does not
// tell its lexicon takes no jobs.
func (w *Worker) rescoreLoop(ctx, work context.Context) {
	ls, ok := w.scorer.(lexiconScorer)
	if !ok || ls.Lexicon() == nil {
		w.log.Warn("the scorer tells no lexicon version: this worker takes no rescoring jobs")
		return
	}
	r := &rescorer{w: w, log: w.log.With(slog.String("part", "rescore")),
		versions: store.VersionsOf(ls.Lexicon(), scoring.EngineVersion), started: time.Now(),
		metrics: newRescoreMetrics(w.metrics.reg), warned: map[string]bool{}}
	var wg sync.WaitGroup
	wg.Go(func() { r.announce(ctx) })
	wg.Go(func() { r.watchJobs(ctx) })
	wg.Go(func() { r.planLoop(ctx) })
	r.run(ctx, work)
	wg.Wait()
}

// runnable returns the running jobs this worker works on.
func (r *rescorer) runnable() []*store.Rescore {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.jobs
}

// watchJobs reads the active jobs every rescoreJobsEvery until ctx is
// done and keeps those this worker works on: running jobs of its bucket
// aimed at its versions.
func (r *rescorer) watchJobs(ctx context.Context) {
	for {
		r.refreshJobs(ctx)
		if !sleep(ctx, rescoreJobsEvery) {
			return
		}
	}
}

func (r *rescorer) refreshJobs(ctx context.Context) {
	active, err := r.w.store.ActiveRescores(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.w.metrics.failed.WithLabelValues("rescore_jobs").Inc()
			r.log.Warn("reading the rescoring jobs failed", slog.Any("err", err))
		}
		return
	}
	var mine []*store.Rescore
	var paused, other int
	for _, j := range active {
		switch {
		case j.Bucket != r.w.cfg.Bucket:
		case !j.Target.Same(r.versions):
			other++
			r.mu.Lock()
			if !r.warned[j.ID] {
				r.warned[j.ID] = true
				r.log.Warn("a rescoring job is aimed at other versions than this worker's; it waits for a worker of them",
					slog.String("job", j.ID), slog.String("target", j.Target.String()),
					slog.String("mine", r.versions.String()))
			}
			r.mu.Unlock()
		case j.Status == store.RescorePaused:
			paused++
		default:
			mine = append(mine, j)
		}
	}
	r.metrics.jobs.WithLabelValues("running").Set(float64(len(mine)))
	r.metrics.jobs.WithLabelValues("paused").Set(float64(paused))
	r.metrics.jobs.WithLabelValues("other_versions").Set(float64(other))
	r.mu.Lock()
	r.jobs = mine
	r.mu.Unlock()
}

// run reads the job streams and runs the stages until ctx is done: the
// reader and the claimer feed Config.Workers fetch-and-score goroutines,
// and one committer commits what they produce in batches.
func (r *rescorer) run(ctx, work context.Context) {
	n := r.w.cfg.Workers
	in, out := make(chan *rescoreJob, n), make(chan *rescoreJob, 2*n)
	var feeders, stages, committer sync.WaitGroup
	feeders.Go(func() { r.read(ctx, in) })
	feeders.Go(func() { r.claimLoop(ctx, in) })
	for range n {
		stages.Go(func() { r.prepareStage(ctx, work, in, out) })
	}
	committer.Go(func() { r.commitStage(ctx, work, out) })
	feeders.Wait()
	close(in)
	stages.Wait()
	close(out)
	committer.Wait()
}

// read reads new messages of the runnable jobs into in until ctx is done,
// while live work leaves room (liveBusy).
func (r *rescorer) read(ctx context.Context, in chan<- *rescoreJob) {
	failures := 0
	for ctx.Err() == nil {
		jobs := r.runnable()
		if len(jobs) == 0 {
			sleep(ctx, rescoreJobsEvery)
			continue
		}
		busy, err := r.liveBusy(ctx)
		if err == nil && busy {
			r.metrics.yields.Inc()
			sleep(ctx, rescoreYield)
			continue
		}
		ids := make([]string, len(jobs))
		for i, j := range jobs {
			ids[i] = j.ID
		}
		room := max(cap(in)-len(in), 1)
		msgs, err := r.w.store.ReadRescore(ctx, r.w.cfg.Consumer, ids, int64(room), rescoreReadBlock)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			r.w.metrics.failed.WithLabelValues("rescore_read").Inc()
			r.log.Warn("reading the rescoring jobs' streams failed, retrying", slog.Any("err", err))
			sleep(ctx, backoff(failures))
			continue
		}
		failures = 0
		if !r.take(ctx, in, msgs) {
			return
		}
	}
}

// liveBusy reports whether live work waits: events not yet moved into the
// work stream, or messages in it not yet delivered to any worker.
func (r *rescorer) liveBusy(ctx context.Context) (bool, error) {
	st, err := r.w.queue.Stats(ctx)
	if err != nil {
		return false, err
	}
	return st.Events > 0 || st.Depth-st.Pending > 0, nil
}

// claimLoop takes over, every half visibility timeout, the messages of the
// runnable jobs that other consumers left unacknowledged for longer than
// Config.ClaimAfter. A message delivered more than Config.MaxDeliveries
// times fails.
func (r *rescorer) claimLoop(ctx context.Context, in chan<- *rescoreJob) {
	interval := max(r.w.cfg.ClaimAfter/2, 100*time.Millisecond)
	for sleep(ctx, interval) {
		for _, j := range r.runnable() {
			running, err := claimPages(
				func() int { return max(cap(in)-len(in), 1) },
				func(n int64) ([]store.RescoreMessage, error) {
					return r.w.store.ClaimRescore(ctx, j.ID, r.w.cfg.Consumer, r.w.cfg.ClaimAfter, n)
				},
				func(msgs []store.RescoreMessage) bool {
					for _, m := range msgs {
						r.w.metrics.claimed.Inc()
						r.log.Info("claimed a rescoring message left by another worker", slog.String("job", m.Job),
							slog.String("object", m.Object), slog.Int64("deliveries", m.Deliveries))
					}
					return r.take(ctx, in, msgs)
				})
			if !running {
				return
			}
			if err != nil && ctx.Err() == nil {
				r.w.metrics.failed.WithLabelValues("rescore_claim").Inc()
				r.log.Warn("claiming rescoring messages failed", slog.String("job", j.ID), slog.Any("err", err))
			}
		}
	}
}

// take turns messages into jobs, reads the parts of their calls in one
// round trip and hands them to in; false when ctx ended first (the
// messages not handed over stay pending).
func (r *rescorer) take(ctx context.Context, in chan<- *rescoreJob, msgs []store.RescoreMessage) bool {
	if len(msgs) == 0 {
		return true
	}
	batch := make([]*rescoreJob, len(msgs))
	var keys []string
	var transcripts []*rescoreJob
	for i, m := range msgs {
		j := &rescoreJob{rmsg: m, job: &job{msg: store.Message{Object: m.Object, Source: store.SourceRescore,
			Force: true, Deliveries: m.Deliveries, Queued: time.Now()}}}
		j.callKey, j.kind = adapt.PairKey(m.Object)
		switch {
		case m.Object == "":
			j.fail = "the job's message names no object"
		case j.kind != adapt.KindTranscript:
			j.fail = m.Object + ": not a transcript by its name"
		case m.Deliveries > r.w.cfg.MaxDeliveries:
			j.fail = fmt.Sprintf("delivered %d times (limit %d) without being rescored: the worker died or failed on it each time",
				m.Deliveries, r.w.cfg.MaxDeliveries)
		default:
			keys = append(keys, j.callKey)
			transcripts = append(transcripts, j)
		}
		batch[i] = j
	}
	if len(keys) > 0 {
		var parts []store.Parts
		if err := retry(ctx, r.log, "rescore_parts", func() error {
			var err error
			parts, err = r.w.queue.PartsOf(ctx, keys)
			return err
		}); err != nil {
			return false
		}
		for i, j := range transcripts {
			j.parts = parts[i]
		}
	}
	for _, j := range batch {
		select {
		case in <- j:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// prepareStage fetches and scores the jobs of in as live scoring does and
// hands them to out, until in is closed. Once ctx is done it takes on no
// new job: those left stay pending and are claimed later.
func (r *rescorer) prepareStage(ctx, work context.Context, in <-chan *rescoreJob, out chan<- *rescoreJob) {
	for j := range in {
		if ctx.Err() != nil {
			continue
		}
		if j.fail == "" {
			if !r.fetch(ctx, work, j) {
				continue
			}
			if j.op == opScore {
				r.w.score(j.job)
			}
		}
		out <- j
	}
}

// fetch fetches what j needs, retrying transient failures while holding
// its message; false when the worker shut down first.
func (r *rescorer) fetch(ctx, work context.Context, j *rescoreJob) bool {
	for attempt := 1; ; attempt++ {
		err := r.w.fetchJob(work, j.job)
		if err == nil {
			return true
		}
		stage := "fetch"
		var se *stageError
		if errors.As(err, &se) {
			stage = se.stage
		}
		r.w.metrics.failed.WithLabelValues(stage).Inc()
		if ctx.Err() != nil {
			return false
		}
		wait := backoff(attempt)
		r.log.Warn("transient failure, retrying", slog.String("object", j.msg.Object), slog.String("stage", stage),
			slog.Any("err", err), slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if !sleep(ctx, wait) {
			return false
		}
		if err := r.w.store.ExtendRescore(work, r.w.cfg.Consumer, j.rmsg); err != nil {
			r.log.Warn("extending the hold on the message failed", slog.String("object", j.msg.Object), slog.Any("err", err))
		}
	}
}
