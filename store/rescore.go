package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Batch rescoring jobs. When the lexicon, a scheme or the engine changes,
// a job rescores the stored calls it selects with the versions of the
// running workers (its target), without stopping live scoring:
//
//   - A job is created (CreateRescore, StartRescore) with a Selection and
//     the target versions, in state running, with its objects still to be
//     selected (Rescore.Selecting).
//   - A worker of the target versions selects the objects in batches
//     (RescoreCandidates or a listing of the bucket) and queues them on the
//     job's stream with the job's cursor and total in one script
//     (PlanRescore), so that a selection interrupted by a crash resumes
//     where it stopped and counts every object once.
//   - Workers read the job's stream in a consumer group (ReadRescore,
//     ClaimRescore), rescore each object as live scoring does, account
//     for what changed (AccountRescore) before storing the new score
//     (Put), and acknowledge the object (AckRescore, or FailRescore for an
//     object that cannot be rescored). The job is done once its objects
//     are all selected and acknowledged.
//
// Exactly once: a call counts toward a job's summary in the script that
// marks the call as accounted by the job (rescore_job on the call hash),
// so a worker that dies after storing a score and before acknowledging it
// leaves a message that is rescored again but not counted again. A failed
// object counts once by its key (RescoreFailures). The aggregates stay
// exact because the new scores are stored by Put, whatever a job does.
//
// A job may be paused (workers stop taking its objects; those in flight
// finish), resumed and cancelled (its stream is deleted; scores already
// stored stay). At most one running or paused job exists per selection and
// bucket.

// RescoreGroup is the consumer group of every job's stream.
const RescoreGroup = "callqa-rescore"

// RescoreStatus is the state of a job.
type RescoreStatus string

// Job states. Running and paused jobs are active; done and cancelled ones
// are finished and never change again.
const (
	RescoreRunning   RescoreStatus = "running"
	RescorePaused    RescoreStatus = "paused"
	RescoreCancelled RescoreStatus = "cancelled"
	RescoreDone      RescoreStatus = "done"
)

// Finished reports whether st is a final state.
func (st RescoreStatus) Finished() bool { return st == RescoreDone || st == RescoreCancelled }

// Selection says which calls a job rescores. A Prefix selects the
// transcript objects of the bucket whose keys start with it and takes no
// other criterion; otherwise Unit, Team, From, To and Stale narrow the
// stored calls together (all of them when only All is set).
type Selection struct {
	// Prefix selects transcript objects by key prefix.
	Prefix string `json:"prefix,omitempty"`
	// Unit and Team select stored calls of one unit, of one team.
	Unit string `json:"unit,omitempty"`
	Team string `json:"team,omitempty"`
	// From and To select stored calls of these days (YYYY-MM-DD, in the
	// call's own UTC offset), inclusive.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Stale selects stored calls scored with other versions than the
	// job's target: another lexicon, scheme or engine.
	Stale bool `json:"stale,omitempty"`
	// All selects every stored call.
	All bool `json:"all,omitempty"`
}

// SelectionError is a selection that cannot be run; Field names the
// field at fault. It wraps ErrInvalid.
type SelectionError struct {
	Field string
	Msg   string
}

func (e *SelectionError) Error() string {
	if e.Field == "" {
		return "selection: " + e.Msg
	}
	return "selection " + e.Field + ": " + e.Msg
}

// Unwrap returns ErrInvalid.
func (e *SelectionError) Unwrap() error { return ErrInvalid }

