package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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

	"callqa/adapt"
	"callqa/scoring"
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
	// adapt holds the defaults for what a call's files do not say; its
	// startedAt stays empty: a worker gives no call a made-up start.
	adapt       adaptOptions
	sidecarWait time.Duration
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

The bucket may hold callqa's transcript JSON v1 or vendor ASR results
(Alibaba, Tencent, iFlytek lfasr, FunASR) with switch CDRs (FreeSWITCH,
Asterisk) and metadata, paired by name under one prefix as 'callqa score'
pairs files: <key>.json or <key>.asr.json with <key>.cdr.json,
<key>.cdr.agent.json, <key>.cdr.customer.json, <key>.cel.csv and
<key>.meta.json (see adapt/README.md). A transcript is scored with the
sidecars present when it is read, and scored again whenever one of them
arrives, changes or is deleted, so the objects may arrive in any order. A
vendor result that names no unit, agent or start, and whose sidecars and the
--default-* flags do not either, waits up to --sidecar-wait for a sidecar
that does, then goes to the dead-letter stream with the reason. Objects that
are no part of a call by name (recordings, READMEs) are skipped. Deleting a
transcript removes its score and its share of the aggregates (review
decisions and their audit trail stay).

The worker also works on rescoring jobs (see 'callqa rescore --help' and
POST /v1/rescore) whose target is its lexicon and scheme versions: it scores
their calls again whenever the live work stream and MinIO's events are
empty, so new calls keep flowing during a big job. A job survives any
worker's restart; another worker with the same lexicon carries it on.

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
	addMinIOFlags(fs, o)
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
	fs.StringVar(&o.adapt.unit, "default-unit", "", "unit id of calls whose metadata names none (a unit of the lexicon, e.g. sgcc-hz), like 'callqa score --unit'")
	fs.StringVar(&o.adapt.agent, "default-agent", "", "agent id of calls whose metadata and CDR name none")
	fs.StringVar(&o.adapt.team, "default-team", "", "team of calls whose metadata names none")
	fs.StringVar(&o.adapt.direction, "default-direction", "inbound", "direction of calls whose metadata names none: inbound or outbound")
	fs.StringVar(&o.adapt.layout, "layout", "auto", "how ASR channel/speaker labels are read unless the metadata says: auto, dual (channels) or mono (diarized speakers)")
	fs.IntVar(&o.adapt.agentChannel, "channel-agent", 0, "the agent's channel in dual-channel results unless the metadata says; other channels are the customer's")
	fs.DurationVar(&o.sidecarWait, "sidecar-wait", 10*time.Minute, "how long a vendor result lacking unit, agent or start waits for the metadata or CDR that gives it before it is dead-lettered")
	withSharedEnv(fs)
	withEnv(fs, "listen", "CALLQA_WORKER_LISTEN")
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
	case o.sidecarWait < 0:
		return nil, bad("sidecar-wait", o.sidecarWait, "must not be negative")
	case o.adapt.agentChannel < 0:
		return nil, bad("channel-agent", o.adapt.agentChannel, "want a channel number, 0 or more")
	}
	switch d := strings.ToLower(strings.TrimSpace(o.adapt.direction)); d {
	case "", "inbound", "outbound":
	default:
		return nil, bad("default-direction", o.adapt.direction, "want inbound or outbound")
	}
	if _, err := adapt.ParseLayout(o.adapt.layout); err != nil {
		return nil, bad("layout", o.adapt.layout, "want auto, dual or mono")
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

// loader makes the adapters' loader of the --default-* flags, as `callqa
// score` makes it of its --unit … flags, so that the worker reads a call's
// files exactly as the offline scorer does. A default unit must be a unit
// of the lexicon.
func (o workOptions) loader(engine *scoring.Engine) (*adapt.Loader, error) {
	lex := engine.Lexicon()
	if u := strings.TrimSpace(o.adapt.unit); u != "" {
		if _, ok := lex.Unit(u); !ok {
			return nil, fmt.Errorf("--default-unit %q: not a unit of the lexicon (%s)", u, lex.Source)
		}
	}
	a := o.adapt
	if a.direction == "" {
		a.direction = "inbound"
	}
	l, err := a.loader(lex, io.Discard)
	if err != nil {
		return nil, err
	}
	return l, nil
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
	loader, err := o.loader(engine)
	if err != nil {
		return err
	}

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
		Adapt:         loader,
		SidecarWait:   o.sidecarWait,
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
