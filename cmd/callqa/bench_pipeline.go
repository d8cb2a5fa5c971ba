package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"callqa/store"
	"callqa/worker"
	"callqa/worker/workertest"
)

// benchOptions are the settings of `callqa bench-pipeline`.
type benchOptions struct {
	work    workOptions
	calls   int
	rounds  int
	keep    bool
	jsonOut bool
	timeout time.Duration
	cpuProf string
}

func newBenchPipelineCmd() *cobra.Command {
	o := &benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench-pipeline",
		Short: "Measure the pipeline: scored calls/s through the workers beside raw MinIO GETs/s",
		Long: `Measure the pipeline's throughput on a MinIO and a Redis of your own.

It loads the segmenter once, then runs --rounds rounds, each on --calls new
generated transcripts written into a new bucket (whose notification pushes
events to --minio-events-key):
  1. raw GETs: reads every object of the round with minio-go, --workers at
     a time;
  2. pipeline: starts a worker in this process with --workers scorers and
     times it until every call of the round is scored and stored: events
     moved into the stream, objects fetched, scored, stored with their
     aggregates, acknowledged; then stops it.
Pairing the two phases round by round keeps the ratio honest on a machine
whose speed drifts. It prints each round, the median rates and ratio, the
process's peak and current resident memory (the worker's: the bench itself
holds almost nothing) and the worker's Redis round trips per call.

Use servers no deployment is using: the bench's worker takes every event
off --minio-events-key and drops those of other buckets. Unless --keep, the
bucket and the bench's Redis keys are removed afterwards.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd); err != nil {
				return err
			}
			if o.calls < 1 {
				return fmt.Errorf("--calls %d: want at least 1", o.calls)
			}
			if o.rounds < 1 {
				return fmt.Errorf("--rounds %d: want at least 1", o.rounds)
			}
			return runBenchPipeline(cmd.Context(), cmd.OutOrStdout(), *o)
		},
	}
	fs := cmd.Flags()
	w := &o.work
	fs.StringVar(&w.redisURL, "redis-url", "redis://localhost:6379/0", "Redis for the queue and the scores")
	fs.StringVar(&w.minioEndpoint, "minio-endpoint", "localhost:9000", "MinIO server as host:port")
	fs.StringVar(&w.minioAccess, "minio-access-key", "", "MinIO access key (required)")
	fs.StringVar(&w.minioSecret, "minio-secret-key", "", "MinIO secret key (required)")
	fs.BoolVar(&w.minioSecure, "minio-secure", false, "use TLS to reach MinIO")
	fs.StringVar(&w.eventsKey, "minio-events-key", store.DefaultEventsKey, "Redis list MinIO's notification pushes events to")
	fs.StringVar(&w.lexiconDir, "lexicon-dir", "", "folder whose lexicon files replace the embedded ones")
	fs.IntVar(&w.workers, "workers", runtime.NumCPU(), "concurrency of both the raw GETs and the worker's scorers")
	fs.IntVar(&o.calls, "calls", 2000, "generated calls to write and score in each round")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of raw GETs then pipeline, each on new calls; the median ratio is reported")
	fs.BoolVar(&o.keep, "keep", false, "keep the bench's bucket and Redis keys")
	fs.BoolVar(&o.jsonOut, "json", false, "print the result as one JSON object")
	fs.StringVar(&o.cpuProf, "cpuprofile", "", "write a CPU profile of the pipeline phase to this file")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up when the pipeline has not scored every call by then")
	for _, f := range []struct{ flag, env string }{
		{"redis-url", "CALLQA_REDIS_URL"},
		{"minio-endpoint", "CALLQA_MINIO_ENDPOINT"},
		{"minio-access-key", "CALLQA_MINIO_ACCESS_KEY"},
		{"minio-secret-key", "CALLQA_MINIO_SECRET_KEY"},
		{"minio-secure", "CALLQA_MINIO_SECURE"},
		{"minio-events-key", "CALLQA_MINIO_EVENTS_KEY"},
		{"lexicon-dir", "CALLQA_LEXICON_DIR"},
		{"workers", "CALLQA_WORKERS"},
	} {
		withEnv(fs, f.flag, f.env)
	}
	return cmd
}

// round is one round's figures.
type round struct {
	RawGetsPerSec  float64 `json:"raw_gets_per_sec"`
	PipelinePerSec float64 `json:"pipeline_calls_per_sec"`
	Ratio          float64 `json:"pipeline_to_raw"`
}

// benchResult is what bench-pipeline measures; the rates are the medians
// over the rounds.
type benchResult struct {
	Calls            int     `json:"calls_per_round"`
	Rounds           []round `json:"rounds"`
	Workers          int     `json:"workers"`
	Bytes            int64   `json:"bytes"`
	RawGetsPerSec    float64 `json:"raw_gets_per_sec"`
	PipelinePerSec   float64 `json:"pipeline_calls_per_sec"`
	Ratio            float64 `json:"pipeline_to_raw"`
	RoundTripsPerCal float64 `json:"redis_round_trips_per_call"`
	ScoringMeanMS    float64 `json:"scoring_mean_ms"`
	PeakRSSBytes     int64   `json:"peak_rss_bytes"`
	RSSBytes         int64   `json:"rss_bytes"`
	SegmenterSeconds float64 `json:"segmenter_load_seconds"`
	GoVersion        string  `json:"go_version"`
	CPUs             int     `json:"cpus"`
}

func runBenchPipeline(ctx context.Context, out io.Writer, o benchOptions) error {
	w := o.work
	w.bucket = fmt.Sprintf("callqa-bench-%d", time.Now().UnixNano())
	w.keyPrefix = "callqa-bench:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
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
	benchRedis := redis.NewClient(c.redis)
	defer benchRedis.Close()
	if !o.keep {
		defer cleanBench(context.WithoutCancel(ctx), log, mc, benchRedis, w)
	}

	res := benchResult{Calls: o.calls, Workers: w.workers, GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
	loadStart := time.Now()
	engine, err := loadEngine(w.lexiconDir)
	if err != nil {
		return fmt.Errorf("--lexicon-dir %q: %w", w.lexiconDir, err)
	}
	res.SegmenterSeconds = time.Since(loadStart).Seconds()
	var trips, scoringSum float64
	for r := range o.rounds {
		// Write the round's calls; their events wait in Redis until the
		// worker runs.
		keys := make([]string, o.calls)
		var bytesTotal atomic.Int64
		if err := parallel(ctx, w.workers, o.calls, func(ctx context.Context, i int) error {
			key, data := workertest.Call(fmt.Sprintf("bench%d", r), i)
			keys[i] = key
			bytesTotal.Add(int64(len(data)))
			_, err := mc.PutObject(ctx, w.bucket, key, bytes.NewReader(data), int64(len(data)),
				minio.PutObjectOptions{ContentType: "application/json"})
			return err
		}); err != nil {
			return fmt.Errorf("write calls: %w", err)
		}
		res.Bytes = bytesTotal.Load()

		// 1. Raw GETs at the same concurrency.
		start := time.Now()
		if err := parallel(ctx, w.workers, o.calls, func(ctx context.Context, i int) error {
			obj, err := mc.GetObject(ctx, w.bucket, keys[i], minio.GetObjectOptions{})
			if err != nil {
				return err
			}
			defer obj.Close()
			_, err = io.Copy(io.Discard, obj)
			return err
		}); err != nil {
			return fmt.Errorf("raw GETs: %w", err)
		}
		raw := float64(o.calls) / time.Since(start).Seconds()

		// 2. The pipeline.
		secs, m, err := benchWorker(ctx, o, w, c.redis, mc, engine, log)
		if err != nil {
			return err
		}
		pipe := float64(o.calls) / secs
		res.Rounds = append(res.Rounds, round{RawGetsPerSec: raw, PipelinePerSec: pipe, Ratio: pipe / raw})
		n, err := counterSum(m.Registry(), "callqa_redis_round_trips_total")
		if err != nil {
			return err
		}
		trips += n
		mean, err := histogramMean(m.Registry(), "callqa_scoring_seconds")
		if err != nil {
			return err
		}
		scoringSum += mean
	}
	res.RawGetsPerSec = roundMedian(res.Rounds, func(r round) float64 { return r.RawGetsPerSec })
	res.PipelinePerSec = roundMedian(res.Rounds, func(r round) float64 { return r.PipelinePerSec })
	res.Ratio = roundMedian(res.Rounds, func(r round) float64 { return r.Ratio })
	res.RoundTripsPerCal = trips / float64(o.calls*o.rounds)
	res.ScoringMeanMS = scoringSum / float64(o.rounds) * 1000
	res.PeakRSSBytes, res.RSSBytes = procMemory()

	if o.jsonOut {
		return json.NewEncoder(out).Encode(res)
	}
	fmt.Fprintf(out, "%d rounds of %d calls (%d bytes), concurrency %d, %d CPUs, %s\n",
		len(res.Rounds), res.Calls, res.Bytes, res.Workers, res.CPUs, res.GoVersion)
	for i, r := range res.Rounds {
		fmt.Fprintf(out, "round %d: raw GETs %8.1f /s, pipeline %8.1f calls/s, ratio %.2f\n", i+1, r.RawGetsPerSec, r.PipelinePerSec, r.Ratio)
	}
	fmt.Fprintf(out, "raw minio-go GETs     %8.1f /s  (median)\n", res.RawGetsPerSec)
	fmt.Fprintf(out, "pipeline scored calls %8.1f /s  (median)\n", res.PipelinePerSec)
	fmt.Fprintf(out, "pipeline / raw GETs   %8.2f     (median of the rounds' ratios)\n", res.Ratio)
	fmt.Fprintf(out, "redis round trips     %8.2f per call\n", res.RoundTripsPerCal)
	fmt.Fprintf(out, "scoring               %8.2f ms per call (mean, decode and score)\n", res.ScoringMeanMS)
	fmt.Fprintf(out, "worker RSS            %8.1f MiB peak, %.1f MiB at the end (segmenter loaded in %.1f s)\n",
		float64(res.PeakRSSBytes)/(1<<20), float64(res.RSSBytes)/(1<<20), res.SegmenterSeconds)
	return nil
}

// benchWorker runs a worker until it has scored o.calls calls and returns
// how long that took and the worker's metrics.
func benchWorker(ctx context.Context, o benchOptions, w workOptions, ropts *redis.Options,
	mc *minio.Client, sc worker.Scorer, log *slog.Logger) (float64, *worker.Metrics, error) {
	// A client of its own, so that the round trips counted are this
	// worker's.
	rdb := redis.NewClient(ropts)
	defer rdb.Close()
	st := store.New(rdb, store.Options{Prefix: w.keyPrefix})
	q := st.Queue(store.QueueOptions{EventsKey: w.eventsKey, Bucket: w.bucket})
	wk, err := worker.New(worker.Config{Bucket: w.bucket, Workers: w.workers, ClaimAfter: w.claimAfter,
		ScanEvery: w.scanEvery, ShutdownGrace: w.grace, Logger: log}, st, q, mc, sc)
	if err != nil {
		return 0, nil, err
	}
	rdb.AddHook(wk.Metrics().RedisHook())
	if o.cpuProf != "" {
		f, err := os.Create(o.cpuProf)
		if err != nil {
			return 0, nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return 0, nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- wk.Run(runCtx) }()
	deadline := time.After(o.timeout)
	for {
		n, err := counterSum(wk.Metrics().Registry(), "callqa_scored_total", "callqa_dead_letters_total")
		if err != nil {
			return 0, nil, err
		}
		if n >= float64(o.calls) {
			break
		}
		select {
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-deadline:
			return 0, nil, fmt.Errorf("the pipeline scored %.0f of %d calls in --timeout %v", n, o.calls, o.timeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
	secs := time.Since(start).Seconds()
	stop()
	if err := <-done; err != nil {
		return 0, nil, err
	}
	dead, err := counterSum(wk.Metrics().Registry(), "callqa_dead_letters_total")
	if err != nil {
		return 0, nil, err
	}
	if dead > 0 {
		return 0, nil, fmt.Errorf("%.0f generated calls were dead-lettered; the figures are void", dead)
	}
	return secs, wk.Metrics(), nil
}

// roundMedian returns the median of f over rounds.
func roundMedian(rounds []round, f func(round) float64) float64 {
	v := make([]float64, len(rounds))
	for i, r := range rounds {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// parallel runs f for 0..n-1 with at most conc at once and returns the
// first error.
func parallel(ctx context.Context, conc, n int, f func(context.Context, int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for i := range n {
		g.Go(func() error { return f(ctx, i) })
	}
	return g.Wait()
}

// counterSum adds up every series of the named counters in reg.
func counterSum(reg *prometheus.Registry, names ...string) (float64, error) {
	mfs, err := reg.Gather()
	if err != nil {
		return 0, fmt.Errorf("read metrics: %w", err)
	}
	var sum float64
	for _, mf := range mfs {
		for _, name := range names {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum, nil
}

// histogramMean returns the mean of the named histogram in reg.
func histogramMean(reg *prometheus.Registry, name string) (float64, error) {
	mfs, err := reg.Gather()
	if err != nil {
		return 0, fmt.Errorf("read metrics: %w", err)
	}
	var sum float64
	var count uint64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetHistogram().GetSampleSum()
			count += m.GetHistogram().GetSampleCount()
		}
	}
	if count == 0 {
		return 0, nil
	}
	return sum / float64(count), nil
}

// procMemory returns this process's peak and current resident set size
// from /proc (Linux); zeros elsewhere.
func procMemory() (peak, current int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmHWM":
			peak = kb << 10
		case "VmRSS":
			current = kb << 10
		}
	}
	return peak, current
}

// cleanBench removes the bench's bucket and Redis keys.
func cleanBench(ctx context.Context, log *slog.Logger, mc *minio.Client, rdb *redis.Client, w workOptions) {
	objs := mc.ListObjects(ctx, w.bucket, minio.ListObjectsOptions{Recursive: true})
	for e := range mc.RemoveObjects(ctx, w.bucket, objs, minio.RemoveObjectsOptions{}) {
		log.Warn("remove bench object", slog.String("object", e.ObjectName), slog.Any("err", e.Err))
	}
	if err := mc.RemoveBucket(ctx, w.bucket); err != nil {
		log.Warn("remove bench bucket", slog.String("bucket", w.bucket), slog.Any("err", err))
	}
	iter := rdb.Scan(ctx, 0, w.keyPrefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			rdb.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Unlink(ctx, batch...)
	}
	if err := iter.Err(); err != nil {
		log.Warn("remove bench keys", slog.Any("err", err))
	}
}
