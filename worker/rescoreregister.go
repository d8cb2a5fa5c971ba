package worker

import (
	"context"
	"log/slog"
	"time"

	"callqa/store"
)

// announce registers the worker's bucket and versions in Redis every
// store.WorkerHeartbeat until ctx is done, then withdraws the
// registration. A new rescoring job takes the versions of the live
// workers as its target (store.StartRescore); while workers of two
// lexicons run, no job can start.
func (r *rescorer) announce(ctx context.Context) {
	info := store.WorkerInfo{Consumer: r.w.cfg.Consumer, Bucket: r.w.cfg.Bucket, Versions: r.versions, Started: r.started}
	r.log.Info("announcing this worker's versions for rescoring jobs", slog.String("lexicon_version", r.versions.Lexicon),
		slog.String("engine_version", r.versions.Engine))
	for {
		if err := r.w.store.RegisterWorker(ctx, info); err != nil && ctx.Err() == nil {
			r.w.metrics.failed.WithLabelValues("rescore_register").Inc()
			r.log.Warn("announcing the worker's versions failed", slog.Any("err", err))
		}
		if !sleep(ctx, store.WorkerHeartbeat) {
			break
		}
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := r.w.store.UnregisterWorker(uctx, r.w.cfg.Consumer); err != nil {
		r.log.Warn("withdrawing the worker's registration failed; it lapses by itself", slog.Any("err", err),
			slog.Duration("after", store.WorkerTTL))
	}
}
