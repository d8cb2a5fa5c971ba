package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"callqa/api"
	"callqa/internal/testserver"
	"callqa/lexicon"
	"callqa/scoring"
	"callqa/store"
)

// The scoring engine is built once per test binary: the segmenter takes
// seconds and hundreds of MB to load.
var (
	engineOnce sync.Once
	engine     *scoring.Engine
	engineErr  error
)

func sharedEngine(t testing.TB) *scoring.Engine {
	t.Helper()
	engineOnce.Do(func() {
		var lex *lexicon.Lexicon
		if lex, engineErr = lexicon.Default(); engineErr == nil {
			engine, engineErr = scoring.Build(lex)
		}
	})
	if engineErr != nil {
		t.Fatalf("engine: %v", engineErr)
	}
	return engine
}

// Teams of the fixtures.
const (
	team1 = "95598-一班"
	team2 = "95598-二班"
)

// env is one API under test on the shared Redis and MinIO, with a bucket,
// key prefix and tokens of its own.
type env struct {
	t      *testing.T
	srv    *api.Server
	http   *httptest.Server
	st     *store.Store
	queue  *store.Queue
	mc     *minio.Client
	bucket string
	lex    *lexicon.Lexicon
	// tokens by fixture name: reviewer, reviewer2, reviewerPII, supervisor,
	// supervisor2, admin.
	tokens map[string]string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	rdb := testserver.SharedRedis(t).Client(t)
	m := testserver.SharedMinIO(t)
	prefix := testserver.KeyPrefix(t)
	st := store.New(rdb, store.Options{Prefix: prefix})
	bucket := m.Bucket(t)
	q := st.Queue(store.QueueOptions{EventsKey: prefix + "minio-events", Bucket: bucket})
	lex := sharedEngine(t).Lexicon()
	e := &env{t: t, st: st, queue: q, mc: m.Client(t), bucket: bucket, lex: lex, tokens: map[string]string{}}
	var entries []api.TokenEntry
	for _, f := range []struct {
		name  string
		role  api.Role
		teams []string
		pii   bool
	}{
		{"reviewer", api.RoleReviewer, []string{team1}, false},
		{"reviewer2", api.RoleReviewer, []string{team2}, false},
		{"reviewerPII", api.RoleReviewer, []string{team1}, true},
		{"supervisor", api.RoleSupervisor, []string{team1}, false},
		{"supervisor2", api.RoleSupervisor, []string{team2}, false},
		{"admin", api.RoleAdmin, []string{"*"}, false},
	} {
		tok, entry, err := api.NewToken(f.name, f.role, f.teams, f.pii)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[f.name] = tok
		entries = append(entries, entry)
	}
	tokens, err := api.NewTokens(entries)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{Store: st, Queue: q, MinIO: e.mc, Bucket: bucket, Lexicon: lex, Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.http = httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		e.http.Close()
		srv.Close()
	})
	return e
}

// utt is one utterance of a fixture transcript.
type utt struct {
	speaker string
	text    string
}

// transcript builds transcript JSON v1; utterances are 3 s apart.
func transcript(id, unit, agent, team string, start time.Time, hangup string, us ...utt) []byte {
	type u struct {
		Speaker string `json:"speaker"`
		StartMS int64  `json:"start_ms"`
		EndMS   int64  `json:"end_ms"`
		Text    string `json:"text"`
	}
	doc := map[string]any{"call_id": id, "unit": unit, "agent_id": agent, "started_at": start.Format(time.RFC3339),
		"ring_ms": 3000, "hangup_by": hangup}
	if team != "" {
		doc["team"] = team
	}
	var list []u
	for i, x := range us {
		n := int64(len([]rune(x.text)))
		list = append(list, u{x.speaker, int64(i) * 3000, int64(i)*3000 + min(2900, n*250), x.text})
	}
	doc["utterances"] = list
	b, _ := json.Marshal(doc)
	return b
}

var cst = time.FixedZone("CST", 8*3600)

// day is the day of the fixtures' calls.
var day = time.Date(2026, 11, 22, 9, 30, 0, 0, cst)

// goodCall greets, names the unit, is polite and says goodbye.
func goodCall(id, agent, team string, start time.Time) []byte {
	return transcript(id, "sgcc-hz", agent, team, start, "customer",
		utt{"agent", "您好,国网杭州供电公司,请问有什么可以帮您?"},
		utt{"customer", "我想问一下电费。"},
		utt{"agent", "好的,请您稍等,我帮您查一下。"},
		utt{"customer", "好的谢谢。"},
		utt{"agent", "感谢您的来电,再见。"})
}

// badCall has no greeting, an evasive phrase and an agent hang-up; the
// customer gives a phone number and an account number.
func badCall(id, agent, team string, start time.Time) []byte {
	return transcript(id, "sgcc-hz", agent, team, start, "agent",
		utt{"agent", "喂,国网杭州供电公司。"},
		utt{"customer", "我的电话是一三八一二三四五六七八,户号是6601234567。"},
		utt{"agent", "13812345678是吧,这个不归我管。"},
		utt{"customer", "那我找谁?"},
		utt{"agent", "您打别的电话吧,再见。"})
}

// seed scores a transcript with the shared engine, stores the object in
// the bucket and the score in the store, as a worker would.
func (e *env) seed(data []byte) *scoring.Record {
	e.t.Helper()
	ctx := context.Background()
	tr, err := scoring.ParseTranscript("seed", data)
	if err != nil {
		e.t.Fatalf("seed: %v", err)
	}
	rec, err := sharedEngine(e.t).Score(tr)
	if err != nil {
		e.t.Fatalf("seed: score: %v", err)
	}
	key := api.ObjectKey(tr)
	info, err := e.mc.PutObject(ctx, e.bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
	if err != nil {
		e.t.Fatalf("seed: put object: %v", err)
	}
	out, err := e.st.Put(ctx, rec, store.Source{Object: key, ETag: strings.Trim(info.ETag, `"`), Modified: info.LastModified})
	if err != nil {
		e.t.Fatalf("seed: store: %v", err)
	}
	if err := e.st.Announce(ctx, e.st.Announcement(rec, out)); err != nil {
		e.t.Fatalf("seed: announce: %v", err)
	}
	return rec
}

// response is a finished request.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with the fixture token name ("" for none, or a raw
// "Bearer ..." header when it starts with "raw:").
func (e *env) do(method, path, who string, body []byte) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(who, "raw:"):
		req.Header.Set("Authorization", strings.TrimPrefix(who, "raw:"))
	case who != "":
		tok, ok := e.tokens[who]
		if !ok {
			e.t.Fatalf("no fixture token %q", who)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// json decodes the body into v, failing the test on an error.
func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", truncateBody(r.body), err)
	}
}

// apiError is the error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
		ID      string `json:"id"`
	} `json:"error"`
}

func (r response) apiErr(t *testing.T) apiError {
	t.Helper()
	var e apiError
	r.json(t, &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("error body %s lacks code or message", truncateBody(r.body))
	}
	return e
}

func truncateBody(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// want fails the test unless the response has status.
func (r response) want(t *testing.T, status int, what string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d; body %s", what, r.status, status, truncateBody(r.body))
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprint("test fixture: ", err))
	}
	return b
}

func minioStatOptions() minio.StatObjectOptions { return minio.StatObjectOptions{} }
