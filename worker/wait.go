package worker

import (
	"context"
	"log/slog"
	"time"
)

// dueBatch is how many transcripts whose wait ended one script call
// queues.
const dueBatch = 100

// waitLoop queues again, as final messages, the transcripts whose wait
// for a sidecar has ended, until ctx is done: a final message that still
// lacks what only a sidecar can give is dead-lettered with the reason. It
// looks a quarter of Config.SidecarWait apart, at least every 10 s, so a
// wait ends at most that much late. Any number of workers may run it: the
// move is one atomic script (store.Queue.QueueDue).
func (w *Worker) waitLoop(ctx context.Context) {
	every := min(max(w.cfg.SidecarWait/4, 100*time.Millisecond), 10*time.Second)
	for sleep(ctx, every) {
		for {
			n, err := w.queue.QueueDue(ctx, time.Now(), dueBatch)
			if err != nil {
				if ctx.Err() == nil {
					w.metrics.failed.WithLabelValues("wait").Inc()
					w.log.Warn("queueing transcripts whose wait ended failed", slog.Any("err", err))
				}
				break
			}
			if n > 0 {
				w.metrics.requeued.WithLabelValues("wait_ended").Add(float64(n))
				w.log.Info("transcripts whose wait for a sidecar ended queued again", slog.Int("count", n))
			}
			if n < dueBatch {
				break
			}
		}
	}
}
