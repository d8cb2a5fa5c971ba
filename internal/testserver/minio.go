package testserver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// DefaultEventsKey is the Redis list MinIO's notification pushes events to
// when MinIOOptions.NotifyRedisKey is empty; it is also the key the shared
// MinIO of scripts/test.sh uses, and callqa's default CALLQA_MINIO_EVENTS_KEY.
const DefaultEventsKey = "callqa:minio-events"

// NotifyARN is the ARN of the Redis notification target that MinIOOptions
// configures; subscribe a bucket to it with minio-go's SetBucketNotification.
const NotifyARN = "arn:minio:sqs::PRIMARY:redis"

// MinIOOptions configures a private MinIO started by MinIO. The zero value
// starts a MinIO without notification targets.
type MinIOOptions struct {
	// NotifyRedisAddr, when set, is the host:port of a Redis that the
	// PRIMARY Redis notification target pushes events to, in access format.
	// Buckets still have to be subscribed to NotifyARN.
	NotifyRedisAddr string
	// NotifyRedisKey is the Redis list the events go to; DefaultEventsKey
	// when empty.
	NotifyRedisKey string
}

// MinIOServer is a MinIO server for tests: either a private one that the
// test may stop and start, or the shared one of the test run.
//
// With a Redis notification target, MinIO pushes (RPUSH) one list entry per
// event in the access format: a JSON array holding one document with the
// event's records under "Event" and its time under "EventTime". For a PUT of
// "hz/2026/call 1+a.json" into bucket "calls" an entry reads (wrapped here;
// MinIO writes one line):
//
//	[{"Event":[{"eventVersion":"2.0","eventSource":"minio:s3","awsRegion":"",
//	   "eventTime":"2026-11-24T03:08:26.978Z","eventName":"s3:ObjectCreated:Put",
//	   "userIdentity":{"principalId":"<access key>"},
//	   "requestParameters":{"principalId":"<access key>","region":"","sourceIPAddress":"127.0.0.1"},
//	   "responseElements":{"x-amz-id-2":"79f3…","x-amz-request-id":"18EADC6024AFC51F",
//	     "x-minio-deployment-id":"0a88b0b7-…","x-minio-origin-endpoint":"http://127.0.0.1:35197"},
//	   "s3":{"s3SchemaVersion":"1.0","configurationId":"Config",
//	     "bucket":{"name":"calls","ownerIdentity":{"principalId":"<access key>"},"arn":"arn:aws:s3:::calls"},
//	     "object":{"key":"hz%2F2026%2Fcall+1%2Ba.json","size":18,
//	       "eTag":"4a3f3559472334fc268e2e4f80547c29","contentType":"application/json",
//	       "userMetadata":{"content-type":"application/json"},"sequencer":"18EADC602580ED93"}},
//	   "source":{"host":"127.0.0.1","port":"","userAgent":"MinIO (linux; amd64) minio-go/v7.4.1"}}],
//	  "EventTime":"2026-11-24T03:08:26.978Z"}]
//
// There is no top-level key field: the bucket is s3.bucket.name and the
// object key is s3.object.key, query-escaped ("/" as %2F, " " as +, "+" as
// %2B), so decode it with url.QueryUnescape. TestMinIONotifiesRedis pins
// these facts.
type MinIOServer struct {
	// Endpoint is the server's host:port, to be used without TLS.
	Endpoint string
	// AccessKey is the root user, random per server.
	AccessKey string
	// SecretKey is the root password, random per server.
	SecretKey string

	t    testing.TB
	inst *instance // nil for a shared server
}

// MinIO starts a private MinIO server on a free loopback port with its own
// temporary data folder and random root credentials. The server is killed
// when t ends; its log is printed if t failed. MinIO fails t when no MinIO
// binary is found or the server does not become ready.
func MinIO(t testing.TB, opts MinIOOptions) *MinIOServer {
	t.Helper()
	bin, err := minioBinary()
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	access, secret, err := randomCredentials()
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	inst, err := newMinIOInstance(bin, t.TempDir(), access, secret, opts)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testserver: last lines of %s:\n%s", inst.logPath, logTail(inst.logPath, logTailLines))
		}
		if err := inst.stop(); err != nil {
			t.Errorf("testserver: %v", err)
		}
	})
	if err := inst.launch(); err != nil {
		t.Fatalf("testserver: %v", err) // the cleanup prints the log
	}
	return &MinIOServer{Endpoint: inst.addr(), AccessKey: access, SecretKey: secret, t: t, inst: inst}
}

