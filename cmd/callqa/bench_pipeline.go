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
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"callqa/callgen"
	"callqa/store"
	"callqa/worker"
)

// benchOptions are the settings of `callqa bench-pipeline`.
type benchOptions struct {
	work     workOptions
	calls    int
	rounds   int
	seed     uint64
	keep     bool
	jsonOut  bool
	timeout  time.Duration
	cpuProf  string
	memProf  string
	traceOut string
	minioPID int
}

func newBenchPipelineCmd() *cobra.Command {
	o := &benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench-pipeline",
		Short: "Measure the pipeline: scored calls/s through the workers beside raw MinIO GETs/s",
		Long: `Measure the pipeline's throughput on a MinIO and a Redis of your own.

It loads the segmenter once, then runs --rounds rounds, each on --calls new
calls made by callgen (realistic power-supply and district-heating calls,
seed --seed) and written as transcript JSON into a new bucket whose
notification pushes events to --minio-events-key:
  1. raw GETs: reads every object of the round with minio-go, --workers at
     a time;
  2. pipeline: starts a worker in this process with --workers fetchers and
     scorers and times it, from its start until every call of the round is
     scored and stored: events moved into the stream, objects fetched,
     scored, stored with their aggregates, acknowledged; then stops it. The
     worker's reconciling scan is off (every object arrives as an event).
Pairing the two phases round by round keeps the ratio honest on a machine
whose speed drifts. It prints each round, the median rates and ratio, the
process's peak and current resident memory (the worker's: the bench itself
holds almost nothing), the worker's Redis round trips per call, and the CPU
time each phase took per call: this process (the minio-go client in phase
1, the worker in phase 2), Redis (INFO cpu), MinIO (given --minio-pid, on
this machine), the kernel's interrupt handling, other processes, and idle.

Use servers no deployment is using: the bench's worker takes every event
off --minio-events-key and drops those of other buckets. Unless --keep, the
buckets and the bench's Redis keys are removed afterwards.`,
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
	addMinIOFlags(fs, w)
	fs.StringVar(&w.eventsKey, "minio-events-key", store.DefaultEventsKey, "Redis list MinIO's notification pushes events to")
	fs.StringVar(&w.lexiconDir, "lexicon-dir", "", "folder whose lexicon files replace the embedded ones")
	fs.IntVar(&w.workers, "workers", runtime.NumCPU(), "concurrency of both the raw GETs and the worker's fetchers and scorers")
	fs.IntVar(&o.calls, "calls", 2000, "generated calls to write and score in each round")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of raw GETs then pipeline, each on new calls; the median ratio is reported")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the generated calls (callqa gen's generator)")
	fs.BoolVar(&o.keep, "keep", false, "keep the bench's buckets and Redis keys")
	fs.BoolVar(&o.jsonOut, "json", false, "print the result as one JSON object")
	fs.StringVar(&o.cpuProf, "cpuprofile", "", "write a CPU profile of the pipeline phases to this file")
	fs.StringVar(&o.memProf, "memprofile", "", "write an allocation profile of the last pipeline phase to this file, and one of everything before it to FILE.base (go tool pprof -sample_index=alloc_space -base FILE.base BINARY FILE)")
	fs.StringVar(&o.traceOut, "trace", "", "write a runtime execution trace of the last pipeline phase to this file")
	fs.IntVar(&o.minioPID, "minio-pid", 0, "process id of the MinIO server, when it runs on this machine, to report its CPU time per phase (Linux)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up when the pipeline has not scored every call by then")
	withSharedEnv(fs)
	return cmd
}

// round is one round's figures.
type round struct {
	RawGetsPerSec  float64 `json:"raw_gets_per_sec"`
	PipelinePerSec float64 `json:"pipeline_calls_per_sec"`
	Ratio          float64 `json:"pipeline_to_raw"`
	// StartupSeconds is the time from the worker's start to its first
	// stored score (part of the pipeline's time).
	StartupSeconds float64 `json:"startup_seconds"`
	RawCPU         cpuUse  `json:"raw_cpu_ms_per_call"`
	PipelineCPU    cpuUse  `json:"pipeline_cpu_ms_per_call"`
}

