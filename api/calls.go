package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/minio/minio-go/v7"

	"callqa/scoring"
	"callqa/store"
)

// SourceAPI is the work-queue source of transcripts uploaded to the API.
const SourceAPI = "api"

// ObjectKey returns the bucket key of an uploaded transcript:
// <yyyy>/<mm>/<dd>/<call_id>.json, by the call's start in its own offset.
func ObjectKey(t *scoring.Transcript) string {
	return t.StartedAt.Format("2006/01/02") + "/" + t.CallID + ".json"
}

// uploadCall validates a transcript, stores it in the bucket and queues
// it for the workers: 202 with the call id.
func (s *Server) uploadCall(c *gin.Context) {
	const op = "api.uploadCall"
	if c.Request.ContentLength > scoring.MaxTranscriptBytes {
		s.metrics.uploads.WithLabelValues("too_large").Inc()
		fail(c, tooLarge(op))
		return
	}
	data, err := io.ReadAll(io.LimitReader(c.Request.Body, scoring.MaxTranscriptBytes+1))
	if err != nil {
		s.metrics.uploads.WithLabelValues("invalid").Inc()
		fail(c, &Error{Op: op, Kind: KindInvalid, Msg: "could not read the body", Err: err})
		return
	}
	if len(data) > scoring.MaxTranscriptBytes {
		s.metrics.uploads.WithLabelValues("too_large").Inc()
		fail(c, tooLarge(op))
		return
	}
	t, err := scoring.ParseTranscript("body", data)
	if err != nil {
		s.metrics.uploads.WithLabelValues("invalid").Inc()
		fail(c, fromInput(op, err))
		return
	}
	if _, ok := s.lex.Unit(t.Unit); !ok {
		s.metrics.uploads.WithLabelValues("invalid").Inc()
		fail(c, invalid(op, "unit", "unknown unit %q (the lexicon has %s)", truncate(t.Unit, 40), strings.Join(s.unitIDs(), ", ")))
		return
	}
	key := ObjectKey(t)
	ctx := c.Request.Context()
	info, err := s.cfg.MinIO.PutObject(ctx, s.cfg.Bucket, key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/json"})
	if err != nil {
		s.metrics.uploads.WithLabelValues("failed").Inc()
		fail(c, &Error{Op: op, Kind: KindUnavailable, Msg: "the transcript store is unavailable; try again", Err: err})
		return
	}
	etag := strings.Trim(info.ETag, `"`)
	// The bucket notification queues the object too; the queue's marks
	// keep the two from scoring it twice. Queuing it here makes the upload
	// independent of the notification.
	if _, err := s.cfg.Queue.Enqueue(ctx, []store.Job{{Object: key, ETag: etag, Size: int64(len(data))}},
		SourceAPI, false, s.cfg.QueuedHold); err != nil {
		s.log.Warn("queueing an uploaded transcript failed; the reconciling scan will find it",
			"call_id", t.CallID, "object", key, "err", err)
	}
	s.metrics.uploads.WithLabelValues("queued").Inc()
	loc := "/v1/calls/" + t.CallID
	c.Header("Location", loc)
	c.JSON(http.StatusAccepted, gin.H{"call_id": t.CallID, "object": key, "etag": etag, "status": "queued", "location": loc})
}

func tooLarge(op string) *Error {
	return &Error{Op: op, Kind: KindTooLarge, Msg: fmt.Sprintf("the transcript is over the limit of %d bytes", scoring.MaxTranscriptBytes)}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func (s *Server) unitIDs() []string {
	ids := make([]string, len(s.lex.Units))
	for i, u := range s.lex.Units {
		ids[i] = u.ID
	}
	return ids
}

// callFilter is the parsed filter of /v1/calls and /v1/scores/stream.
type callFilter struct {
	q store.ListQuery
	// sig identifies the filter and order in cursors.
	sig string
}

// maxLimit bounds a page of /v1/calls.
const maxLimit = 200

// parseFilter reads the filter query parameters shared by the call list
// and the score stream, scoped to what p may see.
func (s *Server) parseFilter(c *gin.Context, op string, p *Principal, listing bool) (*callFilter, error) {
	known := map[string]bool{"agent": true, "team": true, "unit": true, "from": true, "to": true,
		"score_min": true, "score_max": true, "rule": true, "review": true}
	if listing {
		for _, k := range []string{"sort", "order", "limit", "cursor"} {
			known[k] = true
		}
	}
	query := c.Request.URL.Query()
	for k, v := range query {
		if !known[k] {
			return nil, invalid(op, k, "unknown query parameter")
		}
		if len(v) > 1 {
			return nil, invalid(op, k, "given %d times; give it once", len(v))
		}
	}
	q := store.ListQuery{Agent: query.Get("agent"), Team: query.Get("team"), Rule: query.Get("rule"),
		From: query.Get("from"), To: query.Get("to"), Review: query.Get("review"), ScoreMax: 100}
	if u := query.Get("unit"); u != "" {
		if _, ok := s.lex.Unit(u); !ok {
			return nil, invalid(op, "unit", "unknown unit %q (the lexicon has %s)", truncate(u, 40), strings.Join(s.unitIDs(), ", "))
		}
		q.Units = []string{u}
	}
	if q.Rule != "" {
		if _, ok := s.lex.Rule(q.Rule); !ok {
			return nil, invalid(op, "rule", "unknown rule %q", truncate(q.Rule, 60))
		}
	}
	for _, f := range []struct {
		name string
		val  string
	}{{"from", q.From}, {"to", q.To}} {
		if f.val != "" {
			if err := store.ParseDay(f.val); err != nil {
				return nil, invalid(op, f.name, "%v", err)
			}
		}
	}
	if q.From != "" && q.To != "" && q.To < q.From {
		return nil, invalid(op, "to", "%s is before from %s", q.To, q.From)
	}
	var err error
	if q.ScoreMin, err = intParam(query.Get("score_min"), 0, 0, 100); err != nil {
		return nil, invalid(op, "score_min", "%v", err)
	}
	if q.ScoreMax, err = intParam(query.Get("score_max"), 100, 0, 100); err != nil {
		return nil, invalid(op, "score_max", "%v", err)
	}
	if q.ScoreMax < q.ScoreMin {
		return nil, invalid(op, "score_max", "%d is below score_min %d", q.ScoreMax, q.ScoreMin)
	}
	switch q.Review {
	case "", store.FilterUnreviewed, store.FilterPartial, store.FilterReviewed, store.FilterOverturned:
	default:
		return nil, invalid(op, "review", "%q is not unreviewed, partial, reviewed or overturned", truncate(q.Review, 40))
	}
	if q.Team != "" && !p.SeesTeam(q.Team) {
		return nil, &Error{Op: op, Kind: KindForbidden, Field: "team", Msg: "this token does not cover team " + q.Team}
	}
	if q.Team == "" {
		q.Teams = p.Teams()
	}
	if listing {
		q.Sort = query.Get("sort")
		switch q.Sort {
		case "":
			q.Sort = store.SortTime
		case store.SortTime, store.SortScore:
		default:
			return nil, invalid(op, "sort", "%q is not time or score", truncate(q.Sort, 40))
		}
		switch o := query.Get("order"); o {
		case "":
			q.Desc = q.Sort == store.SortTime // newest first; lowest score first
		case "asc":
		case "desc":
			q.Desc = true
		default:
			return nil, invalid(op, "order", "%q is not asc or desc", truncate(o, 40))
		}
		if q.Limit, err = intParam(query.Get("limit"), 50, 1, maxLimit); err != nil {
			return nil, invalid(op, "limit", "%v", err)
		}
	}
	f := &callFilter{q: q}
	sig := sha256.Sum256([]byte(fmt.Sprintf("%q", []any{q.Agent, q.Team, q.Units, q.Rule, q.From, q.To,
		q.ScoreMin, q.ScoreMax, q.Review, q.Sort, q.Desc})))
	f.sig = hex.EncodeToString(sig[:4])
	if listing {
		if cur := query.Get("cursor"); cur != "" {
			pos, err := decodeCursor(cur, f.sig)
			if err != nil {
				return nil, invalid(op, "cursor", "%v", err)
			}
			f.q.After = pos
		}
	}
	return f, nil
}

func intParam(s string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", truncate(s, 40))
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is outside %d..%d", n, lo, hi)
	}
	return n, nil
}

// cursor is the opaque continuation of a listing: a position and the
// signature of the filter it belongs to.
type cursor struct {
	store.Position
	Sig string `json:"s"`
}

func encodeCursor(p *store.Position, sig string) string {
	b, _ := json.Marshal(cursor{Position: *p, Sig: sig})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, sig string) (*store.Position, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("not a cursor this API issued")
	}
	var cur cursor
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cur); err != nil || cur.ID == "" || cur.Sig == "" {
		return nil, errors.New("not a cursor this API issued")
	}
	if cur.Sig != sig {
		return nil, errors.New("the cursor belongs to another filter or order; start again without it")
	}
	return &cur.Position, nil
}