// Check reports what is wrong with the selection, as a *SelectionError.
func (sel Selection) Check() error {
	bad := func(field, format string, args ...any) error {
		return &SelectionError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	byIndex := sel.Unit != "" || sel.Team != "" || sel.From != "" || sel.To != "" || sel.Stale
	switch {
	case sel.Prefix != "" && (byIndex || sel.All):
		return bad("prefix", "a prefix selects objects by name and takes no unit, team, from, to, stale or all")
	case sel.All && byIndex:
		return bad("all", "all selects every stored call; give it alone, or narrow by unit, team, from, to or stale instead")
	case sel.Prefix == "" && !byIndex && !sel.All:
		return bad("", "select calls by prefix, unit, team, from/to or stale, or give all")
	case len(sel.Prefix) > 1024:
		return bad("prefix", "longer than 1024 bytes")
	case len(sel.Unit) > 128:
		return bad("unit", "longer than 128 bytes")
	case len(sel.Team) > 128:
		return bad("team", "longer than 128 bytes")
	}
	for _, f := range []struct{ name, val string }{{"from", sel.From}, {"to", sel.To}} {
		if f.val != "" {
			if err := ParseDay(f.val); err != nil {
				return bad(f.name, "%v", err)
			}
		}
	}
	if sel.From != "" && sel.To != "" && sel.To < sel.From {
		return bad("to", "%s is before from %s", sel.To, sel.From)
	}
	return nil
}

// Key returns the selection's identity among jobs of bucket: two jobs
// with the same key select the same calls.
func (sel Selection) Key(bucket string) string {
	b, _ := json.Marshal(sel) // fixed field order
	return bucket + "\x00" + string(b)
}

// String describes the selection briefly: "prefix 2026/11/", "unit
// sgcc-hz, stale".
func (sel Selection) String() string {
	var parts []string
	add := func(name, v string) {
		if v != "" {
			parts = append(parts, name+" "+v)
		}
	}
	add("prefix", sel.Prefix)
	add("unit", sel.Unit)
	add("team", sel.Team)
	add("from", sel.From)
	add("to", sel.To)
	if sel.Stale {
		parts = append(parts, "stale")
	}
	if sel.All {
		parts = append(parts, "all")
	}
	return strings.Join(parts, ", ")
}

// RescoreCounts sum up what a job changed in the calls it rescored.
type RescoreCounts struct {
	// Done counts the calls rescored and stored.
	Done int64 `json:"done"`
	// Changed counts the calls whose score, pass or findings changed;
	// ScoreChanged those whose score changed; Created those that had no
	// stored score before.
	Changed      int64 `json:"changed"`
	ScoreChanged int64 `json:"score_changed"`
	Created      int64 `json:"created"`
	// DeltaSum and AbsDeltaSum add up the score changes (new − old) and
	// their sizes over the calls that had a score; DeltaMax and DeltaMin
	// are the largest rise and fall (0 when none).
	DeltaSum    int64 `json:"delta_sum"`
	AbsDeltaSum int64 `json:"abs_delta_sum"`
	DeltaMax    int64 `json:"delta_max"`
	DeltaMin    int64 `json:"delta_min"`
	// Added and Removed count findings that appeared and vanished, per
	// rule, by finding identity (FindingKey).
	Added   map[string]int64 `json:"findings_added"`
	Removed map[string]int64 `json:"findings_removed"`
	// Orphaned counts review decisions whose finding the rescoring
	// removed; they stay, marked orphaned (CallReview.Orphans).
	Orphaned int64 `json:"reviews_orphaned"`
}

// add adds the counts of one unit's hash (Keys.RescoreCounts).
func (c *RescoreCounts) add(h map[string]string) {
	n := func(f string) int64 {
		v, _ := strconv.ParseInt(h[f], 10, 64)
		return v
	}
	done := n("done")
	if done == 0 && len(h) == 0 {
		return
	}
	c.Done += done
	c.Changed += n("changed")
	c.ScoreChanged += n("score_changed")
	c.Created += n("created")
	c.DeltaSum += n("delta_sum")
	c.AbsDeltaSum += n("abs_delta_sum")
	c.Orphaned += n("orphaned")
	if _, ok := h["delta_max"]; ok {
		c.DeltaMax = max(c.DeltaMax, n("delta_max"))
	}
	if _, ok := h["delta_min"]; ok {
		c.DeltaMin = min(c.DeltaMin, n("delta_min"))
	}
	for f, v := range h {
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(f, "a:"):
			c.Added[f[2:]] += x
		case strings.HasPrefix(f, "r:"):
			c.Removed[f[2:]] += x
		}
	}
}

