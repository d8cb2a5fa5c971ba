package worker

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
)

// Metrics are a worker's Prometheus metrics, in a registry of their own
// that also holds the Go runtime and process collectors.
type Metrics struct {
	reg *prometheus.Registry

	scored      *prometheus.CounterVec
	failed      *prometheus.CounterVec
	dead        *prometheus.CounterVec
	skipped     *prometheus.CounterVec
	events      *prometheus.CounterVec
	sidecars    *prometheus.CounterVec
	requeued    *prometheus.CounterVec
	waits       prometheus.Counter
	removed     prometheus.Counter
	claimed     prometheus.Counter
	scans       prometheus.Counter
	scanQueued  prometheus.Counter
	roundTrips  prometheus.Counter
	scoring     prometheus.Histogram
	endToEnd    *prometheus.HistogramVec
	commitBatch prometheus.Histogram
	depth       prometheus.Gauge
	pending     prometheus.Gauge
	backlog     prometheus.Gauge
	deadLen     prometheus.Gauge
	waiting     prometheus.Gauge
}

func newMetrics(w *Worker) *Metrics {
	reg := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{
		reg: reg,
		scored: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callqa_scored_total",
			Help: "Calls scored and stored, by store outcome (created, replaced, stale)."}, []string{"outcome"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callqa_failed_total",
			Help: "Transient failures (MinIO, Redis), each retried, by stage."}, []string{"stage"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callqa_dead_letters_total",
			Help: "Messages and events moved to the dead-letter stream, by reason."}, []string{"reason"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callqa_skipped_total",
			Help: "Messages acknowledged without scoring, by why: gone (the object was deleted), not_a_call (no part of a call by its name)."}, []string{"why"}),
		sidecars: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callqa_sidecars_total",
			Help: "Messages of sidecars (CDRs, metadata), by result: attached (new or changed), unchanged, removed."}, []string{"result"}),
		requeued: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callqa_requeued_total",
			Help: "Transcripts queued again, by why: sidecar (a sidecar of the call arrived, changed or went), changed (the call's objects changed while it was processed), wait_ended (its wait for a sidecar ended)."}, []string{"why"}),
		waits: prometheus.NewCounter(prometheus.CounterOpts{Name: "callqa_sidecar_waits_total",
			Help: "Transcripts found lacking what only a sidecar can give (unit, agent, start), set to wait for it."}),
		removed: prometheus.NewCounter(prometheus.CounterOpts{Name: "callqa_removed_total",
			Help: "Scores removed with their contribution to the aggregates because their object was deleted."}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callqa_events_total",
			Help: "Records of MinIO events moved into the work stream, by result."}, []string{"result"}),
		claimed: prometheus.NewCounter(prometheus.CounterOpts{Name: "callqa_claimed_total",
			Help: "Messages claimed from other consumers after the visibility timeout."}),
		scans: prometheus.NewCounter(prometheus.CounterOpts{Name: "callqa_reconcile_scans_total",
			Help: "Completed reconciling scans of the bucket."}),
		scanQueued: prometheus.NewCounter(prometheus.CounterOpts{Name: "callqa_reconcile_queued_total",
			Help: "Objects queued by reconciling scans (their events were missed)."}),
		roundTrips: prometheus.NewCounter(prometheus.CounterOpts{Name: "callqa_redis_round_trips_total",
			Help: "Round trips to Redis: one per command or pipeline."}),
		scoring: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "callqa_scoring_seconds",
			Help:    "Time to decode and score one transcript.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		endToEnd: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "callqa_end_to_end_seconds",
			Help:    "From the object's last-modified time (1 s resolution) to its score being stored, by message source.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 16)}, []string{"source"}),
		commitBatch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "callqa_commit_batch_messages",
			Help:    "Messages committed together: their scores stored in one Redis round trip and their messages settled in another.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64}}),
		depth: prometheus.NewGauge(prometheus.GaugeOpts{Name: "callqa_queue_depth",
			Help: "Messages in the work stream, delivered or not."}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "callqa_queue_pending",
			Help: "Messages delivered to a worker and not yet acknowledged."}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "callqa_events_backlog",
			Help: "MinIO events waiting in the Redis list to be moved into the work stream."}),
		deadLen: prometheus.NewGauge(prometheus.GaugeOpts{Name: "callqa_dead_letters",
			Help: "Entries in the dead-letter stream."}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{Name: "callqa_sidecar_waiting",
			Help: "Transcripts waiting for a sidecar."}),
	}
	for _, c := range []prometheus.Collector{m.scored, m.failed, m.dead, m.skipped, m.events, m.sidecars, m.requeued,
		m.waits, m.removed, m.claimed, m.scans, m.scanQueued, m.roundTrips, m.scoring, m.endToEnd, m.commitBatch,
		m.depth, m.pending, m.backlog, m.deadLen, m.waiting,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		f(c)
	}
	return m
}

// Registry returns the registry holding the metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// RedisHook returns a go-redis hook that counts round trips in
// callqa_redis_round_trips_total; add it to the worker's Redis client.
func (m *Metrics) RedisHook() redis.Hook { return roundTripHook{m.roundTrips} }

type roundTripHook struct{ c prometheus.Counter }

func (h roundTripHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h roundTripHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.c.Inc()
		return next(ctx, cmd)
	}
}

func (h roundTripHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.c.Inc()
		return next(ctx, cmds)
	}
}

// statsLoop refreshes the queue gauges every Config.StatsEvery.
func (w *Worker) statsLoop(ctx context.Context) {
	for {
		st, err := w.queue.Stats(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.metrics.failed.WithLabelValues("stats").Inc()
			w.log.Debug("reading queue stats failed", slog.Any("err", err))
		} else {
			w.metrics.depth.Set(float64(st.Depth))
			w.metrics.pending.Set(float64(st.Pending))
			w.metrics.backlog.Set(float64(st.Events))
			w.metrics.deadLen.Set(float64(st.Dead))
			w.metrics.waiting.Set(float64(st.Waiting))
		}
		if !sleep(ctx, w.cfg.StatsEvery) {
			return
		}
	}
}
