package worker

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"callqa/adapt"
	"callqa/store"
)

// readBlock is how long one read of the work stream waits for a message.
const readBlock = 2 * time.Second

// minReadBatch is the least capacity of the reader's channel: reads of
// half of it at a time keep the fetchers busy.
const minReadBatch = 32

// consume reads new messages of the work stream as this worker's consumer
// into jobs until ctx is done. It reads as many messages as jobs has room
// for, and at least half its capacity, so that the fetchers never starve
// while it waits for Redis (reads of one message at a time, two round
// trips each, would throttle the whole worker) and at most one and a half
// times jobs' capacity waits in this worker besides what is processed.
func (w *Worker) consume(ctx context.Context, jobs chan<- *job) {
	failures := 0
	for ctx.Err() == nil {
		n := max(cap(jobs)-len(jobs), cap(jobs)/2, 1)
		msgs, err := w.queue.Read(ctx, w.cfg.Consumer, int64(n), readBlock)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			w.readFailed(ctx, "read", err, failures)
			continue
		}
		failures = 0
		if !w.take(ctx, jobs, msgs) {
			return
		}
	}
}

// claimLoop takes over, every half visibility timeout, the messages that
// other consumers (dead workers) left unacknowledged for longer than
// Config.ClaimAfter, and hands them to jobs like new ones.
func (w *Worker) claimLoop(ctx context.Context, jobs chan<- *job) {
	interval := max(w.cfg.ClaimAfter/2, 100*time.Millisecond)
	failures := 0
	for sleep(ctx, interval) {
		running, err := claimPages(
			func() int { return max(cap(jobs)-len(jobs), cap(jobs)/2, 1) },
			func(n int64) ([]store.Message, error) {
				return w.queue.Claim(ctx, w.cfg.Consumer, w.cfg.ClaimAfter, n)
			},
			func(msgs []store.Message) bool {
				failures = 0
				for _, m := range msgs {
					w.metrics.claimed.Inc()
					w.log.Info("claimed a message left by another worker", slog.String("object", m.Object),
						slog.String("message_id", m.ID), slog.Int64("deliveries", m.Deliveries))
				}
				return w.take(ctx, jobs, msgs)
			})
		if !running || (err != nil && ctx.Err() != nil) {
			return
		}
		if err != nil {
			failures++
			w.readFailed(ctx, "claim", err, failures)
		}
	}
}

// claimPages claims messages with claim, a page of at most room() at a
// time, and hands each page to take until a page comes back short. It
// reports false when take did (the worker is stopping), and claim's error,
// which ends the pages.
func claimPages[M any](room func() int, claim func(n int64) ([]M, error), take func([]M) bool) (running bool, err error) {
	for {
		n := room()
		msgs, err := claim(int64(n))
		if err != nil {
			return true, err
		}
		if !take(msgs) {
			return false, nil
		}
		if len(msgs) < n {
			return true, nil
		}
	}
}

// take turns msgs into jobs, reads the parts of the transcripts' calls in
// one round trip, and hands the jobs to jobs. It reports false when ctx
// ended first; the messages not handed over stay pending and are claimed
// later.
func (w *Worker) take(ctx context.Context, jobs chan<- *job, msgs []store.Message) bool {
	if len(msgs) == 0 {
		return true
	}
	batch := make([]*job, len(msgs))
	var keys []string
	var transcripts []*job
	for i, m := range msgs {
		j := &job{msg: m}
		j.callKey, j.kind = adapt.PairKey(m.Object)
		switch {
		case m.Object == "":
			j.kind = adapt.KindOther
			j.dead(&poisonError{kind: reasonMessage, reason: "stream entry names no object"}, false)
		case m.Deliveries > w.cfg.MaxDeliveries:
			j.dead(tooManyDeliveries(m, w.cfg.MaxDeliveries), true)
		}
		if j.isTranscript() {
			keys = append(keys, j.callKey)
			transcripts = append(transcripts, j)
		}
		batch[i] = j
	}
	if len(keys) > 0 {
		var parts []store.Parts
		if err := retry(ctx, w.log, "parts", func() error {
			var err error
			parts, err = w.queue.PartsOf(ctx, keys)
			if err != nil {
				w.metrics.failed.WithLabelValues("parts").Inc()
			}
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
		case jobs <- j:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// readFailed logs a failed read or claim, recreates the consumer group if
// Redis lost it (a restart without persistence), and waits with backoff.
func (w *Worker) readFailed(ctx context.Context, op string, err error, failures int) {
	w.metrics.failed.WithLabelValues(op).Inc()
	wait := backoff(failures)
	w.log.Warn("reading the work stream failed, retrying", slog.String("op", op), slog.Any("err", err),
		slog.Duration("wait", wait))
	if strings.Contains(err.Error(), "NOGROUP") {
		if err := w.queue.Ensure(ctx); err != nil {
			w.log.Warn("recreating the consumer group failed", slog.Any("err", err))
		}
	}
	sleep(ctx, wait)
}
