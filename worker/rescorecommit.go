package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"callqa/store"
)

// commitStage commits the rescored jobs of in, in batches of what has
// piled up, until in is closed. All I/O runs under work; transient
// failures are retried while ctx lasts, after which the batch's messages
// stay pending for another worker.
func (r *rescorer) commitStage(ctx, work context.Context, in <-chan *rescoreJob) {
	inBatches(in, commitBatch, func(batch []*rescoreJob) {
		// Two objects of one call go to separate rounds: the accounting
		// and the store take one score per call at a time.
		for len(batch) > 0 {
			var round, later []*rescoreJob
			seen := map[string]bool{}
			for _, j := range batch {
				if j.rec != nil && j.op == opScore && j.fail == "" {
					if seen[j.rec.CallID] {
						later = append(later, j)
						continue
					}
					seen[j.rec.CallID] = true
				}
				round = append(round, j)
			}
			if !r.commit(ctx, work, round) {
				return
			}
			batch = later
		}
	})
}

// commit commits one round: the failures are recorded, and the scores
// accounted, stored, settled and acknowledged, each step before the next.
// It reports false when the worker shut down first.
func (r *rescorer) commit(ctx, work context.Context, round []*rescoreJob) bool {
	var scored []*rescoreJob
	for _, j := range round {
		if j.fail == "" {
			switch {
			case j.op == opScore && j.rec != nil:
				scored = append(scored, j)
				continue
			case j.op == opRemove:
				j.fail = "the object is gone from the bucket; its score is removed by live scoring"
			case j.op == opWait:
				j.fail = fmt.Sprintf("lacks what only a sidecar gives: %v", j.wait)
			case j.op == opDead:
				j.fail = j.poison.reason
			default:
				j.fail = j.msg.Object + ": not a transcript"
			}
		}
		if !r.failed(ctx, work, j) {
			return false
		}
	}
	if len(scored) == 0 {
		return true
	}
	if !r.account(ctx, work, &scored) {
		return false
	}
	if !r.store(ctx, work, &scored) {
		return false
	}
	if len(scored) == 0 {
		return true
	}
	r.settle(ctx, work, scored)
	return r.ack(ctx, work, scored)
}

// account adds what each score changes to its job, before it is stored.
func (r *rescorer) account(ctx, work context.Context, scored *[]*rescoreJob) bool {
	return r.persist(ctx, work, "rescore_account", *scored, func() error {
		items := make([]store.RescoreItem, len(*scored))
		for i, j := range *scored {
			items[i] = store.RescoreItem{Job: j.rmsg.Job, Record: j.rec}
		}
		changes, err := r.w.store.AccountRescore(work, items)
		if err != nil {
			return err
		}
		for i, j := range *scored {
			j.change = changes[i]
		}
		return nil
	})
}

// store stores the scores; a record the store refuses fails its object
// and leaves scored.
func (r *rescorer) store(ctx, work context.Context, scored *[]*rescoreJob) bool {
	todo := *scored
	var ok []*rescoreJob
	if !r.persist(ctx, work, "rescore_store", todo, func() error {
		items := make([]store.PutItem, len(todo))
		for i, j := range todo {
			items[i] = store.PutItem{Record: j.rec, Source: store.Source{Object: j.msg.Object, ETag: j.etag, Modified: j.modified}}
		}
		var again []*rescoreJob
		var firstErr error
		for i, res := range r.w.store.PutMany(work, items) {
			j := todo[i]
			switch {
			case res.Err == nil:
				j.outcome = res.Outcome
				ok = append(ok, j)
			case errors.Is(res.Err, store.ErrInvalid):
				j.fail = j.msg.Object + ": " + res.Err.Error()
			default:
				again = append(again, j)
				firstErr = cmp(firstErr, res.Err)
			}
		}
		todo = again
		return firstErr
	}) {
		return false
	}
	for _, j := range *scored {
		if j.fail != "" && !r.failed(ctx, work, j) {
			return false
		}
	}
	*scored = ok
	return true
}