// cpuUse is CPU time per call of one phase, in milliseconds, by whom.
type cpuUse struct {
	// Process is this process: the minio-go client of the raw GETs, or
	// the worker.
	Process float64 `json:"process"`
	Redis   float64 `json:"redis"`
	// MinIO is 0 unless --minio-pid names its process.
	MinIO float64 `json:"minio"`
	// IRQ is the kernel's interrupt handling (softirq: the loopback
	// network), which no process is charged for.
	IRQ float64 `json:"irq"`
	// Other is what other processes of the machine used (with MinIO's
	// share when its pid is not known).
	Other float64 `json:"other"`
	// Idle is CPU time nobody used; Wall the phase's time per call.
	Idle float64 `json:"idle"`
	Wall float64 `json:"wall"`
}

// benchResult is what bench-pipeline measures; the rates are the medians
// over the rounds.
type benchResult struct {
	Calls            int     `json:"calls_per_round"`
	Seed             uint64  `json:"seed"`
	Rounds           []round `json:"rounds"`
	Workers          int     `json:"workers"`
	Bytes            int64   `json:"bytes_per_round"`
	RawGetsPerSec    float64 `json:"raw_gets_per_sec"`
	PipelinePerSec   float64 `json:"pipeline_calls_per_sec"`
	Ratio            float64 `json:"pipeline_to_raw"`
	RoundTripsPerCal float64 `json:"redis_round_trips_per_call"`
	CommitBatchMean  float64 `json:"commit_batch_mean"`
	ScoringMeanMS    float64 `json:"scoring_mean_ms"`
	RawCPU           cpuUse  `json:"raw_cpu_ms_per_call"`
	PipelineCPU      cpuUse  `json:"pipeline_cpu_ms_per_call"`
	PeakRSSBytes     int64   `json:"peak_rss_bytes"`
	RSSBytes         int64   `json:"rss_bytes"`
	SegmenterSeconds float64 `json:"segmenter_load_seconds"`
	GoVersion        string  `json:"go_version"`
	CPUs             int     `json:"cpus"`
}

