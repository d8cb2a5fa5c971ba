package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"callqa/store"
)

// commitBatch is the most jobs one commit round takes. A round takes what
// has piled up while the last one ran, so under load several calls share
// each round trip, and a lone call waits for none.
const commitBatch = 64

// commitStage stores what the jobs of in produced and settles their
// messages, in batches, until in is closed: the scores of a batch are
// stored in one round trip (store.Store.PutMany) and the transcripts'
// messages settled in another (store.Queue.Settle), each score before its
// message is acknowledged. Transient failures are retried with backoff
// while ctx lasts; after that the batch's messages stay pending. All I/O
// runs under work.
func (w *Worker) commitStage(ctx, work context.Context, in <-chan *job) {
	inBatches(in, commitBatch, func(batch []*job) { w.commit(ctx, work, batch) })
}

// inBatches calls commit with what has piled up in in, at least one and at
// most max items at a time, until in is closed: a batch never waits for
// more items, so a quiet stream is committed item by item and a busy one
// in batches. The batch is reused after commit returns.
func inBatches[T any](in <-chan T, max int, commit func(batch []T)) {
	batch := make([]T, 0, max)
	for item := range in {
		batch = append(batch[:0], item)
	fill:
		for len(batch) < max {
			select {
			case item, ok := <-in:
				if !ok {
					break fill
				}
				batch = append(batch, item)
			default:
				break fill
			}
		}
		commit(batch)
	}
}

// commit commits one batch.
func (w *Worker) commit(ctx, work context.Context, batch []*job) {
	w.metrics.commitBatch.Observe(float64(len(batch)))
	if !w.storeScores(ctx, work, batch) {
		return
	}
	if !w.removeScores(ctx, work, batch) {
		return
	}
	w.settle(ctx, work, batch)
	for _, j := range batch {
		switch j.op {
		case opAttach, opDetach, opSkip:
			w.commitOther(ctx, work, j)
		case opDead:
			if !j.isTranscript() {
				w.commitOther(ctx, work, j)
			}
		}
	}
}

// storeScores stores the records of the batch's scored jobs. A record the
// store refuses as invalid turns its job into a dead letter. It reports
// false when the worker shut down before every score was stored; the
// batch is then dropped and its messages stay pending.
func (w *Worker) storeScores(ctx, work context.Context, batch []*job) bool {
	var todo []*job
	for _, j := range batch {
		if j.op == opScore && j.rec != nil {
			todo = append(todo, j)
		}
	}
	return w.persist(ctx, work, "store", todo, func() error {
		items := make([]store.PutItem, len(todo))
		for i, j := range todo {
			items[i] = store.PutItem{Record: j.rec, Source: store.Source{Object: j.msg.Object, ETag: j.etag, Modified: j.modified}}
		}
		var failed []*job
		var firstErr error
		for i, r := range w.store.PutMany(work, items) {
			j := todo[i]
			switch {
			case r.Err == nil:
				j.outcome = r.Outcome
			case errors.Is(r.Err, store.ErrInvalid):
				j.dead(&poisonError{kind: reasonScore, etag: j.etag, reason: j.msg.Object + ": " + r.Err.Error()}, true)
			default:
				failed = append(failed, j)
				firstErr = cmp(firstErr, r.Err)
			}
		}
		todo = failed
		return firstErr
	})
}

// removeScores removes the scores of the batch's transcripts that are
// gone, before their messages are settled: a crash in between leaves the
// message pending, and its next delivery removes nothing more.
func (w *Worker) removeScores(ctx, work context.Context, batch []*job) bool {
	for _, j := range batch {
		if j.op != opRemove {
			continue
		}
		if id := j.parts.Transcripts[j.msg.Object]; id != "" {
			if !w.removeCall(ctx, work, j, id) {
				return false
			}
		}
	}
	return true
}

// removeCall removes call id's score if it was computed from j's object,
// retrying transient failures; false when the worker shut down first.
func (w *Worker) removeCall(ctx, work context.Context, j *job, id string) bool {
	return w.persist(ctx, work, "remove", []*job{j}, func() error {
		removed, err := w.store.RemoveFrom(work, id, j.msg.Object)
		if err != nil {
			return err
		}
		if removed {
			w.metrics.removed.Inc()
			w.log.Info("score removed: its object is gone", slog.String("object", j.msg.Object),
				slog.String("call_id", id), slog.String("message_id", j.msg.ID))
		}
		return nil
	})
}

// settle settles the messages of the batch's transcripts in one round trip.
func (w *Worker) settle(ctx, work context.Context, batch []*job) {
	var todo []*job
	var ss []store.Settlement
	now := time.Now()
	for _, j := range batch {
		if !j.isTranscript() || j.msg.Object == "" {
			continue
		}
		s := store.Settlement{Msg: j.msg, CallKey: j.callKey, Gen: j.parts.Gen, CheckGen: true, ETag: j.etag}
		switch j.op {
		case opScore:
			if j.rec == nil {
				continue
			}
			s.State, s.CallID = store.Scored, j.rec.CallID
			s.Announcement = w.store.Announcement(j.rec, j.outcome)
		case opWait:
			s.State, s.WaitUntil = store.Waiting, now.Add(w.cfg.SidecarWait)
		case opDead:
			s.State, s.Reason, s.Register = store.Dead, j.poison.reason, j.register
			s.ETag = j.poison.etag
			s.CheckGen = j.poison.kind != reasonDeliveries
		case opRemove:
			s.State, s.CheckGen = store.Removed, false
		default:
			continue
		}
		todo = append(todo, j)
		ss = append(ss, s)
	}
	if len(ss) == 0 {
		return
	}
	w.persist(ctx, work, "ack", todo, func() error {
		res, err := w.queue.Settle(work, ss)
		if err != nil {
			return err
		}
		// A settlement Redis refused alone is retried alone.
		var again []store.Settlement
		var againJobs []*job
		var firstErr error
		for i, r := range res {
			if r.Err != nil {
				again, againJobs = append(again, ss[i]), append(againJobs, todo[i])
				firstErr = cmp(firstErr, r.Err)
				continue
			}
			w.settled(ctx, work, todo[i], r)
		}
		ss, todo = again, againJobs
		return firstErr
	})
}