// settle records the stored scores with the work queue as live scoring
// does (store.Queue.Settle, with no live message to acknowledge): the
// object's version is marked scored, and a call whose sidecars changed
// while it was rescored is queued again for live scoring. A failure here
// is logged, not retried: the score is stored, and the next live event of
// the call settles it.
func (r *rescorer) settle(ctx, work context.Context, scored []*rescoreJob) {
	ss := make([]store.Settlement, len(scored))
	for i, j := range scored {
		ss[i] = store.Settlement{Msg: j.msg, CallKey: j.callKey, Gen: j.parts.Gen, CheckGen: true, State: store.Scored,
			ETag: j.etag, CallID: j.rec.CallID}
		if j.change.Diff.Changed() || j.change.Created {
			ss[i].Announcement = r.w.store.Announcement(j.rec, j.outcome)
		}
	}
	res, err := r.w.queue.Settle(work, ss)
	if err != nil {
		r.w.metrics.failed.WithLabelValues("rescore_settle").Inc()
		r.log.Warn("settling rescored calls with the work queue failed", slog.Int("calls", len(ss)), slog.Any("err", err))
		return
	}
	for i, s := range res {
		j := scored[i]
		switch {
		case s.Err != nil:
			r.log.Warn("settling a rescored call failed", slog.String("object", j.msg.Object), slog.Any("err", s.Err))
		case s.Requeued:
			r.w.metrics.requeued.WithLabelValues("changed").Inc()
			r.log.Info("the call's objects changed while it was rescored; queued again for live scoring",
				slog.String("object", j.msg.Object), slog.String("job", j.rmsg.Job))
		case s.PrevCallID != "" && s.PrevCallID != j.rec.CallID:
			r.w.removeCall(ctx, work, j.job, s.PrevCallID)
		}
	}
}

// ack acknowledges the stored scores' messages and logs the jobs that
// finished.
func (r *rescorer) ack(ctx, work context.Context, scored []*rescoreJob) bool {
	msgs := make([]store.RescoreMessage, len(scored))
	for i, j := range scored {
		msgs[i] = j.rmsg
	}
	var finished []string
	if !r.persist(ctx, work, "rescore_ack", scored, func() error {
		var err error
		finished, err = r.w.store.AckRescore(work, msgs)
		return err
	}) {
		return false
	}
	for _, j := range scored {
		result := "unchanged"
		switch {
		case j.change.Created:
			result = "created"
		case j.change.Diff.Changed():
			result = "changed"
		}
		r.metrics.calls.WithLabelValues(result).Inc()
		r.log.Debug("rescored", slog.String("job", j.rmsg.Job), slog.String("object", j.msg.Object),
			slog.String("call_id", j.rec.CallID), slog.Int("score", j.rec.Score), slog.String("result", result),
			slog.Int("delta", j.change.Diff.ScoreDelta), slog.Bool("counted", j.change.Counted))
	}
	for _, id := range finished {
		r.finished(work, id)
	}
	return true
}

// failed records that j's object cannot be rescored. An object that is
// gone is queued for a check by live scoring, which removes its score.
func (r *rescorer) failed(ctx, work context.Context, j *rescoreJob) bool {
	var fin bool
	if !r.persist(ctx, work, "rescore_fail", []*rescoreJob{j}, func() error {
		if j.op == opRemove {
			if err := r.w.queue.Check(work, j.msg.Object); err != nil {
				return err
			}
		}
		var err error
		fin, err = r.w.store.FailRescore(work, j.rmsg, j.fail)
		return err
	}) {
		return false
	}
	r.metrics.calls.WithLabelValues("failed").Inc()
	r.log.Warn("an object could not be rescored", slog.String("job", j.rmsg.Job), slog.String("object", j.msg.Object),
		slog.String("reason", j.fail))
	if fin {
		r.finished(work, j.rmsg.Job)
	}
	return true
}

// finished logs a job's summary once this worker finished it.
func (r *rescorer) finished(ctx context.Context, id string) {
	job, err := r.w.store.Rescore(ctx, id)
	if err != nil {
		r.log.Info("rescoring job done", slog.String("job", id))
		return
	}
	r.log.Info("rescoring job done", slog.String("job", id), slog.String("selection", job.Selection.String()),
		slog.Int64("total", job.Total), slog.Int64("done", job.Done), slog.Int64("failed", job.Failed),
		slog.Int64("changed", job.Changed), slog.Float64("mean_delta", job.MeanDelta()),
		slog.Duration("took", job.FinishedAt.Sub(job.CreatedAt)))
	r.refreshJobs(ctx)
}

// persist calls f until it returns nil, waiting with backoff between
// attempts and holding the jobs' messages meanwhile; false when ctx ended
// first (the messages then stay pending).
func (r *rescorer) persist(ctx, work context.Context, stage string, jobs []*rescoreJob, f func() error) bool {
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			return true
		}
		r.w.metrics.failed.WithLabelValues(stage).Inc()
		if ctx.Err() != nil || work.Err() != nil {
			r.log.Warn("shutdown during a retry; the messages stay pending", slog.String("stage", stage),
				slog.Int("messages", len(jobs)), slog.Any("err", err))
			return false
		}
		wait := backoff(attempt)
		r.log.Warn("transient failure, retrying", slog.String("stage", stage), slog.Int("messages", len(jobs)),
			slog.Any("err", err), slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if !sleep(ctx, wait) {
			return false
		}
		msgs := make([]store.RescoreMessage, len(jobs))
		for i, j := range jobs {
			msgs[i] = j.rmsg
		}
		if err := r.w.store.ExtendRescore(work, r.w.cfg.Consumer, msgs...); err != nil {
			r.log.Warn("extending the hold on the messages failed", slog.Any("err", err))
		}
	}
}