func runBenchPipeline(ctx context.Context, out io.Writer, o benchOptions) error {
	w := o.work
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	w.bucket = "callqa-bench-" + run
	w.keyPrefix = "callqa-bench:" + run + ":"
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
	benchRedis := redis.NewClient(c.redis)
	defer benchRedis.Close()
	if !o.keep {
		defer cleanBenchKeys(context.WithoutCancel(ctx), log, benchRedis, w.keyPrefix)
	}

	res := benchResult{Calls: o.calls, Seed: o.seed, Workers: w.workers, GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
	loadStart := time.Now()
	engine, err := loadEngine(w.lexiconDir)
	if err != nil {
		return fmt.Errorf("--lexicon-dir %q: %w", w.lexiconDir, err)
	}
	res.SegmenterSeconds = time.Since(loadStart).Seconds()
	gen, err := callgen.New(callgen.Options{Seed: o.seed, Lexicon: engine.Lexicon(), IDPrefix: "b" + run + "-"})
	if err != nil {
		return err
	}
	prof := &benchProfiles{o: o}
	defer prof.stop()
	if err := prof.startCPU(); err != nil {
		return err
	}

	var trips, batches, batchSum, scoringSum float64
	for r := range o.rounds {
		// Each round has a bucket of its own, whose calls' events wait in
		// Redis until the worker runs.
		bucket := fmt.Sprintf("%s-%d", w.bucket, r)
		keys, size, err := writeBenchCalls(ctx, mc, bucket, gen, r*o.calls, o.calls, w.workers)
		if !o.keep {
			defer cleanBenchBucket(context.WithoutCancel(ctx), log, mc, bucket)
		}
		if err != nil {
			return err
		}
		res.Bytes = size

		// 1. Raw GETs at the same concurrency.
		before := sampleCPU(ctx, benchRedis, o.minioPID)
		start := time.Now()
		if err := parallel(ctx, w.workers, o.calls, func(ctx context.Context, i int) error {
			obj, err := mc.GetObject(ctx, bucket, keys[i], minio.GetObjectOptions{})
			if err != nil {
				return err
			}
			defer obj.Close()
			_, err = io.Copy(io.Discard, obj)
			return err
		}); err != nil {
			return fmt.Errorf("raw GETs: %w", err)
		}
		rawSecs := time.Since(start).Seconds()
		after := sampleCPU(ctx, benchRedis, o.minioPID)
		rawCPU := after.since(before).perCall(o.calls)

		// 2. The pipeline.
		last := r == o.rounds-1
		wo := w
		wo.bucket = bucket
		pr, err := benchWorker(ctx, o, wo, c.redis, benchRedis, mc, engine, log, prof, last)
		if err != nil {
			return err
		}
		pipeCPU := pr.cpu.since(after).perCall(o.calls)
		raw, pipe := float64(o.calls)/rawSecs, float64(o.calls)/pr.secs
		res.Rounds = append(res.Rounds, round{RawGetsPerSec: raw, PipelinePerSec: pipe, Ratio: pipe / raw,
			StartupSeconds: pr.startup, RawCPU: rawCPU, PipelineCPU: pipeCPU})
		m := pr.metrics.Registry()
		n, err := counterSum(m, "callqa_redis_round_trips_total")
		if err != nil {
			return err
		}
		trips += n
		count, sum, err := histogram(m, "callqa_commit_batch_messages")
		if err != nil {
			return err
		}
		batches, batchSum = batches+count, batchSum+sum
		count, sum, err = histogram(m, "callqa_scoring_seconds")
		if err != nil {
			return err
		}
		if count > 0 {
			scoringSum += sum / count
		}
		if !o.jsonOut {
			fmt.Fprintf(out, "round %d: raw GETs %7.1f /s, pipeline %7.1f calls/s (first score after %.2f s), ratio %.2f\n",
				r+1, raw, pipe, pr.startup, pipe/raw)
		}
	}
	prof.stop()
	res.RawGetsPerSec = roundMedian(res.Rounds, func(r round) float64 { return r.RawGetsPerSec })
	res.PipelinePerSec = roundMedian(res.Rounds, func(r round) float64 { return r.PipelinePerSec })
	res.Ratio = roundMedian(res.Rounds, func(r round) float64 { return r.Ratio })
	res.RawCPU = medianCPU(res.Rounds, func(r round) cpuUse { return r.RawCPU })
	res.PipelineCPU = medianCPU(res.Rounds, func(r round) cpuUse { return r.PipelineCPU })
	res.RoundTripsPerCal = trips / float64(o.calls*o.rounds)
	if batches > 0 {
		res.CommitBatchMean = batchSum / batches
	}
	res.ScoringMeanMS = scoringSum / float64(o.rounds) * 1000
	res.PeakRSSBytes, res.RSSBytes = procMemory()

	if o.jsonOut {
		return json.NewEncoder(out).Encode(res)
	}
	fmt.Fprintf(out, "%d rounds of %d calls (%.0f bytes per call, seed %d), concurrency %d, %d CPUs, %s\n",
		len(res.Rounds), res.Calls, float64(res.Bytes)/float64(res.Calls), res.Seed, res.Workers, res.CPUs, res.GoVersion)
	fmt.Fprintf(out, "raw minio-go GETs       %8.1f /s  (median)\n", res.RawGetsPerSec)
	fmt.Fprintf(out, "pipeline scored calls   %8.1f /s  (median)\n", res.PipelinePerSec)
	fmt.Fprintf(out, "pipeline / raw GETs     %8.2f     (median of the rounds' ratios)\n", res.Ratio)
	fmt.Fprintf(out, "redis round trips       %8.2f per call (%.1f calls per commit batch)\n", res.RoundTripsPerCal, res.CommitBatchMean)
	fmt.Fprintf(out, "scoring                 %8.2f ms per call (mean, decode and score)\n", res.ScoringMeanMS)
	fmt.Fprintf(out, "worker RSS              %8.1f MiB peak, %.1f MiB at the end (segmenter loaded in %.1f s)\n",
		float64(res.PeakRSSBytes)/(1<<20), float64(res.RSSBytes)/(1<<20), res.SegmenterSeconds)
	fmt.Fprintf(out, "CPU ms per call (medians)  process  redis  minio    irq  other   idle   wall\n")
	for _, p := range []struct {
		name string
		u    cpuUse
	}{{"raw GETs", res.RawCPU}, {"pipeline", res.PipelineCPU}} {
		fmt.Fprintf(out, "  %-24s %7.3f %6.3f %6.3f %6.3f %6.3f %6.3f %6.3f\n", p.name,
			p.u.Process, p.u.Redis, p.u.MinIO, p.u.IRQ, p.u.Other, p.u.Idle, p.u.Wall)
	}
	return nil
}

// writeBenchCalls creates bucket with its notification and writes calls
// first..first+n-1 of gen into it as compact transcript JSON, conc at a
// time. It returns their keys and their total size.
func writeBenchCalls(ctx context.Context, mc *minio.Client, bucket string, gen *callgen.Generator, first, n, conc int) ([]string, int64, error) {
	if err := worker.EnsureBucket(ctx, mc, bucket); err != nil {
		return nil, 0, err
	}
	if err := worker.EnsureNotification(ctx, mc, bucket); err != nil {
		return nil, 0, fmt.Errorf("the bench needs MinIO's Redis notification target: %w", err)
	}
	keys := make([]string, n)
	var size atomic.Int64
	err := parallel(ctx, conc, n, func(ctx context.Context, i int) error {
		t := gen.Call(first + i)
		data, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encode call %d: %w", first+i, err)
		}
		keys[i] = "calls/" + t.StartedAt.Format("2006/01/02") + "/" + t.CallID + ".json"
		size.Add(int64(len(data)))
		_, err = mc.PutObject(ctx, bucket, keys[i], bytes.NewReader(data), int64(len(data)),
			minio.PutObjectOptions{ContentType: "application/json"})
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("write calls: %w", err)
	}
	return keys, size.Load(), nil
}

// pipelineRun is what one pipeline phase measured.
type pipelineRun struct {
	secs, startup float64
	cpu           cpuSample
	metrics       *worker.Metrics
}

// benchWorker runs a worker on w.bucket until it has scored o.calls calls
// and returns how long that took, how long until its first score, and
// the worker's metrics.
func benchWorker(ctx context.Context, o benchOptions, w workOptions, ropts *redis.Options, cpuRedis *redis.Client,
	mc *minio.Client, sc worker.Scorer, log *slog.Logger, prof *benchProfiles, last bool) (pipelineRun, error) {
	// A client of its own, so that the round trips counted are this
	// worker's.
	rdb := redis.NewClient(ropts)
	defer rdb.Close()
	st := store.New(rdb, store.Options{Prefix: w.keyPrefix})
	q := st.Queue(store.QueueOptions{EventsKey: w.eventsKey, Bucket: w.bucket})
	wk, err := worker.New(worker.Config{Bucket: w.bucket, Workers: w.workers, ClaimAfter: w.claimAfter,
		ScanEvery: w.scanEvery, NoScan: true, ShutdownGrace: w.grace, Logger: log}, st, q, mc, sc)
	if err != nil {
		return pipelineRun{}, err
	}
	rdb.AddHook(wk.Metrics().RedisHook())
	if last {
		if err := prof.startLast(); err != nil {
			return pipelineRun{}, err
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- wk.Run(runCtx) }()
	deadline := time.After(o.timeout)
	var res pipelineRun
	for {
		n, err := counterSum(wk.Metrics().Registry(), "callqa_scored_total", "callqa_dead_letters_total")
		if err != nil {
			return res, err
		}
		if n > 0 && res.startup == 0 {
			res.startup = time.Since(start).Seconds()
		}
		if n >= float64(o.calls) {
			break
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-deadline:
			return res, fmt.Errorf("the pipeline scored %.0f of %d calls in --timeout %v", n, o.calls, o.timeout)
		case <-time.After(10 * time.Millisecond):
			// Reading the metrics costs the worker's process; 10 ms
			// apart it is a fraction of a percent of a phase.
		}
	}
	res.secs = time.Since(start).Seconds()
	// The CPU of the phase ends here, before the worker's shutdown (which
	// waits for its blocking reads to return).
	res.cpu = sampleCPU(ctx, cpuRedis, o.minioPID)
	if last {
		if err := prof.stopLast(); err != nil {
			return res, err
		}
	}
	stop()
	if err := <-done; err != nil {
		return res, err
	}
	dead, err := counterSum(wk.Metrics().Registry(), "callqa_dead_letters_total")
	if err != nil {
		return res, err
	}
	if dead > 0 {
		return res, fmt.Errorf("%.0f generated calls were dead-lettered; the figures are void", dead)
	}
	res.metrics = wk.Metrics()
	return res, nil
}

// benchProfiles writes the profiles the flags ask for: CPU over every
// pipeline phase (the raw phases are in it too, under the bench's own
// functions), allocations and an execution trace of the last one.
type benchProfiles struct {
	o       benchOptions
	cpu     *os.File
	tracing *os.File
}

func (p *benchProfiles) startCPU() error {
	if p.o.cpuProf == "" {
		return nil
	}
	f, err := os.Create(p.o.cpuProf)
	if err != nil {
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	p.cpu = f
	return nil
}

func (p *benchProfiles) startLast() error {
	if p.o.memProf != "" {
		if err := writeAllocs(p.o.memProf + ".base"); err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
	}
	if p.o.traceOut != "" {
		f, err := os.Create(p.o.traceOut)
		if err != nil {
			return fmt.Errorf("--trace: %w", err)
		}
		if err := trace.Start(f); err != nil {
			f.Close()
			return fmt.Errorf("--trace: %w", err)
		}
		p.tracing = f
	}
	return nil
}

func (p *benchProfiles) stopLast() error {
	if p.tracing != nil {
		trace.Stop()
		p.tracing.Close()
		p.tracing = nil
	}
	if p.o.memProf != "" {
		if err := writeAllocs(p.o.memProf); err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
	}
	return nil
}

func (p *benchProfiles) stop() {
	if p.tracing != nil {
		trace.Stop()
		p.tracing.Close()
		p.tracing = nil
	}
	if p.cpu != nil {
		pprof.StopCPUProfile()
		p.cpu.Close()
		p.cpu = nil
	}
}

func writeAllocs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("allocs").WriteTo(f, 0)
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

// medianCPU returns the median of each figure of f over rounds.
func medianCPU(rounds []round, f func(round) cpuUse) cpuUse {
	med := func(g func(cpuUse) float64) float64 {
		return roundMedian(rounds, func(r round) float64 { return g(f(r)) })
	}
	return cpuUse{
		Process: med(func(u cpuUse) float64 { return u.Process }),
		Redis:   med(func(u cpuUse) float64 { return u.Redis }),
		MinIO:   med(func(u cpuUse) float64 { return u.MinIO }),
		IRQ:     med(func(u cpuUse) float64 { return u.IRQ }),
		Other:   med(func(u cpuUse) float64 { return u.Other }),
		Idle:    med(func(u cpuUse) float64 { return u.Idle }),
		Wall:    med(func(u cpuUse) float64 { return u.Wall }),
	}
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

// histogram returns the sample count and sum of the named histogram in reg.
func histogram(reg *prometheus.Registry, name string) (count, sum float64, err error) {
	mfs, err := reg.Gather()
	if err != nil {
		return 0, 0, fmt.Errorf("read metrics: %w", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetHistogram().GetSampleSum()
			count += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return count, sum, nil
}

// cpuSample is CPU time used so far, in seconds: by this process, by
// Redis (its INFO), by MinIO (when its pid is known), and by the whole
// machine (from /proc/stat: busy, interrupts, all).
type cpuSample struct {
	self, redis, minio, busy, irq, total float64
	at                                   time.Time
}

func (a cpuSample) since(b cpuSample) cpuSample {
	return cpuSample{self: a.self - b.self, redis: a.redis - b.redis, minio: a.minio - b.minio,
		busy: a.busy - b.busy, irq: a.irq - b.irq, total: a.total - b.total,
		at: time.Unix(0, 0).Add(a.at.Sub(b.at))}
}

// perCall turns a difference of samples into milliseconds per call.
func (a cpuSample) perCall(calls int) cpuUse {
	ms := func(s float64) float64 { return s * 1000 / float64(calls) }
	return cpuUse{
		Process: ms(a.self), Redis: ms(a.redis), MinIO: ms(a.minio), IRQ: ms(a.irq),
		Other: ms(a.busy - a.self - a.redis - a.minio - a.irq), Idle: ms(a.total - a.busy),
		Wall: ms(a.at.Sub(time.Unix(0, 0)).Seconds()),
	}
}

// clockTicks is USER_HZ, the unit of /proc's CPU times on Linux.
const clockTicks = 100

func sampleCPU(ctx context.Context, rdb *redis.Client, minioPID int) cpuSample {
	s := cpuSample{at: time.Now()}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	if info, err := rdb.Info(ctx, "cpu").Result(); err == nil {
		for _, line := range strings.Split(info, "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
			if ok && (k == "used_cpu_sys" || k == "used_cpu_user") {
				f, _ := strconv.ParseFloat(v, 64)
				s.redis += f
			}
		}
	}
	if minioPID > 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", minioPID)); err == nil {
			// Fields after the command name (which may hold spaces):
			// state is the first, utime the 12th and stime the 13th.
			if i := bytes.LastIndexByte(b, ')'); i >= 0 {
				f := strings.Fields(string(b[i+1:]))
				if len(f) > 12 {
					u, _ := strconv.ParseFloat(f[11], 64)
					st, _ := strconv.ParseFloat(f[12], 64)
					s.minio = (u + st) / clockTicks
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		// cpu  user nice system idle iowait irq softirq steal guest guest_nice
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		for i, v := range f[1:min(len(f), 9)] {
			x, _ := strconv.ParseFloat(v, 64)
			x /= clockTicks
			s.total += x
			switch i {
			case 3, 4: // idle, iowait
			case 5, 6: // irq, softirq
				s.busy += x
				s.irq += x
			default:
				s.busy += x
			}
		}
	}
	return s
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

// cleanBenchBucket removes a bench bucket. It unsubscribes the bucket
// first: its removals would otherwise push an event each onto the events
// list, for the next run's worker to wade through.
func cleanBenchBucket(ctx context.Context, log *slog.Logger, mc *minio.Client, bucket string) {
	if err := mc.RemoveAllBucketNotification(ctx, bucket); err != nil {
		log.Warn("remove bench bucket notification", slog.String("bucket", bucket), slog.Any("err", err))
	}
	objs := mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true})
	for e := range mc.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		log.Warn("remove bench object", slog.String("object", e.ObjectName), slog.Any("err", e.Err))
	}
	if err := mc.RemoveBucket(ctx, bucket); err != nil {
		log.Warn("remove bench bucket", slog.String("bucket", bucket), slog.Any("err", err))
	}
}

// cleanBenchKeys removes the bench's Redis keys.
func cleanBenchKeys(ctx context.Context, log *slog.Logger, rdb *redis.Client, prefix string) {
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
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
