package worker

import (
	"context"
	"log/slog"
	"time"
)

// Backoff bounds of transient-failure retries.
const (
	backoffMin = 100 * time.Millisecond
	backoffMax = 10 * time.Second
)

// backoff returns the wait before retry number attempt (1 for the first
// retry): doubling from backoffMin up to backoffMax.
func backoff(attempt int) time.Duration {
	d := backoffMin
	for i := 1; i < attempt && d < backoffMax; i++ {
		d *= 2
	}
	return min(d, backoffMax)
}

// sleep waits d or until ctx is done, and reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := newTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func newTimer(d time.Duration) *time.Timer { return time.NewTimer(d) }

// retry calls f until it succeeds or ctx is done, waiting with backoff
// between attempts and logging each failure. It returns ctx's error when
// ctx ends first.
func retry(ctx context.Context, log *slog.Logger, what string, f func() error) error {
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			if attempt > 1 {
				log.Info("recovered", slog.String("op", what), slog.Int("attempts", attempt))
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := backoff(attempt)
		log.Warn("transient failure, retrying", slog.String("op", what), slog.Any("err", err),
			slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}
