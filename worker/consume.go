package worker

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"callqa/store"
)

// readBlock is how long one read of the work stream waits for a message.
const readBlock = 2 * time.Second

// consume reads new messages of the work stream as this worker's consumer
// into jobs until ctx is done. It reads only as many messages as jobs has
// room for, so that at most Config.Workers messages wait in this worker
// besides those being processed.
func (w *Worker) consume(ctx context.Context, jobs chan<- store.Message) {
	failures := 0
	for ctx.Err() == nil {
		n := max(cap(jobs)-len(jobs), 1)
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
		if !send(ctx, jobs, msgs) {
			return
		}
	}
}

// claimLoop takes over, every half visibility timeout, the messages that
// other consumers (dead workers) left unacknowledged for longer than
// Config.ClaimAfter, and hands them to jobs like new ones.
func (w *Worker) claimLoop(ctx context.Context, jobs chan<- store.Message) {
	interval := max(w.cfg.ClaimAfter/2, 100*time.Millisecond)
	failures := 0
	for sleep(ctx, interval) {
		for {
			n := max(cap(jobs)-len(jobs), 1)
			msgs, err := w.queue.Claim(ctx, w.cfg.Consumer, w.cfg.ClaimAfter, int64(n))
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				failures++
				w.readFailed(ctx, "claim", err, failures)
				break
			}
			failures = 0
			for _, m := range msgs {
				w.metrics.claimed.Inc()
				w.log.Info("claimed a message left by another worker", slog.String("object", m.Object),
					slog.String("message_id", m.ID), slog.Int64("deliveries", m.Deliveries))
			}
			if !send(ctx, jobs, msgs) {
				return
			}
			if len(msgs) < n {
				break
			}
		}
	}
}

// send hands msgs to jobs, and reports false when ctx ended first; the
// messages not handed over stay pending and are claimed later.
func send(ctx context.Context, jobs chan<- store.Message, msgs []store.Message) bool {
	for _, m := range msgs {
		select {
		case jobs <- m:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// scorerLoop processes messages from jobs until jobs is closed. Once ctx is
// done it processes no new message: those still in jobs stay pending.
func (w *Worker) scorerLoop(ctx, work context.Context, jobs <-chan store.Message) {
	for m := range jobs {
		if ctx.Err() != nil {
			continue
		}
		w.process(ctx, work, m)
	}
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
