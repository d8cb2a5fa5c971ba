package worker

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// readyTimeout bounds the checks of one readiness request.
const readyTimeout = 2 * time.Second

// Handler serves the worker's operational endpoints:
//
//	/metrics  Prometheus metrics
//	/healthz  200 while the process runs (liveness)
//	/readyz   200 once the worker has set up its bucket and queue and while
//	          it reaches both Redis and MinIO; 503 with the reason otherwise
func (w *Worker) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(w.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(rw, "ok")
	})
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, r *http.Request) {
		if err := w.Ready(r.Context()); err != nil {
			http.Error(rw, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(rw, "ready")
	})
	return mux
}

// Ready reports why the worker cannot take work, or nil when it can.
func (w *Worker) Ready(ctx context.Context) error {
	if !w.ready.Load() {
		return fmt.Errorf("setting up or shutting down")
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := w.store.Client().Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	if _, err := w.minio.BucketExists(ctx, w.cfg.Bucket); err != nil {
		return fmt.Errorf("minio: %w", err)
	}
	return nil
}
