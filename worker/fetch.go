package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"callqa/adapt"
	"callqa/scoring"
)

// stageError is a transient failure of one stage of processing.
type stageError struct {
	stage string
	err   error
}

func (e *stageError) Error() string { return e.stage + ": " + e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// errGone marks an object deleted since its message was queued.
var errGone = errors.New("object is gone")

// fetchStage prepares the jobs of in until in is closed: it reads each
// transcript with its sidecars from MinIO and hands it to toScore, and
// decides what every other job needs and hands it to toCommit. Its
// goroutines keep Config.Workers GETs in flight while the scorers work.
// Once ctx is done it takes on no new job: those left stay pending and are
// claimed by another worker. Transient failures are retried with backoff
// while ctx lasts, holding the message (store.Queue.Extend) so that no
// other worker claims it meanwhile; all I/O runs under work, which
// outlives ctx by the shutdown grace.
func (w *Worker) fetchStage(ctx, work context.Context, in <-chan *job, toScore, toCommit chan<- *job) {
	for j := range in {
		if ctx.Err() != nil {
			continue
		}
		if !w.prepare(ctx, work, j) {
			continue
		}
		if j.op == opScore {
			toScore <- j
		} else {
			toCommit <- j
		}
	}
}

// prepare fetches what job j needs, retrying transient failures; it
// reports false when the worker shut down first.
func (w *Worker) prepare(ctx, work context.Context, j *job) bool {
	for attempt := 1; ; attempt++ {
		err := w.fetchJob(work, j)
		if err == nil {
			return true
		}
		stage := "fetch"
		var se *stageError
		if errors.As(err, &se) {
			stage = se.stage
		}
		w.metrics.failed.WithLabelValues(stage).Inc()
		if ctx.Err() != nil {
			w.log.Warn("shutdown during a retry; the message stays pending", slog.String("object", j.msg.Object),
				slog.Any("err", err))
			return false
		}
		wait := backoff(attempt)
		w.log.Warn("transient failure, retrying", slog.String("object", j.msg.Object), slog.String("stage", stage),
			slog.Any("err", err), slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if !sleep(ctx, wait) {
			return false
		}
		if err := w.queue.Extend(work, w.cfg.Consumer, j.msg.ID); err != nil {
			w.log.Warn("extending the hold on the message failed", slog.String("object", j.msg.Object), slog.Any("err", err))
		}
	}
}

// fetchJob decides what j needs and fetches it once.
func (w *Worker) fetchJob(ctx context.Context, j *job) error {
	switch {
	case j.op != opScore:
		return nil // decided when the message was taken
	case j.kind == adapt.KindOther:
		j.op, j.etag = opSkip, j.msg.ETag
		return nil
	case !j.isTranscript():
		return w.fetchSidecar(ctx, j)
	}
	return w.fetchTranscript(ctx, j)
}

// fetchSidecar decides what to do with a sidecar's message. A sidecar is
// not read here: its content matters only when its call's transcript is
// scored. A message queued for a created sidecar registers it at its
// version; one queued for a removal checks whether the object is there.
func (w *Worker) fetchSidecar(ctx context.Context, j *job) error {
	if !j.msg.Removed && j.msg.ETag != "" {
		j.op, j.etag = opAttach, j.msg.ETag
		return nil
	}
	info, err := w.minio.StatObject(ctx, w.cfg.Bucket, j.msg.Object, minio.StatObjectOptions{})
	switch {
	case isNoSuchKey(err):
		j.op = opDetach
	case err != nil:
		return &stageError{"fetch", err}
	default:
		j.op, j.etag = opAttach, strings.Trim(info.ETag, `"`)
	}
	return nil
}

// fetchTranscript reads a transcript object's current version and the
// sidecars registered with its call, in name order as `callqa score`
// pairs them. A registered sidecar that is gone is left out, and its
// removal is queued for checking (its event was missed). A transcript
// that is gone is removed; a second transcript of one call is poison.
func (w *Worker) fetchTranscript(ctx context.Context, j *job) error {
	key := j.msg.Object
	if dup, err := w.otherTranscript(ctx, j); err != nil {
		return err
	} else if dup != "" {
		j.dead(&poisonError{kind: reasonDuplicate, etag: j.msg.ETag, reason: fmt.Sprintf(
			"%s: two transcripts for one call: %s is scored already; delete one of them", key, dup)}, false)
		return nil
	}
	data, etag, modified, err := w.get(ctx, key)
	switch {
	case errors.Is(err, errGone):
		j.op = opRemove
		return nil
	case err != nil:
		var p *poisonError
		if errors.As(err, &p) {
			j.dead(p, true)
			return nil
		}
		return err
	}
	j.data, j.etag, j.modified = data, etag, modified
	j.sidecars = j.sidecars[:0]
	var missing []string
	for _, sc := range slices.Sorted(maps.Keys(j.parts.Sidecars)) {
		d, _, _, err := w.get(ctx, sc)
		switch {
		case errors.Is(err, errGone):
			missing = append(missing, sc)
			continue
		case err != nil:
			var p *poisonError
			if errors.As(err, &p) {
				p.etag = etag
				j.dead(p, true)
				return nil
			}
			return err
		}
		j.sidecars = append(j.sidecars, adapt.Sidecar{Name: sc, Data: d})
	}
	if len(missing) > 0 {
		if err := w.queue.Check(ctx, missing...); err != nil {
			return &stageError{"check", err}
		}
		w.log.Info("registered sidecars are gone; their removal is queued", slog.String("object", key),
			slog.Any("sidecars", missing))
	}
	return nil
}

// otherTranscript returns another transcript object registered with j's
// call that still exists, or "". One registered but gone (its removal
// event was missed) is queued for checking, so that its score is removed.
func (w *Worker) otherTranscript(ctx context.Context, j *job) (string, error) {
	for other := range j.parts.Transcripts {
		if other == j.msg.Object {
			continue
		}
		_, err := w.minio.StatObject(ctx, w.cfg.Bucket, other, minio.StatObjectOptions{})
		switch {
		case err == nil:
			return other, nil
		case !isNoSuchKey(err):
			return "", &stageError{"fetch", err}
		}
		if err := w.queue.Check(ctx, other); err != nil {
			return "", &stageError{"check", err}
		}
	}
	return "", nil
}

// get reads an object's current version in one GET request and returns
// its bytes, ETag and last-modified time. An object larger than a
// transcript may be is poison and is not read; one that does not exist
// is errGone.
func (w *Worker) get(ctx context.Context, key string) ([]byte, string, time.Time, error) {
	body, info, _, err := minio.Core{Client: w.minio}.GetObject(ctx, w.cfg.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		if isNoSuchKey(err) {
			return nil, "", time.Time{}, errGone
		}
		return nil, "", time.Time{}, &stageError{"fetch", err}
	}
	defer body.Close()
	etag := strings.Trim(info.ETag, `"`)
	if info.Size > scoring.MaxTranscriptBytes {
		return nil, etag, info.LastModified, &poisonError{kind: reasonOversize, etag: etag, reason: fmt.Sprintf(
			"%s: object is %d bytes, over the transcript limit of %d", key, info.Size, scoring.MaxTranscriptBytes)}
	}
	// A buffer of the announced size, and one byte more to see whether
	// the object grew past it.
	buf := make([]byte, 0, max(info.Size, 0)+1)
	data, err := readAll(io.LimitReader(body, scoring.MaxTranscriptBytes+1), buf)
	if err != nil {
		return nil, etag, info.LastModified, &stageError{"fetch", err}
	}
	if len(data) > scoring.MaxTranscriptBytes {
		return nil, etag, info.LastModified, &poisonError{kind: reasonOversize, etag: etag, reason: fmt.Sprintf(
			"%s: object is over the transcript limit of %d bytes", key, scoring.MaxTranscriptBytes)}
	}
	return data, etag, info.LastModified, nil
}

// readAll reads r to its end into buf, growing it as needed.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// isNoSuchKey reports whether err is MinIO's answer for an object that
// does not exist.
func isNoSuchKey(err error) bool {
	return err != nil && minio.ToErrorResponse(err).Code == "NoSuchKey"
}
