package worker_test

import (
	"context"
	"slices"
	"testing"

	"github.com/minio/minio-go/v7/pkg/notification"

	"callqa/internal/testserver"
	"callqa/scoring"
	"callqa/store"
	"callqa/worker"
)

// noScorer is never called: these tests only set the worker up.
type noScorer struct{}

func (noScorer) Score(*scoring.Transcript) (*scoring.Record, error) { panic("not called") }

func TestSetup(t *testing.T) {
	tests := []struct {
		name     string
		notify   bool
		wantSubs bool
	}{
		{"MinIO with the Redis target", true, true},
		{"MinIO without it: scan only", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testserver.SharedRedis(t)
			var opts testserver.MinIOOptions
			if tt.notify {
				opts.NotifyRedisAddr = r.Addr()
			}
			m := testserver.MinIO(t, opts)
			mc := m.Client(t)
			st := store.New(r.Client(t), store.Options{Prefix: testserver.KeyPrefix(t)})
			bucket := testserver.UniqueBucket(t)
			q := st.Queue(store.QueueOptions{Bucket: bucket, EventsKey: testserver.KeyPrefix(t) + "events"})
			w, err := worker.New(worker.Config{Bucket: bucket}, st, q, mc, noScorer{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for range 2 { // a second Setup finds everything in place
				if err := w.Setup(ctx); err != nil {
					t.Fatalf("Setup: %v", err)
				}
			}
			if ok, err := mc.BucketExists(ctx, bucket); err != nil || !ok {
				t.Fatalf("bucket %s exists = %v, %v", bucket, ok, err)
			}
			cfg, err := mc.GetBucketNotification(ctx, bucket)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range []notification.EventType{notification.ObjectCreatedAll, notification.ObjectRemovedAll} {
				subs := 0
				for _, qc := range cfg.QueueConfigs {
					if qc.Queue == worker.NotifyARN && slices.Contains(qc.Events, ev) {
						subs++
					}
				}
				if want := map[bool]int{true: 1, false: 0}[tt.wantSubs]; subs != want {
					t.Errorf("%d subscriptions of %s to %s, want %d: %+v", subs, ev, worker.NotifyARN, want, cfg.QueueConfigs)
				}
			}
			if st, err := q.Stats(ctx); err != nil || st.Depth != 0 {
				t.Errorf("queue after Setup: %+v, %v", st, err)
			}
		})
	}
}
