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
// and processes each in its own goroutine, never more than Config.Workers
// at once. It reads only as many messages as it has free slots, so that a
// message does not wait in this worker while another could take it.
// Messages are processed under work; consume stops reading when ctx is
// done.
func (w *Worker) consume(ctx, work context.Context) {
	failures := 0
	for {
		n := w.acquire(ctx)
		if n == 0 {
			return
		}
		msgs, err := w.queue.Read(ctx, w.cfg.Consumer, int64(n), readBlock)
		w.release(n - len(msgs))
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			w.readFailed(ctx, "read", err, failures)
			continue
		}
		failures = 0
		for _, m := range msgs {
			w.dispatch(ctx, work, m)
		}
	}
}

// claimLoop takes over, every half visibility timeout, the messages that
// other consumers (dead workers) left unacknowledged for longer than
// Config.ClaimAfter, and processes them like new ones.
func (w *Worker) claimLoop(ctx, work context.Context) {
	interval := max(w.cfg.ClaimAfter/2, 100*time.Millisecond)
	failures := 0
	for sleep(ctx, interval) {
		for {
			n := w.acquire(ctx)
			if n == 0 {
				return
			}
			msgs, err := w.queue.Claim(ctx, w.cfg.Consumer, w.cfg.ClaimAfter, int64(n))
			w.release(n - len(msgs))
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
				w.dispatch(ctx, work, m)
			}
			if len(msgs) < n {
				break
			}
		}
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

// acquire waits for at least one free processing slot and then takes all
// free ones; it returns how many it took, 0 when ctx ended first.
func (w *Worker) acquire(ctx context.Context) int {
	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		return 0
	}
	n := 1
	for n < cap(w.slots) {
		select {
		case w.slots <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

// release frees n slots.
func (w *Worker) release(n int) {
	for range n {
		<-w.slots
	}
}

// dispatch processes m in a new goroutine holding one slot.
func (w *Worker) dispatch(ctx, work context.Context, m store.Message) {
	w.inflight.Add(1)
	go func() {
		defer w.inflight.Done()
		defer w.release(1)
		w.process(ctx, work, m)
	}()
}
