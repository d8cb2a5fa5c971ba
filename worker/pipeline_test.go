package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/redis/go-redis/v9"

	"callqa/internal/testserver"
	"callqa/lexicon"
	"callqa/scoring"
	"callqa/store"
	"callqa/worker/workertest"
)

// callqaBin is the callqa binary TestMain builds; the pipeline tests run
// workers as subprocesses so that they can kill them.
var callqaBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "callqa-worker-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temp dir:", err)
		os.Exit(1)
	}
	callqaBin = filepath.Join(dir, "callqa")
	build := exec.Command("go", "build", "-o", callqaBin, "callqa/cmd/callqa")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build callqa:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// waitLimit bounds how long a test waits for the pipeline to catch up; it
// is a deadline for a condition, not a performance assertion.
const waitLimit = 3 * time.Minute

// env is one pipeline under test: private Redis and MinIO, and the
// clients of the test.
type env struct {
	t      *testing.T
	redis  *testserver.RedisServer
	minio  *testserver.MinIOServer
	rdb    *redis.Client
	mc     *minio.Client
	store  *store.Store
	queue  *store.Queue
	bucket string
	// worker is the worker started last.
	worker *proc
}

func newEnv(t *testing.T) *env {
	t.Helper()
	r := testserver.Redis(t, testserver.WithAOF())
	m := testserver.MinIO(t, testserver.MinIOOptions{NotifyRedisAddr: r.Addr(), NotifyRedisKey: store.DefaultEventsKey})
	rdb := r.Client(t)
	st := store.New(rdb, store.Options{})
	return &env{t: t, redis: r, minio: m, rdb: rdb, mc: m.Client(t), store: st,
		queue: st.Queue(store.QueueOptions{Bucket: "calls"}), bucket: "calls"}
}

// proc is a worker subprocess.
type proc struct {
	cmd    *exec.Cmd
	listen string
	log    string
	done   chan struct{}
	err    error
}

