package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"callqa/scoring"
	"callqa/store"
)

// Kinds of poison, the reason label of the dead-letter metric.
const (
	reasonInput      = "input"      // not a transcript: bad JSON, schema errors
	reasonOversize   = "oversize"   // larger than scoring.MaxTranscriptBytes
	reasonUnit       = "unit"       // a unit the lexicon does not know
	reasonScore      = "score"      // the scorer failed on the transcript
	reasonDeliveries = "deliveries" // delivered MaxDeliveries times without success
	reasonMessage    = "message"    // a stream entry without an object key
	reasonEvent      = "event"      // a MinIO event that is not access-format JSON
)

// poisonError is input that no retry can fix. ETag is the object version
// it was found in, empty when unknown.
type poisonError struct {
	kind   string
	etag   string
	reason string
}

func (e *poisonError) Error() string { return e.reason }

// classify wraps an error of decoding or scoring an object version as
// poison: scoring is pure, so what failed once fails every time.
func classify(etag string, err error, stage string) error {
	kind := reasonScore
	var ie *scoring.InputError
	switch {
	case errors.As(err, &ie) && ie.Field == "unit" && stage == "score":
		kind = reasonUnit
	case errors.As(err, &ie):
		kind = reasonInput
	}
	return &poisonError{kind: kind, etag: etag, reason: err.Error()}
}

// deadLetter moves m to the dead-letter stream with p's reason, retrying
// transient failures until ctx ends (the message then stays pending and
// is dead-lettered on its next delivery).
func (w *Worker) deadLetter(ctx, work context.Context, m store.Message, p *poisonError, log *slog.Logger) {
	err := retry(ctx, log, "dead-letter", func() error {
		return w.queue.DeadLetter(work, m, p.etag, p.reason)
	})
	if err != nil {
		log.Warn("shutdown before the message could be dead-lettered; it stays pending")
		return
	}
	w.metrics.dead.WithLabelValues(p.kind).Inc()
	log.Warn("object dead-lettered", slog.String("kind", p.kind), slog.String("etag", p.etag),
		slog.String("reason", p.reason))
}

// tooManyDeliveries is the poison of a message that keeps failing. Its
// object version is not marked dead, so that the reconciling scan queues
// it again once Config.QueuedHold has passed.
func tooManyDeliveries(m store.Message, limit int64) *poisonError {
	return &poisonError{kind: reasonDeliveries, reason: fmt.Sprintf(
		"delivered %d times (limit %d) without being scored: the worker died or failed on it each time", m.Deliveries, limit)}
}
