package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"callqa/store"
	"callqa/worker"
)

// workOptions are the settings of `callqa work`.
type workOptions struct {
	redisURL      string
	keyPrefix     string
	minioEndpoint string
	minioAccess   string
	minioSecret   string
	minioSecure   bool
	bucket        string
	eventsKey     string
	lexiconDir    string
	workers       int
	listen        string
	consumer      string
	claimAfter    time.Duration
	scanEvery     time.Duration
	maxDeliveries int64
	grace         time.Duration
	logLevel      string
	logFormat     string
}

func newWorkCmd() *cobra.Command {
	return newWorkCmdWith(&workOptions{})
}

// newWorkCmdWith returns the work command parsing its flags into o.
func newWorkCmdWith(o *workOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "work",
		Short: "Run a worker: score transcripts written to MinIO and store the scores in Redis",
		Long: `Run a worker: score every transcript written to the MinIO bucket and store
the scores and per-day aggregates in Redis.

The worker creates the bucket and its Redis notification if they are absent.
MinIO must push object-created events to Redis, in access format, onto the
list named by --minio-events-key: set on the MinIO server
  MINIO_NOTIFY_REDIS_ENABLE_PRIMARY=on
  MINIO_NOTIFY_REDIS_ADDRESS_PRIMARY=<redis host:port>
  MINIO_NOTIFY_REDIS_KEY_PRIMARY=<--minio-events-key>
  MINIO_NOTIFY_REDIS_FORMAT_PRIMARY=access
Without them the worker still scores every object, found by its reconciling
scan of the bucket (at start and every --scan-every).

Any number of workers may run against one bucket: they share the work as
one Redis consumer group. On SIGTERM or SIGINT a worker stops taking work and
finishes what it holds (or leaves it pending for another worker).

Every flag can be set by the environment variable named beside it; a flag
on the command line wins. --listen serves /metrics (Prometheus), /healthz and
/readyz.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd); err != nil {
				return err
			}
			return runWork(cmd.Context(), *o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.redisURL, "redis-url", "redis://localhost:6379/0", "Redis to store scores and queue work in, as redis://[user:password@]host:port/db (rediss:// for TLS)")
	fs.StringVar(&o.keyPrefix, "key-prefix", store.DefaultPrefix, "prefix of every Redis key callqa writes; the API must use the same")
	fs.StringVar(&o.minioEndpoint, "minio-endpoint", "localhost:9000", "MinIO server as host:port")
	fs.StringVar(&o.minioAccess, "minio-access-key", "", "MinIO access key (required)")
	fs.StringVar(&o.minioSecret, "minio-secret-key", "", "MinIO secret key (required)")
	fs.BoolVar(&o.minioSecure, "minio-secure", false, "use TLS to reach MinIO")
	fs.StringVar(&o.bucket, "bucket", "calls", "bucket holding the transcripts")
	fs.StringVar(&o.eventsKey, "minio-events-key", store.DefaultEventsKey, "Redis list MinIO's notification pushes events to (MINIO_NOTIFY_REDIS_KEY_PRIMARY)")
	fs.StringVar(&o.lexiconDir, "lexicon-dir", "", "folder whose lexicon files replace the embedded ones")
	fs.IntVar(&o.workers, "workers", runtime.NumCPU(), "calls scored at once, sharing one segmenter")
	fs.StringVar(&o.listen, "listen", ":9091", "address serving /metrics, /healthz and /readyz; empty for none")
	fs.StringVar(&o.consumer, "consumer", "", "name of this worker in the consumer group (default host name and process id)")
	fs.DurationVar(&o.claimAfter, "claim-after", time.Minute, "visibility timeout: work a dead worker held this long is taken over")
	fs.DurationVar(&o.scanEvery, "scan-every", 10*time.Minute, "period of the reconciling scan of the bucket after the one at start; negative for none")
	fs.Int64Var(&o.maxDeliveries, "max-deliveries", 5, "deliveries of one message before it is dead-lettered as failing every time")
	fs.DurationVar(&o.grace, "shutdown-grace", 20*time.Second, "time in-flight work may take to finish on shutdown")
	fs.StringVar(&o.logLevel, "log-level", "info", "least level logged: debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "json", "log format: json or text")
	for _, f := range []struct{ flag, env string }{
		{"redis-url", "CALLQA_REDIS_URL"},
		{"key-prefix", "CALLQA_KEY_PREFIX"},
		{"minio-endpoint", "CALLQA_MINIO_ENDPOINT"},
		{"minio-access-key", "CALLQA_MINIO_ACCESS_KEY"},
		{"minio-secret-key", "CALLQA_MINIO_SECRET_KEY"},
		{"minio-secure", "CALLQA_MINIO_SECURE"},
		{"bucket", "CALLQA_BUCKET"},
		{"minio-events-key", "CALLQA_MINIO_EVENTS_KEY"},
		{"lexicon-dir", "CALLQA_LEXICON_DIR"},
		{"workers", "CALLQA_WORKERS"},
		{"listen", "CALLQA_WORKER_LISTEN"},
		{"consumer", "CALLQA_CONSUMER"},
		{"claim-after", "CALLQA_CLAIM_AFTER"},
		{"scan-every", "CALLQA_SCAN_EVERY"},
		{"max-deliveries", "CALLQA_MAX_DELIVERIES"},
		{"shutdown-grace", "CALLQA_SHUTDOWN_GRACE"},
		{"log-level", "CALLQA_LOG_LEVEL"},
		{"log-format", "CALLQA_LOG_FORMAT"},
	} {
		withEnv(fs, f.flag, f.env)
	}
	return cmd
}

// workConfig is the checked form of workOptions.
type workConfig struct {
	redis  *redis.Options
	minio  *minio.Options
	logger *slog.Logger
}

// check validates o; every error names the flag and the bad value.
func (o workOptions) check() (*workConfig, error) {
	bad := func(flag string, value any, why string) error {
		return fmt.Errorf("--%s %q: %s", flag, fmt.Sprint(value), why)
	}
	var c workConfig
	ropts, err := redis.ParseURL(o.redisURL)
	if err != nil {
		return nil, bad("redis-url", o.redisURL, err.Error())
	}
	c.redis = ropts
	switch {
	case o.minioEndpoint == "":
		return nil, bad("minio-endpoint", o.minioEndpoint, "want host:port")
	case strings.Contains(o.minioEndpoint, "://"):
		return nil, bad("minio-endpoint", o.minioEndpoint, "want host:port without a scheme (use --minio-secure for TLS)")
	case o.minioAccess == "":
		return nil, bad("minio-access-key", "", "required")
	case o.minioSecret == "":
		return nil, bad("minio-secret-key", "", "required")
	case o.bucket == "":
		return nil, bad("bucket", o.bucket, "required")
	case o.eventsKey == "":
		return nil, bad("minio-events-key", o.eventsKey, "required")
	case o.workers < 1:
		return nil, bad("workers", o.workers, "want at least 1")
	case o.claimAfter <= 0:
		return nil, bad("claim-after", o.claimAfter, "want a positive duration")
	case o.scanEvery == 0:
		return nil, bad("scan-every", o.scanEvery, "want a positive duration, or negative for no periodic scan")
	case o.maxDeliveries < 1:
		return nil, bad("max-deliveries", o.maxDeliveries, "want at least 1")
	case o.grace < 0:
		return nil, bad("shutdown-grace", o.grace, "must not be negative")
	}
	if _, _, err := net.SplitHostPort(o.minioEndpoint); err != nil {
		return nil, bad("minio-endpoint", o.minioEndpoint, "want host:port")
	}
	if o.listen != "" {
		if _, _, err := net.SplitHostPort(o.listen); err != nil {
			return nil, bad("listen", o.listen, "want [host]:port")
		}
	}
	c.minio = &minio.Options{
		Creds:  credentials.NewStaticV4(o.minioAccess, o.minioSecret, ""),
		Secure: o.minioSecure,
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, bad("log-level", o.logLevel, "want debug, info, warn or error")
	}
	hopts := &slog.HandlerOptions{Level: level}
	switch o.logFormat {
	case "json":
		c.logger = slog.New(slog.NewJSONHandler(os.Stderr, hopts))
	case "text":
		c.logger = slog.New(slog.NewTextHandler(os.Stderr, hopts))
	default:
		return nil, bad("log-format", o.logFormat, "want json or text")
	}
	return &c, nil
}

func runWork(ctx context.Context, o workOptions) error {
	c, err := o.check()
	if err != nil {
		return err
	}
	log := c.logger
	slog.SetDefault(log)

	start := time.Now()
	engine, err := loadEngine(o.lexiconDir)
	if err != nil {
		return fmt.Errorf("--lexicon-dir %q: %w", o.lexiconDir, err)
	}
	log.Info("lexicon and segmenter loaded", slog.String("lexicon_version", engine.Lexicon().Version),
		slog.String("lexicon_source", engine.Lexicon().Source), slog.Duration("took", time.Since(start)))

	rdb := redis.NewClient(c.redis)
	defer rdb.Close()
	mc, err := minio.New(o.minioEndpoint, c.minio)
	if err != nil {
		return fmt.Errorf("--minio-endpoint %q: %w", o.minioEndpoint, err)
	}
	st := store.New(rdb, store.Options{Prefix: o.keyPrefix})
	q := st.Queue(store.QueueOptions{EventsKey: o.eventsKey, Bucket: o.bucket})
	w, err := worker.New(worker.Config{
		Bucket:        o.bucket,
		Workers:       o.workers,
		Consumer:      o.consumer,
		ClaimAfter:    o.claimAfter,
		ScanEvery:     o.scanEvery,
		MaxDeliveries: o.maxDeliveries,
		ShutdownGrace: o.grace,
		Logger:        log,
	}, st, q, mc, engine)
	if err != nil {
		return err
	}
	rdb.AddHook(w.Metrics().RedisHook())

	var srv *http.Server
	if o.listen != "" {
		ln, err := net.Listen("tcp", o.listen)
		if err != nil {
			return fmt.Errorf("--listen %q: %w", o.listen, err)
		}
		srv = &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics server stopped", slog.Any("err", err))
			}
		}()
		log.Info("serving metrics and health", slog.String("addr", ln.Addr().String()))
	}
	runErr := w.Run(ctx)
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("closing the metrics server", slog.Any("err", err))
		}
	}
	return runErr
}
