package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/minio/minio-go/v7"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"callqa/lexicon"
	"callqa/store"
)

// Config configures a Server. Store, Queue, MinIO, Bucket, Lexicon and
// Tokens are required.
type Config struct {
	// Store holds the scores; Queue is the work queue of Bucket, into
	// which uploaded transcripts are queued for the workers.
	Store *store.Store
	Queue *store.Queue
	// MinIO holds Bucket, the bucket the workers score.
	MinIO  *minio.Client
	Bucket string
	// Lexicon is the running lexicon: units are checked against it, and
	// its rules and schemes are served.
	Lexicon *lexicon.Lexicon
	Tokens  *Tokens
	// Zone is the time zone of the default report period (the last 30
	// days up to today); UTC+8 when nil.
	Zone *time.Location
	// QueuedHold is how long an uploaded object's queued message keeps
	// events and scans of the same version out (the workers' setting); an
	// hour when zero.
	QueuedHold time.Duration
	// Logger receives request logs; slog.Default() when nil.
	Logger *slog.Logger
}

// Server is the callqa HTTP API.
type Server struct {
	cfg     Config
	log     *slog.Logger
	st      *store.Store
	tokens  *Tokens
	lex     *lexicon.Lexicon
	masker  *Masker
	metrics *metrics
	hub     *hub
	engine  *gin.Engine
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Queue == nil || cfg.MinIO == nil || cfg.Bucket == "" || cfg.Lexicon == nil || cfg.Tokens == nil {
		return nil, errors.New("api: New needs a store, a queue, a MinIO client, a bucket, a lexicon and tokens")
	}
	if cfg.Zone == nil {
		cfg.Zone = time.FixedZone("UTC+8", 8*3600)
	}
	if cfg.QueuedHold <= 0 {
		cfg.QueuedHold = time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	m, err := NewMasker(cfg.Lexicon)
	if err != nil {
		return nil, fmt.Errorf("api: masker: %w", err)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, st: cfg.Store, tokens: cfg.Tokens, lex: cfg.Lexicon, masker: m,
		metrics: newMetrics()}
	s.hub = newHub(cfg.Store, cfg.Logger, s.metrics)
	s.engine = s.routes()
	return s, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Route is one route of the server: method and path pattern (gin's
// syntax, :name for a path parameter).
type Route struct {
	Method, Path string
}

// Routes returns every route the server answers.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.engine.Routes() {
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	return out
}

// Close stops the server's background work (the score stream reader).
func (s *Server) Close() { s.hub.close() }

// route is one endpoint: what the OpenAPI document and the role matrix
// speak of.
type route struct {
	method, path string
	roles        []Role // nil: no token needed
	handlers     []gin.HandlerFunc
}

var (
	anyRole     = []Role{RoleReviewer, RoleSupervisor, RoleAdmin}
	reviewers   = []Role{RoleReviewer, RoleAdmin}
	supervisors = []Role{RoleSupervisor, RoleAdmin}
	admins      = []Role{RoleAdmin}
)

// endpoints lists every endpoint with the roles allowed on it.
func (s *Server) endpoints() []route {
	return []route{
		{"GET", "/healthz", nil, []gin.HandlerFunc{s.healthz}},
		{"GET", "/readyz", nil, []gin.HandlerFunc{s.readyz}},
		{"GET", "/metrics", nil, []gin.HandlerFunc{gin.WrapH(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))}},
		{"GET", "/openapi.json", nil, []gin.HandlerFunc{s.openAPI}},
		{"POST", "/v1/calls", admins, []gin.HandlerFunc{s.uploadCall}},
		{"GET", "/v1/calls", anyRole, []gin.HandlerFunc{s.listCalls}},
		{"GET", "/v1/calls/:id", anyRole, []gin.HandlerFunc{s.getCall}},
		{"POST", "/v1/calls/:id/reviews", reviewers, []gin.HandlerFunc{s.postReview}},
		{"GET", "/v1/calls/:id/reviews", anyRole, []gin.HandlerFunc{s.listReviews}},
		{"GET", "/v1/agents/:id/report", supervisors, []gin.HandlerFunc{s.agentReport}},
		{"GET", "/v1/teams/:team/report", supervisors, []gin.HandlerFunc{s.teamReport}},
		{"GET", "/v1/rules", anyRole, []gin.HandlerFunc{s.rules}},
		{"GET", "/v1/lexicon", anyRole, []gin.HandlerFunc{s.lexiconInfo}},
		{"GET", "/v1/scores/stream", anyRole, []gin.HandlerFunc{s.streamScores}},
		{"GET", "/v1/calls/:id/diff", anyRole, []gin.HandlerFunc{s.callDiff}},
		{"POST", "/v1/rescore", admins, []gin.HandlerFunc{s.createRescore}},
		{"GET", "/v1/rescore", admins, []gin.HandlerFunc{s.listRescores}},
		{"GET", "/v1/rescore/:id", admins, []gin.HandlerFunc{s.getRescore}},
		{"POST", "/v1/rescore/:id/pause", admins, []gin.HandlerFunc{s.controlRescore("pause")}},
		{"POST", "/v1/rescore/:id/resume", admins, []gin.HandlerFunc{s.controlRescore("resume")}},
		{"POST", "/v1/rescore/:id/cancel", admins, []gin.HandlerFunc{s.controlRescore("cancel")}},
	}
}

func (s *Server) routes() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.Use(s.recoverer, s.observe)
	e.NoRoute(func(c *gin.Context) {
		fail(c, &Error{Op: "api.route", Kind: KindNotFound, Msg: "no such endpoint: " + c.Request.URL.Path})
	})
	e.NoMethod(func(c *gin.Context) {
		_ = c.Error(errors.New("method not allowed"))
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: errorDetail{Code: "method_not_allowed",
			Message: c.Request.Method + " is not allowed on " + c.Request.URL.Path}})
	})
	for _, r := range s.endpoints() {
		hs := r.handlers
		if r.roles != nil {
			hs = append([]gin.HandlerFunc{s.authenticate, allow(r.roles...)}, hs...)
		}
		e.Handle(r.method, r.path, hs...)
	}
	s.uiRoutes(e)
	return e
}