// Rescored counts the calls that had a score before: those the deltas are
// over.
func (c RescoreCounts) Rescored() int64 { return c.Done - c.Created }

// MeanDelta is the mean score change over the calls that had a score.
func (c RescoreCounts) MeanDelta() float64 {
	if c.Rescored() == 0 {
		return 0
	}
	return float64(c.DeltaSum) / float64(c.Rescored())
}

// RescoreFailure is an object a job could not rescore, and why.
type RescoreFailure struct {
	Object string `json:"object"`
	Reason string `json:"reason"`
}

// Rescore is the state of a job.
type Rescore struct {
	ID        string        `json:"id"`
	Bucket    string        `json:"bucket"`
	Selection Selection     `json:"selection"`
	Target    Versions      `json:"target"`
	Status    RescoreStatus `json:"status"`
	// Selecting is true while the job's objects are being selected:
	// Total grows until it is false.
	Selecting bool `json:"selecting"`
	// Total counts the objects selected; Failed those that could not be
	// rescored (Failures lists the first of them). The job is done when
	// every object selected is done or failed.
	Total  int64 `json:"total"`
	Failed int64 `json:"failed"`
	RescoreCounts
	Failures []RescoreFailure `json:"failures"`
	// By names who created the job, CancelledBy who cancelled it.
	By          string `json:"created_by"`
	CancelledBy string `json:"cancelled_by,omitempty"`
	// CreatedAt is when the job was created, StartedAt when a worker
	// began selecting its objects, FinishedAt when it was done or
	// cancelled; zero when it has not happened.
	CreatedAt  time.Time `json:"created_at"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// Processed counts the objects done or failed.
func (r *Rescore) Processed() int64 { return r.Done + r.Failed }

// Errors of rescoring jobs.
var (
	// ErrRescoreExists: a running or paused job has the same selection
	// (wrapped into *RescoreExistsError).
	ErrRescoreExists = errors.New("a job with this selection is running")
	// ErrRescoreFinished: the job is done or cancelled and cannot change.
	ErrRescoreFinished = errors.New("the job is finished")
)

// RescoreExistsError names the running or paused job that has the
// selection a new job asked for.
type RescoreExistsError struct {
	ID string
}

func (e *RescoreExistsError) Error() string { return ErrRescoreExists.Error() + ": " + e.ID }

// Unwrap returns ErrRescoreExists.
func (e *RescoreExistsError) Unwrap() error { return ErrRescoreExists }

// luaRescoreFinish defines rs_finish(job, stream, active, selections,
// lease, id, now): a running or paused job whose objects are all selected
// and acknowledged becomes done (its stream and lease deleted, its
// selection freed). It returns true when it finished the job. The keys are
// those of Keys.RescoreJob, RescoreStream, RescoreActive,
// RescoreSelections and RescorePlanner.
const luaRescoreFinish = `
local function rs_finish(job, stream, active, selections, lease, id, now)
  local h = redis.call('HMGET', job, 'status', 'selecting', 'selkey')
  if h[1] ~= 'running' and h[1] ~= 'paused' then return false end
  if h[2] == '1' then return false end
  if redis.call('XLEN', stream) > 0 then return false end
  redis.call('HSET', job, 'status', 'done', 'finished_at', now)
  redis.call('SREM', active, id)
  if h[3] and redis.call('HGET', selections, h[3]) == id then
    redis.call('HDEL', selections, h[3])
  end
  redis.call('DEL', stream, lease)
  return true
end
`

// createRescoreScript creates a job unless a running or paused job has
// its selection.
//
// KEYS[1] the sorted set of jobs (Keys.RescoreJobs)
// KEYS[2] the set of active jobs (Keys.RescoreActive)
// KEYS[3] the hash of selections (Keys.RescoreSelections)
// KEYS[4] the new job's hash (Keys.RescoreJob)
// KEYS[5] the new job's stream (Keys.RescoreStream)
// ARGV[1] job id
// ARGV[2] the selection's key (Selection.Key)
// ARGV[3] the start of every job hash's key (Keys.RescoreJobPrefix)
// ARGV[4] now, Unix ms
// ARGV[5] consumer group (RescoreGroup)
// ARGV[6..] the job hash's fields and values
//
// Returns {1, id} when it created the job, {0, the other job's id} when a
// running or paused job has the selection.
var createRescoreScript = redis.NewScript(`
local other = redis.call('HGET', KEYS[3], ARGV[2])
if other then
  local st = redis.call('HGET', ARGV[3] .. other, 'status')
  if st == 'running' or st == 'paused' then return {0, other} end
end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[4], unpack(fields))
redis.call('XGROUP', 'CREATE', KEYS[5], ARGV[5], '0', 'MKSTREAM')
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
return {1, ARGV[1]}
`)

// RescoreSpec is what a new job is made of.
type RescoreSpec struct {
	Bucket    string
	Selection Selection
	// Target are the versions the job rescores with; only workers of
	// these versions work on it.
	Target Versions
	// By names who asked for the job (a token name, a user).
	By string
}

// NewRescoreID returns a new job id: the time and 6 random hex digits,
// "20261122T093000-3fa2c1".
func NewRescoreID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// CreateRescore creates a job. The error wraps ErrInvalid (a
// *SelectionError) for a selection that cannot run, and is a
// *RescoreExistsError when a running or paused job has the same selection
// and bucket.
func (s *Store) CreateRescore(ctx context.Context, spec RescoreSpec) (*Rescore, error) {
	const op = "store.CreateRescore"
	if err := spec.Selection.Check(); err != nil {
		return nil, opErr(op, err)
	}
	if spec.Bucket == "" {
		return nil, opErr(op, &SelectionError{Field: "bucket", Msg: "no bucket"})
	}
	if spec.Target.Lexicon == "" || spec.Target.Engine == "" {
		return nil, opErrf(op, "no target versions")
	}
	now := time.Now()
	id := NewRescoreID(now)
	sel, _ := json.Marshal(spec.Selection)
	target, err := json.Marshal(spec.Target)
	if err != nil {
		return nil, opErrf(op, "encode target: %w", err)
	}
	key := spec.Selection.Key(spec.Bucket)
	args := []any{id, key, s.keys.RescoreJobPrefix(), now.UnixMilli(), RescoreGroup,
		"id", id, "bucket", spec.Bucket, "selection", sel, "selkey", key, "target", target,
		"status", string(RescoreRunning), "selecting", "1", "cursor", "", "total", 0,
		"created_at", now.UnixMilli(), "by", spec.By}
	vals, err := createRescoreScript.Run(ctx, s.rdb, []string{s.keys.RescoreJobs(), s.keys.RescoreActive(),
		s.keys.RescoreSelections(), s.keys.RescoreJob(id), s.keys.RescoreStream(id)}, args...).Slice()
	if err != nil || len(vals) != 2 {
		return nil, opErrf(op, "create job: %v", scriptErr(err, vals, 2))
	}
	if n, _ := vals[0].(int64); n == 0 {
		other, _ := vals[1].(string)
		return nil, opErr(op, &RescoreExistsError{ID: other})
	}
	return s.Rescore(ctx, id)
}

// StartRescore creates a job aimed at the versions of the live workers of
// bucket. Besides the errors of CreateRescore, it wraps ErrNoWorkers when
// no worker of the bucket is live and ErrMixedVersions when live workers
// run different versions.
func (s *Store) StartRescore(ctx context.Context, bucket string, sel Selection, by string) (*Rescore, error) {
	if err := sel.Check(); err != nil {
		return nil, opErr("store.StartRescore", err)
	}
	target, _, err := s.RunningVersions(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return s.CreateRescore(ctx, RescoreSpec{Bucket: bucket, Selection: sel, Target: target, By: by})
}

// Rescore returns a job's state. The error wraps ErrNotFound when there is
// no such job.
func (s *Store) Rescore(ctx context.Context, id string) (*Rescore, error) {
	const op = "store.Rescore"
	jobs, err := s.rescores(ctx, []string{id}, true)
	if err != nil {
		return nil, opErr(op, err)
	}
	if jobs[0] == nil {
		return nil, opErrf(op, "job %s: %w", id, ErrNotFound)
	}
	return jobs[0], nil
}

// Rescores returns the newest jobs, newest first, at most limit.
func (s *Store) Rescores(ctx context.Context, limit int64) ([]*Rescore, error) {
	const op = "store.Rescores"
	ids, err := s.rdb.ZRevRange(ctx, s.keys.RescoreJobs(), 0, limit-1).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	jobs, err := s.rescores(ctx, ids, false)
	if err != nil {
		return nil, opErr(op, err)
	}
	out := make([]*Rescore, 0, len(jobs))
	for _, j := range jobs {
		if j != nil {
			out = append(out, j)
		}
	}
	return out, nil
}

// ActiveRescores returns the running and paused jobs, oldest first,
// without their failures.
func (s *Store) ActiveRescores(ctx context.Context) ([]*Rescore, error) {
	const op = "store.ActiveRescores"
	ids, err := s.rdb.SMembers(ctx, s.keys.RescoreActive()).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	slices.Sort(ids) // ids start with their creation time
	jobs, err := s.rescores(ctx, ids, false)
	if err != nil {
		return nil, opErr(op, err)
	}
	out := make([]*Rescore, 0, len(jobs))
	for _, j := range jobs {
		if j != nil && !j.Status.Finished() {
			out = append(out, j)
		}
	}
	return out, nil
}

// rescores reads jobs in two round trips; a job that does not exist is
// nil. withFailures reads the first failures too.
func (s *Store) rescores(ctx context.Context, ids []string, withFailures bool) ([]*Rescore, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	units, err := s.rdb.SMembers(ctx, s.keys.Units()).Result()
	if err != nil {
		return nil, err
	}
	slices.Sort(units)
	jobs := make([]*redis.MapStringStringCmd, len(ids))
	failed := make([]*redis.IntCmd, len(ids))
	failures := make([]*redis.StringSliceCmd, len(ids))
	counts := make([][]*redis.MapStringStringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			jobs[i] = p.HGetAll(ctx, s.keys.RescoreJob(id))
			failed[i] = p.HLen(ctx, s.keys.RescoreFailures(id))
			if withFailures {
				failures[i] = p.LRange(ctx, s.keys.RescoreFailureList(id), 0, -1)
			}
			for _, u := range units {
				counts[i] = append(counts[i], p.HGetAll(ctx, s.keys.RescoreCounts(u, id)))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*Rescore, len(ids))
	for i, id := range ids {
		h := jobs[i].Val()
		if len(h) == 0 {
			continue
		}
		r, err := parseRescore(h)
		if err != nil {
			return nil, fmt.Errorf("job %s: %w", id, err)
		}
		r.Failed = failed[i].Val()
		for _, c := range counts[i] {
			r.RescoreCounts.add(c.Val())
		}
		r.Failures = []RescoreFailure{}
		if withFailures {
			for _, js := range failures[i].Val() {
				var f RescoreFailure
				if json.Unmarshal([]byte(js), &f) == nil {
					r.Failures = append(r.Failures, f)
				}
			}
		}
		out[i] = r
	}
	return out, nil
}

// parseRescore decodes a job hash.
func parseRescore(h map[string]string) (*Rescore, error) {
	r := &Rescore{ID: h["id"], Bucket: h["bucket"], Status: RescoreStatus(h["status"]), Selecting: h["selecting"] == "1",
		By: h["by"], CancelledBy: h["cancelled_by"],
		RescoreCounts: RescoreCounts{Added: map[string]int64{}, Removed: map[string]int64{}}}
	if err := json.Unmarshal([]byte(h["selection"]), &r.Selection); err != nil {
		return nil, fmt.Errorf("decode selection: %w", err)
	}
	if err := json.Unmarshal([]byte(h["target"]), &r.Target); err != nil {
		return nil, fmt.Errorf("decode target: %w", err)
	}
	r.Total, _ = strconv.ParseInt(h["total"], 10, 64)
	at := func(f string) time.Time {
		if h[f] == "" {
			return time.Time{}
		}
		return millis(h[f]).UTC()
	}
	r.CreatedAt, r.StartedAt, r.FinishedAt = at("created_at"), at("started_at"), at("finished_at")
	return r, nil
}

// controlScript pauses, resumes or cancels a job.
//
// KEYS[1] the job's hash
// KEYS[2] the set of active jobs
// KEYS[3] the hash of selections
// KEYS[4] the job's stream
// KEYS[5] the job's planner lease
// ARGV[1] pause, resume or cancel
// ARGV[2] job id
// ARGV[3] now, Unix ms
// ARGV[4] who (cancel)
//
// Pausing a paused job, resuming a running one and cancelling a cancelled
// one change nothing. Returns the job's status after the change, or an
// error reply "NOJOB" for a job that does not exist and "FINISHED
// <status>" for a change a finished job cannot take.
var controlScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return redis.error_reply('NOJOB no such job') end
local action = ARGV[1]
if action == 'pause' then
  if st == 'paused' then return st end
  if st ~= 'running' then return redis.error_reply('FINISHED ' .. st) end
  redis.call('HSET', KEYS[1], 'status', 'paused')
  return 'paused'
elseif action == 'resume' then
  if st == 'running' then return st end
  if st ~= 'paused' then return redis.error_reply('FINISHED ' .. st) end
  redis.call('HSET', KEYS[1], 'status', 'running')
  return 'running'
end
if st == 'cancelled' then return st end
if st == 'done' then return redis.error_reply('FINISHED ' .. st) end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finished_at', ARGV[3], 'cancelled_by', ARGV[4])
redis.call('SREM', KEYS[2], ARGV[2])
local sel = redis.call('HGET', KEYS[1], 'selkey')
if sel and redis.call('HGET', KEYS[3], sel) == ARGV[2] then redis.call('HDEL', KEYS[3], sel) end
redis.call('DEL', KEYS[4], KEYS[5])
return 'cancelled'
`)

