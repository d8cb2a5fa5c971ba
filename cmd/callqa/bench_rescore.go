package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"callqa/callgen"
	"callqa/scoring"
	"callqa/store"
	"callqa/worker"
)

// benchRescoreOptions are the settings of `callqa bench-rescore`.
type benchRescoreOptions struct {
	work       workOptions
	newLexicon string
	calls      int
	seed       uint64
	live       int
	liveEvery  time.Duration
	keep       bool
	jsonOut    bool
	timeout    time.Duration
}

func newBenchRescoreCmd() *cobra.Command {
	o := &benchRescoreOptions{}
	cmd := &cobra.Command{
		Use:   "bench-rescore --new-lexicon-dir DIR",
		Short: "Measure a rescoring job against first-time ingestion of the same calls, and live latency during it",
		Long: `Measure rescoring on a MinIO and a Redis of your own, in one run:

  1. writes --calls generated calls (callqa gen's generator, --seed) into a
     new bucket whose notification pushes events to --minio-events-key;
  2. ingestion: runs a worker with --workers scorers and the first lexicon
     (--lexicon-dir, the embedded one when empty) until every call is
     scored and stored, and times it;
  3. stops it and starts a worker of the changed lexicon (--new-lexicon-dir)
     with as many scorers; uploads --live calls one every --live-every and
     times each from its upload to its score's announcement (idle
     baseline);
  4. rescoring: starts a job of the calls scored with other versions (all
     of them) and times it until it is done, while --live more calls are
     uploaded and timed the same way.

It prints both wall times and rates, their ratio, what the job changed, the
live latencies with and without the job, the times rescoring yielded to
live work, and the process's peak resident memory. The segmenters load
before any clock starts.

Make the changed lexicon by editing a copy of a lexicon file, e.g.
  mkdir /tmp/lex2 && sed 's/\[不归我管, /[/' lexicon/data/phrases.yaml > /tmp/lex2/phrases.yaml

Use servers no deployment is using. Unless --keep, the bucket and the
bench's Redis keys are removed afterwards.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd); err != nil {
				return err
			}
			switch {
			case o.calls < 1:
				return fmt.Errorf("--calls %d: want at least 1", o.calls)
			case o.newLexicon == "":
				return errors.New("--new-lexicon-dir: required (a lexicon folder that differs from --lexicon-dir)")
			case o.live < 0:
				return fmt.Errorf("--live %d: must not be negative", o.live)
			case o.liveEvery <= 0:
				return fmt.Errorf("--live-every %v: want a positive duration", o.liveEvery)
			}
			return runBenchRescore(cmd.Context(), cmd.OutOrStdout(), *o)
		},
	}
	fs := cmd.Flags()
	w := &o.work
	fs.StringVar(&w.redisURL, "redis-url", "redis://localhost:6379/0", "Redis for the queue, the scores and the job")
	addMinIOFlags(fs, w)
	fs.StringVar(&w.eventsKey, "minio-events-key", store.DefaultEventsKey, "Redis list MinIO's notification pushes events to")
	fs.StringVar(&w.lexiconDir, "lexicon-dir", "", "folder of the first lexicon (the calls are ingested with it); the embedded one when empty")
	fs.StringVar(&o.newLexicon, "new-lexicon-dir", "", "folder of the changed lexicon the calls are rescored with (required)")
	fs.IntVar(&w.workers, "workers", runtime.NumCPU(), "scorers of the worker, in both phases")
	fs.IntVar(&o.calls, "calls", 10000, "generated calls to ingest and rescore")
	fs.Uint64Var(&o.seed, "seed", 7, "seed of the generated calls")
	fs.IntVar(&o.live, "live", 40, "live calls uploaded and timed before the job and again while it runs")
	fs.DurationVar(&o.liveEvery, "live-every", 250*time.Millisecond, "time between two live uploads")
	fs.BoolVar(&o.keep, "keep", false, "keep the bench's bucket and Redis keys")
	fs.BoolVar(&o.jsonOut, "json", false, "print the result as one JSON object")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Hour, "give up when a phase has not finished by then")
	withSharedEnv(fs)
	return cmd
}

// latencies are the upload-to-score times of live calls, in ms.
type latencies struct {
	N   int     `json:"calls"`
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	Max float64 `json:"max_ms"`
}

func latencyOf(ms []float64) latencies {
	if len(ms) == 0 {
		return latencies{}
	}
	slices.Sort(ms)
	at := func(q float64) float64 { return ms[min(int(q*float64(len(ms))), len(ms)-1)] }
	return latencies{N: len(ms), P50: at(0.5), P95: at(0.95), Max: ms[len(ms)-1]}
}

// benchRescoreResult is what bench-rescore measures.
type benchRescoreResult struct {
	Calls            int              `json:"calls"`
	Workers          int              `json:"workers"`
	Bytes            int64            `json:"bytes"`
	UploadSeconds    float64          `json:"upload_seconds"`
	IngestSeconds    float64          `json:"ingest_seconds"`
	IngestPerSec     float64          `json:"ingest_calls_per_sec"`
	RescoreSeconds   float64          `json:"rescore_seconds"`
	RescorePerSec    float64          `json:"rescore_calls_per_sec"`
	Ratio            float64          `json:"rescore_to_ingest"`
	Job              string           `json:"job"`
	Changed          int64            `json:"changed"`
	Failed           int64            `json:"failed"`
	Removed          map[string]int64 `json:"findings_removed"`
	Added            map[string]int64 `json:"findings_added"`
	MeanDelta        float64          `json:"mean_delta"`
	LiveIdle         latencies        `json:"live_idle"`
	LiveDuring       latencies        `json:"live_during_rescore"`
	Yields           float64          `json:"rescore_yields"`
	PeakRSSBytes     int64            `json:"peak_rss_bytes"`
	RedisPeakBytes   int64            `json:"redis_used_memory_peak_bytes"`
	SegmenterSeconds float64          `json:"segmenter_load_seconds"`
	GoVersion        string           `json:"go_version"`
	CPUs             int              `json:"cpus"`
	LoadAverage      string           `json:"load_average"`
}

func runBenchRescore(ctx context.Context, out io.Writer, o benchRescoreOptions) error {
	w := o.work
	now := time.Now().UnixNano()
	w.bucket = fmt.Sprintf("callqa-bench-rescore-%d", now)
	w.keyPrefix = "callqa-bench:" + strconv.FormatInt(now, 36) + ":"
	w.claimAfter, w.scanEvery, w.maxDeliveries, w.grace = time.Minute, -1, 5, 10*time.Second
	w.logLevel, w.logFormat, w.listen = "warn", "text", ""
	c, err := w.check()
	if err != nil {
		return err
	}
	log := c.logger
	mc, err := minio.New(w.minioEndpoint, c.minio)
	if err != nil {
		return fmt.Errorf("--minio-endpoint %q: %w", w.minioEndpoint, err)
	}
	if err := worker.EnsureBucket(ctx, mc, w.bucket); err != nil {
		return err
	}
	if err := worker.EnsureNotification(ctx, mc, w.bucket); err != nil {
		return fmt.Errorf("the bench needs MinIO's Redis notification target: %w", err)
	}
	rdb := redis.NewClient(c.redis)
	defer rdb.Close()
	if !o.keep {
		defer removeBench(context.WithoutCancel(ctx), log, mc, rdb, w.bucket, w.keyPrefix)
	}
	st := store.New(rdb, store.Options{Prefix: w.keyPrefix})
	res := benchRescoreResult{Calls: o.calls, Workers: w.workers, GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}

	loadStart := time.Now()
	first, err := loadEngine(w.lexiconDir)
	if err != nil {
		return fmt.Errorf("--lexicon-dir %q: %w", w.lexiconDir, err)
	}
	changed, err := loadEngine(o.newLexicon)
	if err != nil {
		return fmt.Errorf("--new-lexicon-dir %q: %w", o.newLexicon, err)
	}
	res.SegmenterSeconds = time.Since(loadStart).Seconds()
	if changed.Lexicon().Version == first.Lexicon().Version {
		return fmt.Errorf("--new-lexicon-dir %q: the same lexicon as --lexicon-dir; change a phrase in it", o.newLexicon)
	}
	gen, err := callgen.New(callgen.Options{Seed: o.seed, Lexicon: first.Lexicon(), IDPrefix: "rb-"})
	if err != nil {
		return err
	}
	liveGen, err := callgen.New(callgen.Options{Seed: o.seed + 1, Lexicon: first.Lexicon(), IDPrefix: "live-"})
	if err != nil {
		return err
	}
	put := func(ctx context.Context, t *scoring.Transcript) (int, error) {
		data, err := json.Marshal(t)
		if err != nil {
			return 0, err
		}
		key := "calls/" + t.StartedAt.Format("2006/01/02") + "/" + t.CallID + ".json"
		_, err = mc.PutObject(ctx, w.bucket, key, bytes.NewReader(data), int64(len(data)),
			minio.PutObjectOptions{ContentType: "application/json"})
		return len(data), err
	}
	progress := func(format string, args ...any) {
		if !o.jsonOut {
			fmt.Fprintf(out, format+"\n", args...)
		}
	}

	// Write the calls; their events wait in Redis until the worker runs.
	start := time.Now()
	var bytesTotal atomic.Int64
	if err := parallel(ctx, 2*w.workers, o.calls, func(ctx context.Context, i int) error {
		n, err := put(ctx, gen.Call(i))
		bytesTotal.Add(int64(n))
		return err
	}); err != nil {
		return fmt.Errorf("write calls: %w", err)
	}
	res.Bytes, res.UploadSeconds = bytesTotal.Load(), time.Since(start).Seconds()
	progress("wrote %d calls (%d bytes) in %.1f s", o.calls, res.Bytes, res.UploadSeconds)

	// Ingestion with the first lexicon.
	start = time.Now()
	stopFirst, m1, err := benchRescoreWorker(ctx, w, c.redis, mc, first, log, "bench-first")
	if err != nil {
		return err
	}
	if err := waitCounter(ctx, m1, float64(o.calls), o.timeout, "callqa_scored_total", "callqa_dead_letters_total"); err != nil {
		stopFirst()
		return fmt.Errorf("ingestion: %w", err)
	}
	res.IngestSeconds = time.Since(start).Seconds()
	res.IngestPerSec = float64(o.calls) / res.IngestSeconds
	stopFirst()
	if dead, _ := counterSum(m1.Registry(), "callqa_dead_letters_total"); dead > 0 {
		return fmt.Errorf("%.0f generated calls were dead-lettered; the figures are void", dead)
	}
	progress("ingestion: %d calls in %.1f s, %.1f calls/s", o.calls, res.IngestSeconds, res.IngestPerSec)

	// The changed lexicon's worker: live latency when idle, then during
	// the job.
	stopNew, m2, err := benchRescoreWorker(ctx, w, c.redis, mc, changed, log, "bench-new")
	if err != nil {
		return err
	}
	defer stopNew()
	if err := waitRegistered(ctx, st, w.bucket, changed.Lexicon().Version); err != nil {
		return err
	}
	live := newLiveTimer(rdb, st.Keys().Scores())
	go live.follow(ctx)
	idle, err := live.upload(ctx, liveGen, 0, o.live, o.liveEvery, put, nil)
	if err != nil {
		return err
	}
	res.LiveIdle = latencyOf(idle)
	progress("live calls, idle worker: p50 %.0f ms, p95 %.0f ms, max %.0f ms", res.LiveIdle.P50, res.LiveIdle.P95, res.LiveIdle.Max)

	start = time.Now()
	job, err := st.StartRescore(ctx, w.bucket, store.Selection{Stale: true}, "bench")
	if err != nil {
		return err
	}
	jobDone := make(chan struct{})
	var during []float64
	var liveErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		during, liveErr = live.upload(ctx, liveGen, o.live, o.live, o.liveEvery, put, jobDone)
	})
	deadline := time.After(o.timeout)
	for {
		job, err = st.Rescore(ctx, job.ID)
		if err != nil {
			return err
		}
		if job.Status.Finished() {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("the job rescored %d of %d calls in --timeout %v", job.Processed(), job.Total, o.timeout)
		case <-time.After(100 * time.Millisecond):
		}
	}
	res.RescoreSeconds = time.Since(start).Seconds()
	close(jobDone)
	wg.Wait()
	if liveErr != nil {
		return liveErr
	}
	if job.Status != store.RescoreDone || job.Total != int64(o.calls) {
		return fmt.Errorf("job %s ended %s with %d of %d calls selected", job.ID, job.Status, job.Total, o.calls)
	}
	res.RescorePerSec = float64(job.Processed()) / res.RescoreSeconds
	res.Ratio = res.RescorePerSec / res.IngestPerSec
	res.Job, res.Changed, res.Failed, res.Removed, res.Added, res.MeanDelta = job.ID, job.Changed, job.Failed,
		job.Removed, job.Added, job.MeanDelta()
	res.LiveDuring = latencyOf(during)
	res.Yields, _ = counterSum(m2.Registry(), "callqa_rescore_yields_total")
	res.PeakRSSBytes, _ = procMemory()
	if info, err := rdb.Info(ctx, "memory").Result(); err == nil {
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory_peak:"); ok {
				res.RedisPeakBytes, _ = strconv.ParseInt(v, 10, 64)
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		res.LoadAverage = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	if o.jsonOut {
		return json.NewEncoder(out).Encode(res)
	}
	fmt.Fprintf(out, "%d calls (%d bytes), %d scorers, %d CPUs, %s, load average %s at the end\n",
		res.Calls, res.Bytes, res.Workers, res.CPUs, res.GoVersion, res.LoadAverage)
	fmt.Fprintf(out, "first-time ingestion  %8.1f s  %8.1f calls/s\n", res.IngestSeconds, res.IngestPerSec)
	fmt.Fprintf(out, "rescoring job         %8.1f s  %8.1f calls/s  (job %s)\n", res.RescoreSeconds, res.RescorePerSec, res.Job)
	fmt.Fprintf(out, "rescoring / ingestion %8.2f\n", res.Ratio)
	fmt.Fprintf(out, "job summary           %d changed, %d failed, mean delta %+.3f, removed %v, added %v\n",
		res.Changed, res.Failed, res.MeanDelta, res.Removed, res.Added)
	fmt.Fprintf(out, "live calls, idle      p50 %6.0f ms  p95 %6.0f ms  max %6.0f ms  (%d calls)\n",
		res.LiveIdle.P50, res.LiveIdle.P95, res.LiveIdle.Max, res.LiveIdle.N)
	fmt.Fprintf(out, "live calls, rescoring p50 %6.0f ms  p95 %6.0f ms  max %6.0f ms  (%d calls; rescoring yielded %.0f times)\n",
		res.LiveDuring.P50, res.LiveDuring.P95, res.LiveDuring.Max, res.LiveDuring.N, res.Yields)
	fmt.Fprintf(out, "process RSS peak      %8.1f MiB (segmenters loaded in %.1f s); Redis used_memory_peak %.1f MiB\n",
		float64(res.PeakRSSBytes)/(1<<20), res.SegmenterSeconds, float64(res.RedisPeakBytes)/(1<<20))
	return nil
}

// benchRescoreWorker runs a worker of sc in this process; stop stops it
// and waits for it.
func benchRescoreWorker(ctx context.Context, w workOptions, ropts *redis.Options, mc *minio.Client, sc worker.Scorer,
	log *slog.Logger, consumer string) (stop func(), m *worker.Metrics, err error) {
	rdb := redis.NewClient(ropts)
	st := store.New(rdb, store.Options{Prefix: w.keyPrefix})
	q := st.Queue(store.QueueOptions{EventsKey: w.eventsKey, Bucket: w.bucket})
	wk, err := worker.New(worker.Config{Bucket: w.bucket, Workers: w.workers, Consumer: consumer, ClaimAfter: w.claimAfter,
		ScanEvery: w.scanEvery, ShutdownGrace: w.grace, Logger: log}, st, q, mc, sc)
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := wk.Run(runCtx); err != nil {
			log.Error("bench worker", slog.Any("err", err))
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
			rdb.Close()
		})
	}, wk.Metrics(), nil
}

// waitCounter waits until the named counters of m add up to n.
func waitCounter(ctx context.Context, m *worker.Metrics, n float64, timeout time.Duration, names ...string) error {
	deadline := time.After(timeout)
	for {
		got, err := counterSum(m.Registry(), names...)
		if err != nil {
			return err
		}
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("%.0f of %.0f calls in --timeout %v", got, n, timeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitRegistered waits until the live workers of bucket run lexicon.
func waitRegistered(ctx context.Context, st *store.Store, bucket, lexicon string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		v, _, err := st.RunningVersions(ctx, bucket)
		if err == nil && v.Lexicon == lexicon {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the changed lexicon's worker did not announce itself: %v", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// liveTimer times live calls from their upload to the announcement of
// their score on the scores stream.
type liveTimer struct {
	rdb    *redis.Client
	stream string
	mu     sync.Mutex
	put    map[string]time.Time
	scored map[string]time.Time
	notify chan struct{}
}

func newLiveTimer(rdb *redis.Client, stream string) *liveTimer {
	return &liveTimer{rdb: rdb, stream: stream, put: map[string]time.Time{}, scored: map[string]time.Time{},
		notify: make(chan struct{}, 1)}
}

// follow reads the scores stream until ctx is done.
func (l *liveTimer) follow(ctx context.Context) {
	last := "$"
	for ctx.Err() == nil {
		res, err := l.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{l.stream, last}, Block: time.Second, Count: 500}).Result()
		if err != nil {
			continue
		}
		for _, s := range res {
			for _, m := range s.Messages {
				last = m.ID
				id, _ := m.Values["call_id"].(string)
				at, _ := strconv.ParseInt(fmt.Sprint(m.Values["stored_at"]), 10, 64)
				if strings.HasPrefix(id, "live-") {
					l.mu.Lock()
					if _, ok := l.scored[id]; !ok {
						l.scored[id] = time.UnixMilli(at)
					}
					l.mu.Unlock()
					select {
					case l.notify <- struct{}{}:
					default:
					}
				}
			}
		}
	}
}

// upload uploads calls first..first+n-1 of g, one every every, stopping
// early when stop closes, waits for their scores and returns their
// latencies in ms.
func (l *liveTimer) upload(ctx context.Context, g *callgen.Generator, first, n int, every time.Duration,
	put func(context.Context, *scoring.Transcript) (int, error), stop <-chan struct{}) ([]float64, error) {
	var ids []string
uploads:
	for i := first; i < first+n; i++ {
		select {
		case <-stop:
			break uploads
		default:
		}
		t := g.Call(i)
		l.mu.Lock()
		l.put[t.CallID] = time.Now()
		l.mu.Unlock()
		if _, err := put(ctx, t); err != nil {
			return nil, fmt.Errorf("live upload: %w", err)
		}
		ids = append(ids, t.CallID)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(every):
		}
	}
	deadline := time.After(5 * time.Minute)
	for {
		l.mu.Lock()
		var ms []float64
		for _, id := range ids {
			if at, ok := l.scored[id]; ok {
				ms = append(ms, float64(at.Sub(l.put[id]).Microseconds())/1000)
			}
		}
		l.mu.Unlock()
		if len(ms) == len(ids) {
			return ms, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline:
			return nil, fmt.Errorf("%d of %d live calls scored after 5 minutes", len(ms), len(ids))
		case <-l.notify:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// removeBench removes the bench's bucket and Redis keys.
func removeBench(ctx context.Context, log *slog.Logger, mc *minio.Client, rdb *redis.Client, bucket, prefix string) {
	cleanBenchBucket(ctx, log, mc, bucket)
	cleanBenchKeys(ctx, log, rdb, prefix)
}