// callSummary is one call of a listing.
type callSummary struct {
	CallID         string         `json:"call_id"`
	Unit           string         `json:"unit"`
	AgentID        string         `json:"agent_id"`
	Team           string         `json:"team"`
	StartedAt      time.Time      `json:"started_at"`
	Day            string         `json:"day"`
	Score          int            `json:"score"`
	Passed         bool           `json:"passed"`
	Fatal          bool           `json:"fatal"`
	ReviewedScore  int            `json:"reviewed_score"`
	ReviewState    string         `json:"review_state"`
	Overturned     bool           `json:"overturned"`
	FindingsByRule map[string]int `json:"findings_by_rule"`
}

func summary(it *store.ListItem) callSummary {
	rules := it.Rules
	if rules == nil {
		rules = map[string]int{}
	}
	return callSummary{CallID: it.CallID, Unit: it.Unit, AgentID: it.Agent, Team: it.Team,
		StartedAt: time.UnixMilli(it.StartMS).UTC(), Day: it.Day, Score: it.Score, Passed: it.Passed, Fatal: it.Fatal,
		ReviewedScore: it.ReviewedScore, ReviewState: string(it.ReviewState), Overturned: it.Overturned, FindingsByRule: rules}
}

// units returns the units a query searches: its own, or every unit with
// stored calls.
func (s *Server) units(c *gin.Context, q *store.ListQuery) error {
	if q.Units != nil {
		return nil
	}
	units, err := s.st.Units(c.Request.Context())
	if err != nil {
		return err
	}
	slices.Sort(units)
	q.Units = units
	return nil
}

