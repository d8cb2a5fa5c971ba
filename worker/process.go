package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"callqa/scoring"
	"callqa/store"
)

// stageError is a transient failure of one stage of processing.
type stageError struct {
	stage string
	err   error
}

func (e *stageError) Error() string { return e.stage + ": " + e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// process handles one message until it is acknowledged, dead-lettered or
// the worker shuts down. Transient failures are retried with backoff while
// ctx lasts, holding the message (store.Queue.Extend) so that no other
// worker claims it meanwhile; on shutdown the message stays pending. All
// I/O runs under work, which outlives ctx by the shutdown grace.
func (w *Worker) process(ctx, work context.Context, m store.Message) {
	log := w.log.With(slog.String("object", m.Object), slog.String("message_id", m.ID), slog.String("src", m.Source))
	switch {
	case m.Object == "":
		w.deadLetter(ctx, work, m, &poisonError{kind: reasonMessage, reason: "stream entry names no object"}, log)
		return
	case m.Deliveries > w.cfg.MaxDeliveries:
		w.deadLetter(ctx, work, m, tooManyDeliveries(m, w.cfg.MaxDeliveries), log)
		return
	}
	for attempt := 1; ; attempt++ {
		err := w.attempt(work, m, log)
		if err == nil {
			return
		}
		var p *poisonError
		if errors.As(err, &p) {
			w.deadLetter(ctx, work, m, p, log)
			return
		}
		stage := "process"
		var se *stageError
		if errors.As(err, &se) {
			stage = se.stage
		}
		w.metrics.failed.WithLabelValues(stage).Inc()
		if ctx.Err() != nil {
			log.Warn("shutdown during a retry; the message stays pending", slog.Any("err", err))
			return
		}
		wait := backoff(attempt)
		log.Warn("transient failure, retrying", slog.String("stage", stage), slog.Any("err", err),
			slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if !sleep(ctx, wait) {
			log.Warn("shutdown during a retry; the message stays pending")
			return
		}
		if err := w.queue.Extend(work, w.cfg.Consumer, m.ID); err != nil {
			log.Warn("extending the hold on the message failed", slog.Any("err", err))
		}
	}
}

// attempt processes m once: it fetches the object's current version,
// decodes and scores it, stores the score and acknowledges m. Versions
// already handled are kept out of the stream when they are queued (see
// store.Queue.MoveEvents and Enqueue), so attempt does not look them up
// again; a rare duplicate is scored again and stored idempotently. It returns a *poisonError for input no retry can fix
// and a *stageError for a transient failure.
func (w *Worker) attempt(ctx context.Context, m store.Message, log *slog.Logger) error {
	data, info, err := w.fetch(ctx, m.Object)
	if errors.Is(err, errGone) {
		if err := w.queue.Done(ctx, m, ""); err != nil {
			return &stageError{"ack", err}
		}
		w.metrics.skipped.WithLabelValues("gone").Inc()
		log.Info("object is gone; nothing to score")
		return nil
	}
	if err != nil {
		return err
	}
	etag := strings.Trim(info.ETag, `"`)

	started := time.Now()
	rec, err := w.score(m.Object, etag, data)
	if err != nil {
		return err
	}
	w.metrics.scoring.Observe(time.Since(started).Seconds())

	out, err := w.store.Put(ctx, rec, store.Source{Object: m.Object, ETag: etag, Modified: info.LastModified})
	if err != nil {
		return &stageError{"store", err}
	}
	if err := w.queue.Finish(ctx, m, etag, w.store.Announcement(rec, out)); err != nil {
		return &stageError{"ack", err}
	}
	w.metrics.scored.WithLabelValues(out.String()).Inc()
	w.metrics.endToEnd.WithLabelValues(m.Source).Observe(time.Since(info.LastModified).Seconds())
	log.Info("scored", slog.String("call_id", rec.CallID), slog.String("unit", rec.Unit),
		slog.Int("score", rec.Score), slog.String("etag", etag), slog.String("outcome", out.String()),
		slog.Duration("took", time.Since(started)))
	return nil
}

// errGone marks an object deleted since its message was queued.
var errGone = errors.New("object is gone")

// fetch reads an object's current version in one GET request. An object
// larger than a transcript may be is poison and is not read.
func (w *Worker) fetch(ctx context.Context, key string) ([]byte, minio.ObjectInfo, error) {
	body, info, _, err := minio.Core{Client: w.minio}.GetObject(ctx, w.cfg.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, info, errGone
		}
		return nil, info, &stageError{"fetch", err}
	}
	defer body.Close()
	etag := strings.Trim(info.ETag, `"`)
	if info.Size > scoring.MaxTranscriptBytes {
		return nil, info, &poisonError{kind: reasonOversize, etag: etag, reason: fmt.Sprintf(
			"%s: object is %d bytes, over the transcript limit of %d", key, info.Size, scoring.MaxTranscriptBytes)}
	}
	data, err := io.ReadAll(io.LimitReader(body, scoring.MaxTranscriptBytes+1))
	if err != nil {
		return nil, info, &stageError{"fetch", err}
	}
	if len(data) > scoring.MaxTranscriptBytes {
		return nil, info, &poisonError{kind: reasonOversize, etag: etag, reason: fmt.Sprintf(
			"%s: object is over the transcript limit of %d bytes", key, scoring.MaxTranscriptBytes)}
	}
	return data, info, nil
}

// score decodes and scores one object version. Every error is poison; a
// panic of the decoder or scorer is turned into one, so that no input can
// crash the worker.
func (w *Worker) score(key, etag string, data []byte) (rec *scoring.Record, err error) {
	stage := "decode"
	defer func() {
		if r := recover(); r != nil {
			err = &poisonError{kind: reasonScore, etag: etag, reason: fmt.Sprintf("%s: %s panicked: %v", key, stage, r)}
		}
	}()
	t, err := w.cfg.Decode(key, data)
	if err != nil {
		return nil, classify(etag, err, stage)
	}
	stage = "score"
	rec, err = w.scorer.Score(t)
	if err != nil {
		var ie *scoring.InputError
		if errors.As(err, &ie) && ie.File == "" {
			ie.File = key
		}
		return nil, classify(etag, err, stage)
	}
	if rec == nil {
		return nil, &poisonError{kind: reasonScore, etag: etag, reason: key + ": scorer returned no record"}
	}
	return rec, nil
}