// settled records what settling j did and cleans up after it.
func (w *Worker) settled(ctx, work context.Context, j *job, r store.SettleResult) {
	log := w.log
	obj := j.msg.Object
	if r.Requeued {
		w.metrics.requeued.WithLabelValues("changed").Inc()
		log.Info("the call's objects changed while it was processed; queued again", slog.String("object", obj),
			slog.String("message_id", j.msg.ID))
		return
	}
	switch j.op {
	case opScore:
		w.metrics.scored.WithLabelValues(j.outcome.String()).Inc()
		w.metrics.scoring.Observe(j.scoring.Seconds())
		w.metrics.endToEnd.WithLabelValues(j.msg.Source).Observe(time.Since(j.modified).Seconds())
		log.Info("scored", slog.String("object", obj), slog.String("call_id", j.rec.CallID),
			slog.String("unit", j.rec.Unit), slog.Int("score", j.rec.Score), slog.String("etag", j.etag),
			slog.String("outcome", j.outcome.String()), slog.Int("sidecars", len(j.parts.Sidecars)),
			slog.String("src", j.msg.Source))
		if r.PrevCallID != "" && r.PrevCallID != j.rec.CallID {
			// The object was stored under another call id before (its
			// metadata changed the id): that score is stale.
			w.removeCall(ctx, work, j, r.PrevCallID)
		}
	case opWait:
		w.metrics.waits.Inc()
		log.Info("waiting for a sidecar", slog.String("object", obj), slog.String("etag", j.etag),
			slog.Duration("at_most", w.cfg.SidecarWait), slog.Any("missing", j.wait))
	case opDead:
		w.deadLettered(j)
	case opRemove:
		w.metrics.skipped.WithLabelValues("gone").Inc()
		log.Info("object is gone; nothing to score", slog.String("object", obj), slog.String("message_id", j.msg.ID))
		if r.PrevCallID != "" && r.PrevCallID != j.parts.Transcripts[obj] {
			w.removeCall(ctx, work, j, r.PrevCallID)
		}
	}
}

// commitOther commits a job that is no transcript's: a sidecar registered
// or forgotten, an object that is no call, a dead letter.
func (w *Worker) commitOther(ctx, work context.Context, j *job) {
	obj := j.msg.Object
	w.persist(ctx, work, "ack", []*job{j}, func() error {
		switch j.op {
		case opAttach, opDetach:
			var r store.SidecarResult
			var err error
			if j.op == opAttach {
				r, err = w.queue.Attach(work, j.msg, j.callKey, j.etag)
			} else {
				r, err = w.queue.Detach(work, j.msg, j.callKey)
			}
			if err != nil {
				return err
			}
			result := "unchanged"
			switch {
			case r.Changed && j.op == opAttach:
				result = "attached"
			case r.Changed:
				result = "removed"
			}
			w.metrics.sidecars.WithLabelValues(result).Inc()
			w.metrics.requeued.WithLabelValues("sidecar").Add(float64(r.Requeued))
			w.log.Info("sidecar "+result, slog.String("object", obj), slog.String("call_key", j.callKey),
				slog.String("etag", j.etag), slog.Int("transcripts_queued", r.Requeued))
		case opSkip:
			if err := w.queue.Done(work, j.msg, j.etag); err != nil {
				return err
			}
			w.metrics.skipped.WithLabelValues("not_a_call").Inc()
			w.log.Debug("object is no part of a call by its name; skipped", slog.String("object", obj))
		case opDead:
			if err := w.queue.DeadLetter(work, j.msg, j.poison.etag, j.poison.reason); err != nil {
				return err
			}
			w.deadLettered(j)
		}
		return nil
	})
}

func (w *Worker) deadLettered(j *job) {
	w.metrics.dead.WithLabelValues(j.poison.kind).Inc()
	w.log.Warn("object dead-lettered", slog.String("object", j.msg.Object), slog.String("message_id", j.msg.ID),
		slog.String("kind", j.poison.kind), slog.String("etag", j.poison.etag), slog.String("reason", j.poison.reason))
}

// persist calls f until it returns nil, waiting with backoff between
// attempts and holding jobs' messages meanwhile. It reports false when
// ctx ended first: the jobs' messages then stay pending.
func (w *Worker) persist(ctx, work context.Context, stage string, jobs []*job, f func() error) bool {
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			return true
		}
		w.metrics.failed.WithLabelValues(stage).Inc()
		if ctx.Err() != nil || work.Err() != nil {
			w.log.Warn("shutdown during a retry; the messages stay pending", slog.String("stage", stage),
				slog.Int("messages", len(jobs)), slog.Any("err", err))
			return false
		}
		wait := backoff(attempt)
		w.log.Warn("transient failure, retrying", slog.String("stage", stage), slog.Int("messages", len(jobs)),
			slog.Any("err", err), slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if !sleep(ctx, wait) {
			return false
		}
		ids := make([]string, len(jobs))
		for i, j := range jobs {
			ids[i] = j.msg.ID
		}
		if err := w.queue.Extend(work, w.cfg.Consumer, ids...); err != nil {
			w.log.Warn("extending the hold on the messages failed", slog.Any("err", err))
		}
	}
}

// cmp returns the first non-nil of a and b.
func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