// startWorker starts `callqa work` against e and waits until it is ready.
func (e *env) startWorker(args ...string) *proc {
	e.t.Helper()
	listen := freeAddr(e.t)
	logPath := filepath.Join(e.t.TempDir(), "worker.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		e.t.Fatal(err)
	}
	cmd := exec.Command(callqaBin, append([]string{"work", "--workers", "4", "--claim-after", "2s",
		"--scan-every", "2s", "--shutdown-grace", "10s", "--log-level", "debug"}, args...)...)
	cmd.Env = append(os.Environ(),
		"CALLQA_REDIS_URL="+e.redis.URL(),
		"CALLQA_MINIO_ENDPOINT="+e.minio.Endpoint,
		"CALLQA_MINIO_ACCESS_KEY="+e.minio.AccessKey,
		"CALLQA_MINIO_SECRET_KEY="+e.minio.SecretKey,
		"CALLQA_BUCKET="+e.bucket,
		"CALLQA_WORKER_LISTEN="+listen,
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("start worker: %v", err)
	}
	p := &proc{cmd: cmd, listen: listen, log: logPath, done: make(chan struct{})}
	e.worker = p
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	e.t.Cleanup(func() {
		p.kill()
		if e.t.Failed() {
			b, _ := os.ReadFile(logPath)
			lines := strings.Split(string(b), "\n")
			e.t.Logf("worker log (last 40 lines):\n%s", strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	})
	e.waitFor("worker ready", func() (bool, error) {
		select {
		case <-p.done:
			return false, fmt.Errorf("worker exited: %v", p.err)
		default:
		}
		resp, err := http.Get("http://" + listen + "/readyz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	return p
}

func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitFor polls cond until it holds, fails or waitLimit passes.
func (e *env) waitFor(what string, cond func() (bool, error)) {
	e.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		ok, err := cond()
		if err != nil {
			e.t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("gave up waiting for %s after %v", what, waitLimit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// upload writes calls first..first+n-1 of run and returns their keys and
// contents.
func (e *env) upload(run string, first, n int) map[string][]byte {
	e.t.Helper()
	out := map[string][]byte{}
	for i := first; i < first+n; i++ {
		key, data := workertest.Call(run, i)
		e.put(key, data)
		out[key] = data
	}
	return out
}

func (e *env) put(key string, data []byte) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := e.mc.PutObject(ctx, e.bucket, key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/json"}); err != nil {
		e.t.Fatalf("put %s: %v", key, err)
	}
}

// scored counts the objects of calls whose current version has a score.
func (e *env) scored(calls map[string][]byte) (int, error) {
	keys := make([]string, 0, len(calls))
	for k := range calls {
		keys = append(keys, k)
	}
	marks, err := e.queue.Marks(context.Background(), keys)
	if err != nil {
		return 0, nil // Redis may be down on purpose; keep waiting
	}
	n := 0
	for _, m := range marks {
		if m.State == store.Scored {
			n++
		}
	}
	return n, nil
}

func (e *env) waitScored(calls map[string][]byte) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("%d calls scored", len(calls)), func() (bool, error) {
		n, err := e.scored(calls)
		return n == len(calls), err
	})
}

var (
	engineOnce sync.Once
	engine     *scoring.Engine
	engineErr  error
)

// offline returns the scorer `callqa score` uses, built once per test run.
func offline(t *testing.T) *scoring.Engine {
	t.Helper()
	engineOnce.Do(func() {
		var lex *lexicon.Lexicon
		if lex, engineErr = lexicon.Default(); engineErr == nil {
			engine, engineErr = scoring.Build(lex)
		}
	})
	if engineErr != nil {
		t.Fatalf("offline scorer: %v", engineErr)
	}
	return engine
}

// checkStored checks that every call's stored score equals the offline
// scorer's record of the same transcript, that no call is stored twice and
// that every aggregate equals the recomputation from the stored calls.
func (e *env) checkStored(calls map[string][]byte) {
	e.t.Helper()
	ctx := context.Background()
	eng := offline(e.t)
	perUnit := map[string]int{}
	for key, data := range calls {
		tr, err := scoring.ParseTranscript(key, data)
		if err != nil {
			e.t.Fatalf("parse %s: %v", key, err)
		}
		want, err := eng.Score(tr)
		if err != nil {
			e.t.Fatalf("score %s offline: %v", key, err)
		}
		perUnit[want.Unit]++
		got, err := e.store.Call(ctx, want.CallID)
		if err != nil {
			e.t.Errorf("stored score of %s: %v", key, err)
			continue
		}
		gotJSON, _ := json.Marshal(got.Record)
		wantJSON, _ := json.Marshal(want)
		if !bytes.Equal(gotJSON, wantJSON) {
			e.t.Errorf("%s: stored record\n%s\nwant the offline scorer's\n%s", key, gotJSON, wantJSON)
		}
		if got.Source.Object != key {
			e.t.Errorf("%s: stored from object %q", key, got.Source.Object)
		}
	}
	for unit, n := range perUnit {
		ids, err := e.store.CallIDs(ctx, unit, store.IndexTime, "", 0, 1e13, 0, -1)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(ids) != n {
			e.t.Errorf("unit %s holds %d calls, want %d", unit, len(ids), n)
		}
		diffs, err := e.store.Verify(ctx, unit)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, d := range diffs {
			e.t.Errorf("unit %s: %s", unit, d)
		}
	}
}

func TestPipelineScoresLikeTheOfflineScorer(t *testing.T) {
	e := newEnv(t)
	e.startWorker()
	calls := e.upload("offline", 0, 42)
	poisons := workertest.Poisons("p", scoring.MaxTranscriptBytes)
	for _, p := range poisons {
		e.put(p.Key, p.Data)
	}
	e.waitScored(calls)
	var letters []store.Letter
	e.waitFor("dead letters", func() (bool, error) {
		var err error
		letters, err = e.queue.DeadLetters(context.Background(), "-", 100)
		return len(letters) >= len(poisons), err
	})
	e.checkStored(calls)
	byKey := map[string]store.Letter{}
	for _, l := range letters {
		byKey[l.Object] = l
	}
	for _, p := range poisons {
		l, ok := byKey[p.Key]
		if !ok {
			t.Errorf("%s: no dead letter", p.Key)
			continue
		}
		if !strings.Contains(l.Reason, p.Reason) || l.ETag == "" {
			t.Errorf("%s: dead letter %+v, want a reason with %q and the ETag", p.Key, l, p.Reason)
		}
	}
	if len(letters) != len(poisons) {
		t.Errorf("%d dead letters, want %d: %+v", len(letters), len(poisons), letters)
	}
	// Writing the same objects again scores nothing twice.
	for key, data := range calls {
		e.put(key, data)
	}
	e.waitScored(calls)
	e.checkStored(calls)
}

func TestPipelineSurvivesKilledWorker(t *testing.T) {
	e := newEnv(t)
	first := e.startWorker("--workers", "2")
	calls := e.upload("kill", 0, 150)
	e.waitFor("the first worker to score some calls", func() (bool, error) {
		n, err := e.scored(calls)
		return n >= 10, err
	})
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	n, _ := e.scored(calls)
	t.Logf("killed the first worker after %d of %d calls", n, len(calls))
	second := e.startWorker()
	e.waitScored(calls)
	e.checkStored(calls)

	// SIGTERM stops a worker cleanly.
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-second.done
	if second.err != nil {
		t.Errorf("worker exit after SIGTERM: %v, want success", second.err)
	}
}

func TestPipelineCatchesUpAfterMinIORestart(t *testing.T) {
	e := newEnv(t)
	e.startWorker()
	calls := e.upload("minio", 0, 10)
	e.waitScored(calls)
	e.minio.Stop()
	time.Sleep(3 * time.Second) // let the worker's scans and reads fail meanwhile
	e.minio.Start()
	more := e.upload("minio", 10, 20)
	for k, v := range more {
		calls[k] = v
	}
	e.waitScored(calls)
	e.checkStored(calls)
}

func TestPipelineCarriesOnAfterRedisRestart(t *testing.T) {
	e := newEnv(t)
	w := e.startWorker()
	calls := e.upload("redis", 0, 10)
	e.waitScored(calls)
	e.redis.Stop()
	// Calls written while Redis is down: MinIO cannot deliver their
	// events, so the reconciling scan must find them.
	missed := e.upload("redis", 10, 10)
	e.redis.Start()
	more := e.upload("redis", 20, 10)
	for _, m := range []map[string][]byte{missed, more} {
		for k, v := range m {
			calls[k] = v
		}
	}
	e.waitScored(calls)
	e.checkStored(calls)
	select {
	case <-w.done:
		t.Fatalf("worker exited: %v", w.err)
	default:
	}
}