// listCalls lists the calls a filter selects, a page at a time.
func (s *Server) listCalls(c *gin.Context) {
	const op = "api.listCalls"
	p := principal(c)
	f, err := s.parseFilter(c, op, p, true)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.units(c, &f.q); err != nil {
		fail(c, fromStore(op, err))
		return
	}
	page, err := s.st.List(c.Request.Context(), f.q)
	if err != nil {
		fail(c, fromStore(op, err))
		return
	}
	out := make([]callSummary, len(page.Items))
	for i := range page.Items {
		out[i] = summary(&page.Items[i])
	}
	var next any
	if page.Next != nil {
		next = encodeCursor(page.Next, f.sig)
	}
	c.JSON(http.StatusOK, gin.H{"calls": out, "next_cursor": next, "examined": page.Examined})
}

// findingView is a finding as the API shows it.
type findingView struct {
	Index     int           `json:"index"`
	Key       string        `json:"key"`
	Rule      string        `json:"rule"`
	Title     string        `json:"title,omitempty"`
	Severity  string        `json:"severity"`
	Deduction int           `json:"deduction"`
	Utterance int           `json:"utterance"`
	StartMS   *int64        `json:"start_ms,omitempty"`
	EndMS     *int64        `json:"end_ms,omitempty"`
	Evidence  string        `json:"evidence,omitempty"`
	Span      *scoring.Span `json:"span,omitempty"`
	Homophone bool          `json:"homophone,omitempty"`
	Clause    string        `json:"clause"`
	Message   string        `json:"message"`
	Review    *reviewView   `json:"review"`
}

