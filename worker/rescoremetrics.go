package worker

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// rescoreMetrics are the metrics of rescoring jobs, in the worker's
// registry.
type rescoreMetrics struct {
	calls    *prometheus.CounterVec
	selected prometheus.Counter
	yields   prometheus.Counter
	jobs     *prometheus.GaugeVec
}

func newRescoreMetrics(reg *prometheus.Registry) *rescoreMetrics {
	m := &rescoreMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callqa_rescore_calls_total",
			Help: "Objects of rescoring jobs this worker finished, by result: changed, unchanged, created (had no score), failed."},
			[]string{"result"}),
		selected: prometheus.NewCounter(prometheus.CounterOpts{Name: "callqa_rescore_selected_total",
			Help: "Objects this worker selected for rescoring jobs and queued on their streams."}),
		yields: prometheus.NewCounter(prometheus.CounterOpts{Name: "callqa_rescore_yields_total",
			Help: "Times rescoring waited because live work was queued."}),
		jobs: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "callqa_rescore_jobs",
			Help: "Active rescoring jobs of this worker's bucket, by state: running (worked on here), paused, other_versions (aimed at versions this worker does not run)."},
			[]string{"state"}),
	}
	m.calls = register(reg, m.calls)
	m.selected = register(reg, m.selected)
	m.yields = register(reg, m.yields)
	m.jobs = register(reg, m.jobs)
	return m
}

// register registers c in reg, or returns the collector registered
// before under its name (a worker run twice).
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if old, ok := are.ExistingCollector.(C); ok {
				return old
			}
		}
		panic(err) // a name clash between the worker's own metrics: a bug
	}
	return c
}
