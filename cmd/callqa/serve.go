package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"callqa/api"
	"callqa/lexicon"
	"callqa/store"
	"callqa/worker"
)

// serveOptions are the settings of `callqa serve`.
type serveOptions struct {
	work     workOptions
	listen   string
	authFile string
}

func newServeCmd() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the API for QA reviewers and supervisors (and its pages under /ui/)",
		Long: `Run the HTTP API: upload transcripts, list and read scored calls, confirm or
overturn findings, agent and team reports, a stream of new scores, and the
pages under /ui/ for reviewers and supervisors.

Every /v1 endpoint needs a bearer token from the auth file (--auth-file), which
holds only the tokens' SHA-256 with a role, teams and the pii grant; make
tokens with 'callqa token'. SIGHUP reloads the auth file.

Uploads are stored in the bucket the workers score and queued for them: run
'callqa work' with the same Redis, key prefix, MinIO, bucket and events key.

Every flag can be set by the environment variable named beside it; a flag on
the command line wins.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd); err != nil {
				return err
			}
			return runServe(cmd.Context(), o)
		},
	}
	fs := cmd.Flags()
	w := &o.work
	fs.StringVar(&o.listen, "listen", ":8080", "address the API listens on, [host]:port")
	fs.StringVar(&o.authFile, "auth-file", "", "JSON file of API tokens (required; see 'callqa token')")
	fs.StringVar(&w.redisURL, "redis-url", "redis://localhost:6379/0", "Redis holding the scores, as redis://[user:password@]host:port/db (rediss:// for TLS)")
	fs.StringVar(&w.keyPrefix, "key-prefix", store.DefaultPrefix, "prefix of every Redis key callqa uses; the workers' own")
	addMinIOFlags(fs, w)
	fs.StringVar(&w.bucket, "bucket", "calls", "bucket holding the transcripts")
	fs.StringVar(&w.eventsKey, "minio-events-key", store.DefaultEventsKey, "Redis list MinIO's notification pushes events to; names the workers' queue")
	fs.StringVar(&w.lexiconDir, "lexicon-dir", "", "folder whose lexicon files replace the embedded ones; the workers' own")
	fs.StringVar(&w.logLevel, "log-level", "info", "least level logged: debug, info, warn or error")
	fs.StringVar(&w.logFormat, "log-format", "json", "log format: json or text")
	withSharedEnv(fs)
	withEnv(fs, "listen", "CALLQA_LISTEN")
	return cmd
}

func runServe(ctx context.Context, o serveOptions) error {
	// The worker's settings that serve has no flag for take values that
	// pass their checks; the shared ones are checked as for a worker.
	o.work.workers, o.work.claimAfter, o.work.scanEvery, o.work.maxDeliveries = 1, time.Minute, time.Minute, 1
	c, err := o.work.check()
	if err != nil {
		return err
	}
	if o.authFile == "" {
		return fmt.Errorf("--auth-file: required (a JSON file of tokens; make one with 'callqa token --add FILE')")
	}
	if _, _, err := net.SplitHostPort(o.listen); err != nil {
		return fmt.Errorf("--listen %q: want [host]:port", o.listen)
	}
	log := c.logger
	slog.SetDefault(log)
	tokens, err := api.LoadTokens(o.authFile)
	if err != nil {
		return fmt.Errorf("--auth-file %q: %w", o.authFile, err)
	}
	lex, err := lexicon.Load(o.work.lexiconDir)
	if err != nil {
		return fmt.Errorf("--lexicon-dir %q: %w", o.work.lexiconDir, err)
	}
	rdb := redis.NewClient(c.redis)
	defer rdb.Close()
	mc, err := minio.New(o.work.minioEndpoint, c.minio)
	if err != nil {
		return fmt.Errorf("--minio-endpoint %q: %w", o.work.minioEndpoint, err)
	}
	st := store.New(rdb, store.Options{Prefix: o.work.keyPrefix})
	q := st.Queue(store.QueueOptions{EventsKey: o.work.eventsKey, Bucket: o.work.bucket})
	srv, err := api.New(api.Config{Store: st, Queue: q, MinIO: mc, Bucket: o.work.bucket, Lexicon: lex, Tokens: tokens, Logger: log})
	if err != nil {
		return err
	}
	defer srv.Close()
	// The bucket and the queue's group are the workers' to make, but an
	// API started first must be able to take uploads.
	setupCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	if err := worker.EnsureBucket(setupCtx, mc, o.work.bucket); err != nil {
		log.Warn("the bucket is not reachable yet; uploads fail until it is", slog.Any("err", err))
	} else if err := q.Ensure(setupCtx); err != nil {
		log.Warn("the work queue is not reachable yet", slog.Any("err", err))
	}
	cancel()

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			if err := tokens.Reload(); err != nil {
				log.Error("reloading the auth file failed; the old tokens stay", slog.Any("err", err))
				continue
			}
			log.Info("auth file reloaded", slog.String("file", o.authFile))
		}
	}()

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", o.listen, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("serving the API", slog.String("addr", ln.Addr().String()), slog.String("lexicon_version", lex.Version),
		slog.String("bucket", o.work.bucket))
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("stopping the API")
	srv.Close() // ends the open score streams' reader
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer scancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("closing open connections", slog.Any("err", err))
		_ = hs.Close()
	}
	return nil
}