// randomCredentials returns a root user and password for a new server.
func randomCredentials() (access, secret string, err error) {
	a, err := randomToken(8)
	if err != nil {
		return "", "", err
	}
	s, err := randomToken(20)
	if err != nil {
		return "", "", err
	}
	return "test-" + a, s, nil
}

// newMinIOInstance prepares (but does not start) a MinIO server keeping its
// data, certificates folder and log in dir.
func newMinIOInstance(bin, dir, access, secret string, opts MinIOOptions) (*instance, error) {
	data := filepath.Join(dir, "data")
	certs := filepath.Join(dir, "certs")
	for _, d := range []string{data, certs} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create minio folder: %w", err)
		}
	}
	env := []string{
		"MINIO_ROOT_USER=" + access,
		"MINIO_ROOT_PASSWORD=" + secret,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		// Hold S3 requests until the server has loaded its notification
		// targets. Without it the health check passes first and an early
		// SetBucketNotification fails with "ARN does not exist".
		"MINIO_SYNC_BOOT=on",
	}
	if opts.NotifyRedisAddr != "" {
		key := opts.NotifyRedisKey
		if key == "" {
			key = DefaultEventsKey
		}
		env = append(env,
			"MINIO_NOTIFY_REDIS_ENABLE_PRIMARY=on",
			"MINIO_NOTIFY_REDIS_ADDRESS_PRIMARY="+opts.NotifyRedisAddr,
			"MINIO_NOTIFY_REDIS_KEY_PRIMARY="+key,
			"MINIO_NOTIFY_REDIS_FORMAT_PRIMARY=access",
		)
	}
	return &instance{
		name: "minio",
		bin:  bin,
		dir:  dir,
		// The MINIO_ variables of the test process must not reconfigure
		// the test server.
		env:     childEnv([]string{"MINIO_"}, env...),
		logPath: filepath.Join(dir, "minio.log"),
		args: func(port int) []string {
			return []string{"server",
				"--address", "127.0.0.1:" + strconv.Itoa(port),
				"--certs-dir", certs,
				data,
			}
		},
		probe:   func(addr string, _ int) error { return probeMinIO(addr) },
		timeout: minioReadyTimeout,
	}, nil
}

// Stop kills the server (SIGKILL, as in a crash) and waits for it to exit.
// Only a private server can be stopped; on a shared one Stop fails the test.
func (s *MinIOServer) Stop() {
	s.t.Helper()
	if s.inst == nil {
		s.t.Errorf("testserver: Stop on the shared MinIO %s: start a private one with testserver.MinIO", s.Endpoint)
		return
	}
	if err := s.inst.stop(); err != nil {
		s.t.Errorf("testserver: %v", err)
	}
}

// Start starts a stopped private server again on the same port, data folder
// and credentials, and waits until it is ready. Start fails the test when the
// server does not come up, so call it from the test goroutine.
func (s *MinIOServer) Start() {
	s.t.Helper()
	if s.inst == nil {
		s.t.Fatalf("testserver: Start on the shared MinIO %s: start a private one with testserver.MinIO", s.Endpoint)
	}
	if err := s.inst.start(); err != nil {
		s.t.Fatalf("testserver: %v", err) // the cleanup prints the log
	}
}

// Client returns a minio-go client for the server, without TLS.
func (s *MinIOServer) Client(t testing.TB) *minio.Client {
	t.Helper()
	c, err := minio.New(s.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Secure: false,
	})
	if err != nil {
		t.Fatalf("testserver: minio client for %s: %v", s.Endpoint, err)
	}
	return c
}

// Bucket creates a bucket named by UniqueBucket on the server and returns
// its name. The bucket is left in place: the server's data is temporary.
func (s *MinIOServer) Bucket(t testing.TB) string {
	t.Helper()
	name := UniqueBucket(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Client(t).MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("testserver: create bucket %s on %s: %v", name, s.Endpoint, err)
	}
	return name
}