// reviewView is the standing decision on a finding.
type reviewView struct {
	Decision string    `json:"decision"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Comment  string    `json:"comment"`
}

// orphanView is a decision whose finding a rescoring removed.
type orphanView struct {
	Key       string `json:"key"`
	Rule      string `json:"rule"`
	Utterance int    `json:"utterance"`
	Evidence  string `json:"evidence,omitempty"`
	reviewView
}

type utteranceView struct {
	Index   int    `json:"index"`
	Speaker string `json:"speaker"`
	StartMS *int64 `json:"start_ms,omitempty"`
	EndMS   *int64 `json:"end_ms,omitempty"`
	Text    string `json:"text"`
}

type transcriptView struct {
	Direction  string          `json:"direction"`
	RingMS     *int64          `json:"ring_ms,omitempty"`
	DurationMS *int64          `json:"duration_ms,omitempty"`
	HangupBy   string          `json:"hangup_by"`
	Utterances []utteranceView `json:"utterances"`
}

// callView is the detail of one call.
type callView struct {
	CallID               string            `json:"call_id"`
	Unit                 string            `json:"unit"`
	AgentID              string            `json:"agent_id"`
	Team                 string            `json:"team"`
	Direction            string            `json:"direction"`
	StartedAt            time.Time         `json:"started_at"`
	Score                int               `json:"score"`
	Passed               bool              `json:"passed"`
	Fatal                bool              `json:"fatal"`
	ReviewedScore        int               `json:"reviewed_score"`
	ReviewedPassed       bool              `json:"reviewed_passed"`
	ReviewState          string            `json:"review_state"`
	PassScore            int               `json:"pass_score"`
	Findings             []findingView     `json:"findings"`
	OrphanedReviews      []orphanView      `json:"orphaned_reviews"`
	NotAssessable        []string          `json:"not_assessable"`
	NotAssessableReasons map[string]string `json:"not_assessable_reasons,omitempty"`
	Scheme               string            `json:"scheme"`
	SchemeVersion        string            `json:"scheme_version"`
	LexiconVersion       string            `json:"lexicon_version"`
	EngineVersion        string            `json:"engine_version"`
	ScoredAt             time.Time         `json:"scored_at"`
	Object               string            `json:"object"`
	Transcript           *transcriptView   `json:"transcript"`
	TranscriptError      string            `json:"transcript_error,omitempty"`
	// TranscriptNewer: the object changed since the score; a new score is
	// on its way.
	TranscriptNewer bool `json:"transcript_newer,omitempty"`
	Masked          bool `json:"masked"`
}

// loadCall reads a stored call visible to p: 404 when there is none or p
// may not see it.
func (s *Server) loadCall(c *gin.Context, op string, p *Principal) (*store.StoredCall, error) {
	id := c.Param("id")
	if id == "" || len(id) > 128 {
		return nil, &Error{Op: op, Kind: KindNotFound, Msg: "no scored call with this id"}
	}
	sc, err := s.st.Call(c.Request.Context(), id)
	if err != nil {
		return nil, fromStore(op, err)
	}
	if !p.SeesTeam(sc.Record.Team) {
		return nil, &Error{Op: op, Kind: KindNotFound, Msg: "no scored call with this id",
			Err: fmt.Errorf("call %s of team %q is outside the token's teams", id, sc.Record.Team)}
	}
	return sc, nil
}

// passScore returns the pass score of a record's scheme in the running
// lexicon, or of its unit's scheme, or 0.
func (s *Server) passScore(rec *scoring.Record) int {
	if sc, ok := s.lex.Schemes[rec.Scheme]; ok {
		return sc.PassScore
	}
	if u, ok := s.lex.Unit(rec.Unit); ok {
		return s.lex.SchemeFor(u).PassScore
	}
	return 0
}

// getCall shows one scored call: the transcript, the score, the findings
// with their reviews and the versions that produced it.
func (s *Server) getCall(c *gin.Context) {
	const op = "api.getCall"
	p := principal(c)
	sc, err := s.loadCall(c, op, p)
	if err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	rec := sc.Record
	rv, err := s.st.ReviewOf(ctx, rec.Unit, rec.CallID, rec.Score)
	if err != nil {
		fail(c, fromStore(op, err))
		return
	}
	pass := rv.PassScore
	if pass == 0 {
		pass = s.passScore(rec)
	}
	outcome := store.EvalReview(rec, rv.Decisions, pass)
	mask := func(s string) string { return s }
	if !p.PII {
		mask = s.masker.Mask
	}
	v := callView{CallID: rec.CallID, Unit: rec.Unit, AgentID: rec.AgentID, Team: rec.Team,
		Direction: string(rec.Direction), StartedAt: rec.StartedAt, Score: rec.Score, Passed: rec.Passed, Fatal: rec.Fatal,
		ReviewedScore: outcome.Score, ReviewedPassed: outcome.Passed, ReviewState: string(outcome.State), PassScore: pass,
		Findings: []findingView{}, OrphanedReviews: []orphanView{}, NotAssessable: rec.NotAssessable,
		NotAssessableReasons: rec.NotAssessableReasons, Scheme: rec.Scheme, SchemeVersion: rec.SchemeVersion,
		LexiconVersion: rec.LexiconVersion, EngineVersion: rec.EngineVersion, ScoredAt: sc.StoredAt.UTC(),
		Object: sc.Source.Object, Masked: !p.PII}
	if v.NotAssessable == nil {
		v.NotAssessable = []string{}
	}
	keys := store.FindingKeys(rec)
	seen := map[string]bool{}
	for i, f := range rec.Findings {
		fv := findingView{Index: i, Key: mask(keys[i]), Rule: f.Rule, Severity: string(f.Severity), Deduction: f.Deduction,
			Utterance: f.Utterance, StartMS: f.StartMS, EndMS: f.EndMS, Evidence: mask(f.Evidence), Span: f.Span,
			Homophone: f.Homophone, Clause: f.Clause, Message: mask(f.Message)}
		if info, ok := s.lex.Rule(f.Rule); ok {
			fv.Title = info.Title
		}
		if d, ok := rv.Decisions[keys[i]]; ok {
			fv.Review = &reviewView{Decision: string(d.Decision), By: d.By, At: d.Time().UTC(), Comment: d.Comment}
		}
		seen[keys[i]] = true
		v.Findings = append(v.Findings, fv)
	}
	for k, d := range rv.Decisions {
		if !seen[k] {
			v.OrphanedReviews = append(v.OrphanedReviews, orphanView{Key: mask(k), Rule: d.Rule, Utterance: d.Utterance,
				Evidence: mask(d.Evidence), reviewView: reviewView{Decision: string(d.Decision), By: d.By, At: d.Time().UTC(), Comment: d.Comment}})
		}
	}
	slices.SortFunc(v.OrphanedReviews, func(a, b orphanView) int { return strings.Compare(a.Key, b.Key) })

	t, newer, err := s.transcript(c, sc)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Kind == KindUnavailable {
			fail(c, err)
			return
		}
		v.TranscriptError = err.Error()
	}
	if t != nil {
		tv := &transcriptView{Direction: string(t.Direction), RingMS: t.RingMS, DurationMS: t.DurationMS,
			HangupBy: string(t.HangupBy), Utterances: make([]utteranceView, len(t.Utterances))}
		for i, u := range t.Utterances {
			uv := utteranceView{Index: i, Speaker: string(u.Speaker), Text: mask(u.Text)}
			if u.Timed {
				uv.StartMS, uv.EndMS = &u.StartMS, &u.EndMS
			}
			tv.Utterances[i] = uv
		}
		v.Transcript = tv
		// Evidence is shown as the masked utterance shows it, so that a
		// number split by the match is masked like the whole number.
		if !p.PII {
			for i := range v.Findings {
				f := &v.Findings[i]
				if f.Span != nil && f.Utterance >= 0 && f.Utterance < len(tv.Utterances) {
					f.Evidence = runeSlice(tv.Utterances[f.Utterance].Text, f.Span.Start, f.Span.End)
				}
			}
		}
		v.TranscriptNewer = newer
	}
	c.JSON(http.StatusOK, v)
}

// transcript reads the transcript a stored call was scored from. newer
// reports that the object changed since.
func (s *Server) transcript(c *gin.Context, sc *store.StoredCall) (*scoring.Transcript, bool, error) {
	const op = "api.transcript"
	if sc.Source.Object == "" {
		return nil, false, errors.New("the score names no transcript object")
	}
	obj, err := s.cfg.MinIO.GetObject(c.Request.Context(), s.cfg.Bucket, sc.Source.Object, minio.GetObjectOptions{})
	if err != nil {
		return nil, false, &Error{Op: op, Kind: KindUnavailable, Msg: "the transcript store is unavailable; try again", Err: err}
	}
	defer obj.Close()
	info, err := obj.Stat()
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, false, errors.New("the transcript object is gone from the bucket")
		}
		return nil, false, &Error{Op: op, Kind: KindUnavailable, Msg: "the transcript store is unavailable; try again", Err: err}
	}
	data, err := io.ReadAll(io.LimitReader(obj, scoring.MaxTranscriptBytes+1))
	if err != nil {
		return nil, false, &Error{Op: op, Kind: KindUnavailable, Msg: "the transcript store is unavailable; try again", Err: err}
	}
	t, err := scoring.ParseTranscript(sc.Source.Object, data)
	if err != nil {
		return nil, false, fmt.Errorf("the transcript object no longer parses: %v", err)
	}
	return t, strings.Trim(info.ETag, `"`) != sc.Source.ETag, nil
}

// runeSlice returns the runes [start, end) of s, clamped.
func runeSlice(s string, start, end int) string {
	r := []rune(s)
	start = min(max(start, 0), len(r))
	end = min(max(end, start), len(r))
	return string(r[start:end])
}
