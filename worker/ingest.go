package worker

import (
	"context"
	"log/slog"
	"time"
)

// Ingestion tuning: how many events one script call moves, and how long
// one wait for new events blocks. A script takes ~25 µs per event and
// holds Redis meanwhile: 100 events keep a backlog's catch-up from
// stalling the workers' writes by more than a few milliseconds.
const (
	ingestBatch = 100
	ingestWait  = 2 * time.Second
)

// ingest moves MinIO's events from the Redis list MinIO pushes to into the
// work stream until ctx is done. Each batch moves in one atomic script
// (store.Queue.MoveEvents), so an event is in the list or in the stream
// whenever the worker dies; between batches it blocks on the list without
// taking from it.
func (w *Worker) ingest(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		moved, err := w.moveEvents(ctx)
		if err == nil && !moved {
			_, err = w.queue.WaitEvents(ctx, ingestWait)
		}
		if err == nil {
			failures = 0
			continue
		}
		if ctx.Err() != nil {
			return
		}
		failures++
		w.metrics.failed.WithLabelValues("ingest").Inc()
		wait := backoff(failures)
		w.log.Warn("moving events failed, retrying", slog.Any("err", err), slog.Duration("wait", wait))
		sleep(ctx, wait)
	}
}

// moveEvents moves one batch and reports whether it took any event.
func (w *Worker) moveEvents(ctx context.Context) (bool, error) {
	res, err := w.queue.MoveEvents(ctx, ingestBatch, w.cfg.QueuedHold)
	if err != nil {
		return false, err
	}
	if res.Events == 0 {
		return false, nil
	}
	m := w.metrics.events
	m.WithLabelValues("queued").Add(float64(res.Queued))
	m.WithLabelValues("duplicate").Add(float64(res.Duplicates))
	m.WithLabelValues("ignored").Add(float64(res.Ignored))
	m.WithLabelValues("malformed").Add(float64(res.Dead))
	m.WithLabelValues("removed").Add(float64(res.Removed))
	if res.Dead > 0 {
		w.metrics.dead.WithLabelValues(reasonEvent).Add(float64(res.Dead))
		w.log.Warn("malformed MinIO events dead-lettered", slog.Int64("count", res.Dead))
	}
	w.log.Debug("events moved", slog.Int64("events", res.Events), slog.Int64("queued", res.Queued),
		slog.Int64("duplicates", res.Duplicates), slog.Int64("ignored", res.Ignored), slog.Int64("removed", res.Removed))
	return true, nil
}
