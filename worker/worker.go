package worker

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/minio/minio-go/v7"

	"callqa/scoring"
	"callqa/store"
)

// Scorer scores one transcript. It must be safe for concurrent use: the
// worker's goroutines share one. *scoring.Engine is the Scorer callqa runs;
// an *scoring.InputError from Score marks the transcript as poison.
type Scorer interface {
	Score(t *scoring.Transcript) (*scoring.Record, error)
}

// Worker scores the objects of one bucket: it feeds the work stream from
// MinIO's events and the reconciling scan, and consumes it.
type Worker struct {
	cfg     Config
	log     *slog.Logger
	store   *store.Store
	queue   *store.Queue
	minio   *minio.Client
	scorer  Scorer
	metrics *Metrics

	// ready is set once Setup has succeeded.
	ready atomic.Bool
}

// New returns a Worker. st is the store, q the bucket's queue (from
// st.Queue), mc a client of the MinIO holding cfg.Bucket and sc the shared
// scorer.
func New(cfg Config, st *store.Store, q *store.Queue, mc *minio.Client, sc Scorer) (*Worker, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if st == nil || q == nil || mc == nil || sc == nil {
		return nil, fmt.Errorf("worker: New needs a store, a queue, a MinIO client and a scorer")
	}
	w := &Worker{
		cfg: cfg, store: st, queue: q, minio: mc, scorer: sc,
		log: cfg.Logger.With(slog.String("consumer", cfg.Consumer), slog.String("bucket", cfg.Bucket)),
	}
	w.metrics = newMetrics(w)
	return w, nil
}

// Metrics returns the worker's Prometheus metrics.
func (w *Worker) Metrics() *Metrics { return w.metrics }

// Run runs the worker until ctx is done: it sets up the bucket, its
// notification and the consumer group (retrying while MinIO or Redis is
// unreachable), then ingests events, scans the bucket and consumes the
// work stream. When ctx is done it stops taking work and gives in-flight
// messages Config.ShutdownGrace to finish; a message that does not finish
// is left pending for another worker. Run returns nil after a shutdown.
func (w *Worker) Run(ctx context.Context) error {
	w.log.Info("worker starting", slog.Int("workers", w.cfg.Workers),
		slog.Duration("claim_after", w.cfg.ClaimAfter), slog.Duration("scan_every", w.cfg.ScanEvery))
	if err := retry(ctx, w.log, "setup", func() error { return w.Setup(ctx) }); err != nil {
		return nil // ctx ended before the worker could start: a shutdown
	}
	w.ready.Store(true)

	// Messages already taken are processed under work, which outlives
	// ctx by the shutdown grace.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	// The reader and the claimer hand jobs to the fetch stage, which
	// keeps Config.Workers GETs in flight ahead of as many scorers; one
	// or a few committers store and settle what they produce in batches. The
	// reader's channel holds two reads' worth of messages, so that the
	// fetchers do not wait for the stream while it reads; the others hold
	// as many jobs again as the stage after them runs.
	n := w.cfg.Workers
	toFetch := make(chan *job, max(4*n, minReadBatch))
	toScore, toCommit := make(chan *job, n), make(chan *job, 2*n)
	var feeders, fetchers, scorers, committers sync.WaitGroup
	for _, loop := range []func(context.Context){
		w.ingest,
		w.reconcileLoop,
		w.statsLoop,
		w.waitLoop,
		func(ctx context.Context) { w.consume(ctx, toFetch) },
		func(ctx context.Context) { w.claimLoop(ctx, toFetch) },
		func(ctx context.Context) { w.rescoreLoop(ctx, work) }, // rescoring jobs: rescore.go
	} {
		feeders.Go(func() { loop(ctx) })
	}
	for range n {
		fetchers.Go(func() { w.fetchStage(ctx, work, toFetch, toScore, toCommit) })
		scorers.Go(func() { w.scoreStage(toScore, toCommit) })
	}
	for range committersFor(n) {
		committers.Go(func() { w.commitStage(ctx, work, toCommit) })
	}

	<-ctx.Done()
	w.ready.Store(false)
	w.log.Info("worker stopping: finishing in-flight messages", slog.Duration("grace", w.cfg.ShutdownGrace))
	feeders.Wait()
	close(toFetch)

	done := make(chan struct{})
	go func() {
		fetchers.Wait()
		close(toScore)
		scorers.Wait()
		close(toCommit)
		committers.Wait()
		close(done)
	}()
	grace := newTimer(w.cfg.ShutdownGrace)
	defer grace.Stop()
	select {
	case <-done:
		w.log.Info("worker stopped")
	case <-grace.C:
		cancelWork()
		<-done
		w.log.Warn("worker stopped with messages unfinished; they stay pending for another worker")
	}
	return nil
}

func defaultWorkers() int { return runtime.NumCPU() }

// committersFor returns how many committers serve workers scorers: one
// for up to three scorers, and one more for every four. A committer's
// batch holds what piled up during its last round trips, so fewer
// committers mean bigger batches and fewer round trips (the cheaper for a
// CPU-bound machine); more of them keep round trips in flight while Redis
// and the processes are scheduled (8 scorers on 2 cores: one committer is
// busy nine tenths of the time and caps the pipeline, three do not).
func committersFor(workers int) int {
	return 1 + workers/4
}