// recoverer turns a panic in a handler into a 500, so that no request can
// take the server down.
func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.Error("handler panicked", slog.String("path", c.Request.URL.Path), slog.Any("panic", r))
			fail(c, &Error{Op: "api", Kind: KindInternal, Msg: "internal error", Err: fmt.Errorf("panic: %v", r)})
		}
	}()
	c.Next()
}

// observe logs each request and counts it in the metrics.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	took := time.Since(start)
	s.metrics.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(status)).Inc()
	s.metrics.latency.WithLabelValues(c.Request.Method, route).Observe(took.Seconds())
	attrs := []any{slog.String("method", c.Request.Method), slog.String("route", route),
		slog.Int("status", status), slog.Duration("took", took)}
	if p := principal(c); p != nil {
		attrs = append(attrs, slog.String("token", p.Name))
	}
	level := slog.LevelDebug
	switch {
	case status >= 500:
		level = slog.LevelError
		if len(c.Errors) > 0 {
			attrs = append(attrs, slog.String("err", c.Errors.Last().Error()))
		}
	case status >= 400:
		level = slog.LevelInfo
		if len(c.Errors) > 0 {
			attrs = append(attrs, slog.String("err", c.Errors.Last().Error()))
		}
	}
	s.log.Log(c.Request.Context(), level, "request", attrs...)
}

// metrics are the API's Prometheus metrics, in a registry of their own
// with the Go runtime and process collectors.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	uploads    *prometheus.CounterVec
	reviews    *prometheus.CounterVec
	sseClients prometheus.Gauge
	sseEvents  prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callqa_api_requests_total",
			Help: "API requests by method, route and status."}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "callqa_api_request_seconds",
			Help: "API request latency by method and route.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)},
			[]string{"method", "route"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callqa_api_uploads_total",
			Help: "Transcript uploads by result (queued, invalid, too_large, failed)."}, []string{"result"}),
		reviews: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callqa_api_reviews_total",
			Help: "Review decisions recorded, by decision."}, []string{"decision"}),
		sseClients: prometheus.NewGauge(prometheus.GaugeOpts{Name: "callqa_api_stream_clients",
			Help: "Open score streams (server-sent events)."}),
		sseEvents: prometheus.NewCounter(prometheus.CounterOpts{Name: "callqa_api_stream_events_total",
			Help: "Score events read from the scores stream."}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.uploads, m.reviews, m.sseClients, m.sseEvents,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// readyTimeout bounds the checks of one readiness request.
const readyTimeout = 2 * time.Second

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 while Redis and the bucket can be reached, 503 with
// the reason otherwise.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	checks := gin.H{"redis": "ok", "minio": "ok"}
	ok := true
	if err := s.st.Client().Ping(ctx).Err(); err != nil {
		checks["redis"], ok = err.Error(), false
	}
	if exists, err := s.cfg.MinIO.BucketExists(ctx, s.cfg.Bucket); err != nil {
		checks["minio"], ok = err.Error(), false
	} else if !exists {
		checks["minio"], ok = "bucket "+s.cfg.Bucket+" does not exist", false
	}
	if !ok {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": checks})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": checks})
}
