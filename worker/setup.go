package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/notification"
)

// NotifyARN is the ARN of MinIO's Redis notification target as callqa
// configures it (MINIO_NOTIFY_REDIS_*_PRIMARY).
const NotifyARN = "arn:minio:sqs::PRIMARY:redis"

// Setup creates what the worker needs if it is absent: the bucket, the
// bucket's notification of created and removed objects to Redis, and the
// work stream's consumer group. Run calls it; it is safe to call again and from several
// workers at once.
//
// When MinIO has no Redis target (its MINIO_NOTIFY_REDIS_* settings are
// missing), Setup logs an error and goes on: the reconciling scan still
// finds every object, only later.
func (w *Worker) Setup(ctx context.Context) error {
	if err := EnsureBucket(ctx, w.minio, w.cfg.Bucket); err != nil {
		return err
	}
	if err := EnsureNotification(ctx, w.minio, w.cfg.Bucket); err != nil {
		if !isNoTarget(err) {
			return err
		}
		w.log.Error("MinIO has no Redis notification target: objects are found by the reconciling scan only; "+
			"set MINIO_NOTIFY_REDIS_ENABLE_PRIMARY=on, MINIO_NOTIFY_REDIS_ADDRESS_PRIMARY, MINIO_NOTIFY_REDIS_KEY_PRIMARY "+
			"and MINIO_NOTIFY_REDIS_FORMAT_PRIMARY=access on the MinIO server", slog.Any("err", err))
	}
	return w.queue.Ensure(ctx)
}

// EnsureBucket creates bucket unless it exists.
func EnsureBucket(ctx context.Context, mc *minio.Client, bucket string) error {
	ok, err := mc.BucketExists(ctx, bucket)
	if err != nil {
		return fmt.Errorf("check bucket %s: %w", bucket, err)
	}
	if ok {
		return nil
	}
	if err := mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		// Another worker may have created it meanwhile.
		if resp := minio.ToErrorResponse(err); resp.Code == "BucketAlreadyOwnedByYou" || resp.Code == "BucketAlreadyExists" {
			return nil
		}
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return nil
}

// notifyEvents are the events the worker subscribes NotifyARN to: created
// objects are scored or registered, removed ones take their score along.
var notifyEvents = []notification.EventType{notification.ObjectCreatedAll, notification.ObjectRemovedAll}

// EnsureNotification subscribes NotifyARN to the bucket's object-created
// and object-removed events unless it already is, keeping the bucket's
// other notifications. A bucket subscribed by an older worker to created
// objects only gets the removed ones added.
func EnsureNotification(ctx context.Context, mc *minio.Client, bucket string) error {
	cfg, err := mc.GetBucketNotification(ctx, bucket)
	if err != nil {
		return fmt.Errorf("read notification of bucket %s: %w", bucket, err)
	}
	var missing []notification.EventType
	for _, ev := range notifyEvents {
		if !slices.ContainsFunc(cfg.QueueConfigs, func(q notification.QueueConfig) bool {
			return q.Queue == NotifyARN && q.Filter == nil && slices.Contains(q.Events, ev)
		}) {
			missing = append(missing, ev)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	arn, err := notification.NewArnFromString(NotifyARN)
	if err != nil {
		return fmt.Errorf("notification ARN %s: %w", NotifyARN, err)
	}
	q := notification.NewConfig(arn)
	q.AddEvents(missing...)
	cfg.AddQueue(q)
	if err := mc.SetBucketNotification(ctx, bucket, cfg); err != nil {
		return fmt.Errorf("subscribe bucket %s to %s: %w", bucket, NotifyARN, err)
	}
	return nil
}

// isNoTarget reports whether MinIO refused a notification because it has
// no such target configured.
func isNoTarget(err error) bool {
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) {
		return false
	}
	return resp.Code == "InvalidArgument" || resp.Code == "InvalidARN" || resp.Code == "ARNNotification"
}
