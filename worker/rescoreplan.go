package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"callqa/adapt"
	"callqa/store"
)

// Selection tuning: how often the worker looks for jobs whose objects are
// still to be selected, how many objects one batch queues at most, and how
// long the planner lease lasts (renewed at every batch).
const (
	planEvery = 500 * time.Millisecond
	planBatch = 500
	planLease = 30 * time.Second
)

// planLoop selects the objects of the runnable jobs that are still
// selecting, until ctx is done. One worker at a time selects a job's
// objects (the planner lease); every batch is queued with the job's
// cursor in one script (store.PlanRescore), so another worker resumes a
// selection where a dead one stopped.
func (r *rescorer) planLoop(ctx context.Context) {
	for sleep(ctx, planEvery) {
		for _, j := range r.runnable() {
			if j.Selecting {
				r.plan(ctx, j)
			}
		}
	}
}

// plan selects job j's objects batch by batch while this worker holds the
// lease and the job runs.
func (r *rescorer) plan(ctx context.Context, j *store.Rescore) {
	log := r.log.With(slog.String("job", j.ID))
	for ctx.Err() == nil {
		held, err := r.w.store.LeaseRescorePlanner(ctx, j.ID, r.w.cfg.Consumer, planLease)
		if err != nil || !held {
			if err != nil && ctx.Err() == nil {
				r.w.metrics.failed.WithLabelValues("rescore_plan").Inc()
				log.Warn("taking the selection lease failed", slog.Any("err", err))
			}
			return
		}
		cursor, err := r.w.store.RescoreCursor(ctx, j.ID)
		if err != nil {
			return
		}
		objects, next, last, err := r.selectBatch(ctx, j, cursor)
		if err != nil {
			if ctx.Err() == nil {
				r.w.metrics.failed.WithLabelValues("rescore_plan").Inc()
				log.Warn("selecting objects failed; retrying later", slog.Any("err", err))
			}
			return
		}
		fin, err := r.w.store.PlanRescore(ctx, j.ID, r.w.cfg.Consumer, cursor, next, last, objects)
		switch {
		case errors.Is(err, store.ErrRescoreNotRunning), errors.Is(err, store.ErrRescoreMoved):
			return
		case err != nil:
			if ctx.Err() == nil {
				r.w.metrics.failed.WithLabelValues("rescore_plan").Inc()
				log.Warn("queueing selected objects failed; retrying later", slog.Any("err", err))
			}
			return
		}
		r.metrics.selected.Add(float64(len(objects)))
		if last {
			n := int64(-1)
			if job, err := r.w.store.Rescore(ctx, j.ID); err == nil {
				n = job.Total
			}
			log.Info("rescoring job: selection complete", slog.String("selection", j.Selection.String()),
				slog.Int64("total", n), slog.Bool("finished", fin))
			if fin {
				r.finished(ctx, j.ID)
			}
			return
		}
	}
}

// selectBatch returns the next batch of job j's objects after cursor, the
// cursor after them and whether the selection is complete.
func (r *rescorer) selectBatch(ctx context.Context, j *store.Rescore, cursor string) ([]string, string, bool, error) {
	if j.Selection.Prefix == "" {
		return r.w.store.SelectStored(ctx, j.Selection, j.Target, cursor, planBatch)
	}
	return r.listPrefix(ctx, j.Selection.Prefix, cursor)
}

// listPrefix lists the bucket's transcript objects under prefix after the
// key cursor: at most 2×planBatch keys per batch, the last one listed
// being the new cursor.
func (r *rescorer) listPrefix(ctx context.Context, prefix, cursor string) ([]string, string, bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var objects []string
	next, listed := cursor, 0
	for obj := range r.w.minio.ListObjectsIter(ctx, r.w.cfg.Bucket, minio.ListObjectsOptions{
		Prefix: prefix, Recursive: true, StartAfter: cursor, MaxKeys: 2 * planBatch}) {
		if obj.Err != nil {
			return nil, "", false, fmt.Errorf("list bucket %s under %q: %w", r.w.cfg.Bucket, prefix, obj.Err)
		}
		next = obj.Key
		listed++
		if _, kind := adapt.PairKey(obj.Key); kind == adapt.KindTranscript && !strings.HasSuffix(obj.Key, "/") {
			objects = append(objects, obj.Key)
		}
		if listed == 2*planBatch {
			return objects, next, false, nil
		}
	}
	return objects, next, true, nil
}
