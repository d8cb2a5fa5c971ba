package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/notification"
	"github.com/redis/go-redis/v9"
)

// putObject stores body under key in bucket and fails t on error.
func putObject(t *testing.T, c *minio.Client, bucket, key, body string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.PutObject(ctx, bucket, key, strings.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{ContentType: "application/json"})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
}

// getObject reads key from bucket, giving up after timeout.
func getObject(c *minio.Client, bucket, key string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	obj, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return "", err
	}
	defer obj.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, obj); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func TestMinIOStopStartKeepsData(t *testing.T) {
	srv := MinIO(t, MinIOOptions{})
	if !strings.HasPrefix(srv.Endpoint, "127.0.0.1:") {
		t.Errorf("Endpoint = %s, want a 127.0.0.1 address", srv.Endpoint)
	}
	if srv.AccessKey == "" || len(srv.SecretKey) < 8 {
		t.Errorf("credentials %q/%q are not usable root credentials", srv.AccessKey, srv.SecretKey)
	}
	c := srv.Client(t)
	bucket := srv.Bucket(t)
	const key, body = "hz/2026/call 1.json", `{"call_id":"hz-1"}`
	putObject(t, c, bucket, key, body)
	if got, err := getObject(c, bucket, key, 30*time.Second); err != nil || got != body {
		t.Fatalf("get before restart = %q, %v; want %q", got, err, body)
	}

	endpoint := srv.Endpoint
	srv.Stop()
	if conn, err := net.DialTimeout("tcp", endpoint, time.Second); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after Stop", endpoint)
	}
	// minio-go retries a refused connection with backoff: bound the wait.
	if _, err := getObject(c, bucket, key, time.Second); err == nil {
		t.Fatalf("get from a stopped server succeeded")
	}

	srv.Start()
	if srv.Endpoint != endpoint {
		t.Errorf("Endpoint after Start = %s, want %s", srv.Endpoint, endpoint)
	}
	if got, err := getObject(c, bucket, key, 30*time.Second); err != nil || got != body {
		t.Errorf("get after restart = %q, %v; want %q", got, err, body)
	}
}

func TestMinIORejectsWrongCredentials(t *testing.T) {
	srv := MinIO(t, MinIOOptions{})
	wrong := *srv
	wrong.SecretKey = srv.SecretKey + "x"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := wrong.Client(t).ListBuckets(ctx)
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) || resp.Code != "SignatureDoesNotMatch" {
		t.Errorf("ListBuckets with a wrong secret: %v, want SignatureDoesNotMatch", err)
	}
}

// accessEntry is one Redis list entry in MinIO's access format: a JSON array
// of documents, each holding the event records and the event time.
type accessEntry []struct {
	Event []struct {
		EventName string `json:"eventName"`
		EventTime string `json:"eventTime"`
		S3        struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key       string `json:"key"`
				Size      int64  `json:"size"`
				ETag      string `json:"eTag"`
				Sequencer string `json:"sequencer"`
			} `json:"object"`
		} `json:"s3"`
	} `json:"Event"`
	EventTime string `json:"EventTime"`
}

// parseEntry decodes raw and checks that it holds exactly one record.
func parseEntry(t *testing.T, raw string) accessEntry {
	t.Helper()
	var e accessEntry
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		t.Fatalf("event entry is not the access format: %v\n%s", err, raw)
	}
	if len(e) != 1 || len(e[0].Event) != 1 {
		t.Fatalf("event entry holds %d documents, want 1 with 1 record:\n%s", len(e), raw)
	}
	return e
}

// subscribe sends bucket's ObjectCreated events to the Redis target.
func subscribe(t *testing.T, c *minio.Client, bucket string) {
	t.Helper()
	arn, err := notification.NewArnFromString(NotifyARN)
	if err != nil {
		t.Fatalf("parse %s: %v", NotifyARN, err)
	}
	queue := notification.NewConfig(arn)
	queue.AddEvents(notification.ObjectCreatedAll)
	cfg := notification.Configuration{}
	cfg.AddQueue(queue)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.SetBucketNotification(ctx, bucket, cfg); err != nil {
		t.Fatalf("SetBucketNotification(%s, %s): %v", bucket, NotifyARN, err)
	}
}

