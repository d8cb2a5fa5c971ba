package worker

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"callqa/adapt"
	"callqa/store"
)

// reconcileBatch is how many objects one enqueue script call checks.
const reconcileBatch = 500

// reconcileLoop runs the reconciling scan at start and then every
// Config.ScanEvery until ctx is done. A failed scan is retried with
// backoff; the next periodic scan starts a full period after the last one
// that finished.
func (w *Worker) reconcileLoop(ctx context.Context) {
	if w.cfg.NoScan {
		return
	}
	for {
		if err := retry(ctx, w.log, "reconcile", func() error {
			_, err := w.Reconcile(ctx)
			if err != nil {
				w.metrics.failed.WithLabelValues("reconcile").Inc()
			}
			return err
		}); err != nil {
			return
		}
		if w.cfg.ScanEvery < 0 || !sleep(ctx, w.cfg.ScanEvery) {
			return
		}
	}
}

// Reconcile lists the bucket and queues every object that is part of a
// call by its name (adapt.PairKey: a transcript or a sidecar) and whose
// current version is not scored or registered, not waiting for a sidecar,
// not dead-lettered and not freshly queued: the objects whose events were
// missed. It returns how many it queued.
func (w *Worker) Reconcile(ctx context.Context) (int, error) {
	start := time.Now()
	var (
		listed, queued int
		batch          []store.Job
	)
	flush := func() error {
		n, err := w.queue.Enqueue(ctx, batch, store.SourceScan, false, w.cfg.QueuedHold)
		if err != nil {
			return err
		}
		queued += n
		batch = batch[:0]
		return nil
	}
	for obj := range w.minio.ListObjectsIter(ctx, w.cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			return queued, fmt.Errorf("list bucket %s: %w", w.cfg.Bucket, obj.Err)
		}
		if strings.HasSuffix(obj.Key, "/") {
			continue // a folder marker, no call
		}
		if _, kind := adapt.PairKey(obj.Key); kind == adapt.KindOther {
			continue // no part of a call by its name: a recording, a README
		}
		listed++
		batch = append(batch, store.Job{Object: obj.Key, ETag: strings.Trim(obj.ETag, `"`), Size: obj.Size})
		if len(batch) == reconcileBatch {
			if err := flush(); err != nil {
				return queued, err
			}
		}
	}
	if err := flush(); err != nil {
		return queued, err
	}
	w.metrics.scanQueued.Add(float64(queued))
	w.metrics.scans.Inc()
	w.log.Info("reconciling scan done", slog.Int("objects", listed), slog.Int("queued", queued),
		slog.Duration("took", time.Since(start)))
	return queued, nil
}