// PauseRescore pauses a running job: workers take none of its objects
// until it is resumed; those in flight finish. The error wraps
// ErrNotFound or ErrRescoreFinished.
func (s *Store) PauseRescore(ctx context.Context, id string) (*Rescore, error) {
	return s.controlRescore(ctx, "store.PauseRescore", "pause", id, "")
}

// ResumeRescore resumes a paused job.
func (s *Store) ResumeRescore(ctx context.Context, id string) (*Rescore, error) {
	return s.controlRescore(ctx, "store.ResumeRescore", "resume", id, "")
}

// CancelRescore cancels a running or paused job: its remaining objects
// are dropped and its selection is free for a new job. Scores it stored
// stay, and so does its summary of them.
func (s *Store) CancelRescore(ctx context.Context, id, by string) (*Rescore, error) {
	return s.controlRescore(ctx, "store.CancelRescore", "cancel", id, by)
}

func (s *Store) controlRescore(ctx context.Context, op, action, id, by string) (*Rescore, error) {
	err := controlScript.Run(ctx, s.rdb, []string{s.keys.RescoreJob(id), s.keys.RescoreActive(),
		s.keys.RescoreSelections(), s.keys.RescoreStream(id), s.keys.RescorePlanner(id)},
		action, id, time.Now().UnixMilli(), by).Err()
	if err != nil {
		switch msg := err.Error(); {
		case strings.HasPrefix(msg, "NOJOB"):
			return nil, opErrf(op, "job %s: %w", id, ErrNotFound)
		case strings.HasPrefix(msg, "FINISHED"):
			return nil, opErrf(op, "job %s is %s: %w", id, strings.TrimPrefix(msg, "FINISHED "), ErrRescoreFinished)
		}
		return nil, opErrf(op, "%s job %s: %w", action, id, err)
	}
	return s.Rescore(ctx, id)
}