// popEvent waits (bounded) for the next entry on the Redis list key.
func popEvent(t *testing.T, r *redis.Client, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	res, err := r.BLPop(ctx, 30*time.Second, key).Result()
	if err != nil {
		t.Fatalf("no event on %s: %v", key, err)
	}
	return res[1]
}

func TestMinIONotifiesRedis(t *testing.T) {
	rds := Redis(t)
	const eventsKey = "test:minio-events"
	srv := MinIO(t, MinIOOptions{NotifyRedisAddr: rds.Addr(), NotifyRedisKey: eventsKey})
	c, r := srv.Client(t), rds.Client(t)
	bucket := srv.Bucket(t)
	subscribe(t, c, bucket)

	const key, body = "hz/2026/call 1+a.json", `{"call_id":"hz-1"}`
	putObject(t, c, bucket, key, body)
	raw := popEvent(t, r, eventsKey)
	t.Logf("access-format event: %s", raw)

	entry := parseEntry(t, raw)
	if entry[0].EventTime == "" || entry[0].EventTime != entry[0].Event[0].EventTime {
		t.Errorf("EventTime = %q, want the record's eventTime %q", entry[0].EventTime, entry[0].Event[0].EventTime)
	}
	rec := entry[0].Event[0]
	if rec.EventName != "s3:ObjectCreated:Put" || rec.S3.Bucket.Name != bucket {
		t.Errorf("record names %q in bucket %q, want s3:ObjectCreated:Put in %q", rec.EventName, rec.S3.Bucket.Name, bucket)
	}
	if want := url.QueryEscape(key); rec.S3.Object.Key != want {
		t.Errorf("s3.object.key = %q, want the query-escaped %q", rec.S3.Object.Key, want)
	}
	if got, err := url.QueryUnescape(rec.S3.Object.Key); err != nil || got != key {
		t.Errorf("s3.object.key %q unescapes to %q (%v), want %q", rec.S3.Object.Key, got, err, key)
	}
	if rec.S3.Object.Size != int64(len(body)) || rec.S3.Object.ETag == "" || rec.S3.Object.Sequencer == "" {
		t.Errorf("object size %d, eTag %q, sequencer %q; want size %d, an eTag and a sequencer",
			rec.S3.Object.Size, rec.S3.Object.ETag, rec.S3.Object.Sequencer, len(body))
	}

	// The target keeps working across a restart of the MinIO server.
	srv.Stop()
	srv.Start()
	putObject(t, c, bucket, "second.json", body)
	second := parseEntry(t, popEvent(t, r, eventsKey))
	if got := second[0].Event[0].S3.Object.Key; got != "second.json" {
		t.Errorf("second event names object %q, want second.json", got)
	}
}

func TestMinIOWithoutSubscriptionSendsNoEvent(t *testing.T) {
	rds := Redis(t)
	srv := MinIO(t, MinIOOptions{NotifyRedisAddr: rds.Addr()})
	c, r := srv.Client(t), rds.Client(t)
	quiet, loud := srv.Bucket(t), srv.Bucket(t)
	subscribe(t, c, loud)
	putObject(t, c, quiet, "a.json", "{}")
	putObject(t, c, loud, "b.json", "{}")
	// MinIO delivers events of one target in order, so once the event of the
	// subscribed bucket is there, an event for the other one would be too.
	ev := parseEntry(t, popEvent(t, r, DefaultEventsKey))
	if got := ev[0].Event[0].S3.Bucket.Name; got != loud {
		t.Errorf("first event is from bucket %q, want %q", got, loud)
	}
	if n, err := r.LLen(context.Background(), DefaultEventsKey).Result(); err != nil || n != 0 {
		t.Errorf("events left on %s: %d (%v), want 0", DefaultEventsKey, n, err)
	}
}
