package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The objects of a job wait in the job's stream (Keys.RescoreStream),
// read by workers in the consumer group RescoreGroup: a stream per job, so
// that a paused job's objects are simply not read and a cancelled job's
// are dropped with its stream. A worker that dies leaves its messages
// pending; another claims them after the visibility timeout
// (ClaimRescore).

// leaseScript takes or renews a job's planner lease.
//
// KEYS[1] the lease (Keys.RescorePlanner)
// ARGV[1] consumer name
// ARGV[2] time to live, ms
//
// Returns 1 when the consumer holds the lease, 0 when another does.
var leaseScript = redis.NewScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// LeaseRescorePlanner takes or renews, for ttl, the lease that makes
// consumer the one worker selecting job id's objects. It reports whether
// consumer holds the lease.
func (s *Store) LeaseRescorePlanner(ctx context.Context, id, consumer string, ttl time.Duration) (bool, error) {
	n, err := leaseScript.Run(ctx, s.rdb, []string{s.keys.RescorePlanner(id)}, consumer, ttl.Milliseconds()).Int()
	if err != nil {
		return false, opErrf("store.LeaseRescorePlanner", "job %s: %w", id, err)
	}
	return n == 1, nil
}

// RescoreCursor returns where the selection of job id stands: "" before
// it began, and what PlanRescore last recorded otherwise.
func (s *Store) RescoreCursor(ctx context.Context, id string) (string, error) {
	c, err := s.rdb.HGet(ctx, s.keys.RescoreJob(id), "cursor").Result()
	if errors.Is(err, redis.Nil) {
		return "", opErrf("store.RescoreCursor", "job %s: %w", id, ErrNotFound)
	}
	return c, opErr("store.RescoreCursor", err)
}

// planScript queues a batch of a job's selected objects.
//
// KEYS[1] the job's hash
// KEYS[2] the job's stream
// KEYS[3] the set of active jobs
// KEYS[4] the hash of selections
// KEYS[5] the job's planner lease
// ARGV[1] job id
// ARGV[2] consumer name (the lease holder)
// ARGV[3] the cursor the batch was selected from
// ARGV[4] the cursor after the batch
// ARGV[5] '1' when the batch ends the selection
// ARGV[6] now, Unix ms
// ARGV[7..] the objects
//
// Returns {objects queued, 1 when the job finished} or {-1, 0} when the
// job is not running, {-2, 0} when its cursor is not ARGV[3] or its
// selection is complete (another worker selected this batch already),
// {-3, 0} when the consumer does not hold the lease. The objects, the cursor and the total move together, so
// a selection resumed after a crash counts every object once.
var planScript = redis.NewScript(luaRescoreFinish + `
local h = redis.call('HMGET', KEYS[1], 'status', 'cursor', 'selecting')
if h[1] ~= 'running' then return {-1, 0} end
if (h[2] or '') ~= ARGV[3] or h[3] ~= '1' then return {-2, 0} end
if redis.call('GET', KEYS[5]) ~= ARGV[2] then return {-3, 0} end
local n = 0
for i = 7, #ARGV do
  redis.call('XADD', KEYS[2], '*', 'o', ARGV[i])
  n = n + 1
end
redis.call('HINCRBY', KEYS[1], 'total', n)
redis.call('HSET', KEYS[1], 'cursor', ARGV[4])
redis.call('HSETNX', KEYS[1], 'started_at', ARGV[6])
local fin = 0
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[1], 'selecting', '0')
  if rs_finish(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[6]) then fin = 1 end
end
return {n, fin}
`)

// Outcomes of PlanRescore besides success.
var (
	// ErrRescoreNotRunning: the job is paused or finished.
	ErrRescoreNotRunning = errors.New("the job is not running")
	// ErrRescoreMoved: the job's selection moved on (another worker
	// queued this batch) or the lease was lost; read the cursor again.
	ErrRescoreMoved = errors.New("the job's selection moved on")
)

// PlanRescore queues objects, selected from cursor from on, on job id's
// stream and records cursor to as where its selection stands; last says
// that the selection is complete. consumer must hold the planner lease.
// It reports whether the job finished (it had nothing left). The error
// wraps ErrRescoreNotRunning or ErrRescoreMoved when nothing was queued
// for those reasons.
func (s *Store) PlanRescore(ctx context.Context, id, consumer, from, to string, last bool, objects []string) (bool, error) {
	const op = "store.PlanRescore"
	args := make([]any, 0, 6+len(objects))
	args = append(args, id, consumer, from, to, boolInt(last), time.Now().UnixMilli())
	for _, o := range objects {
		args = append(args, o)
	}
	vals, err := planScript.Run(ctx, s.rdb, s.jobKeys(id), args...).Int64Slice()
	if err != nil || len(vals) != 2 {
		return false, opErrf(op, "job %s: %v", id, scriptErr(err, vals, 2))
	}
	switch vals[0] {
	case -1:
		return false, opErrf(op, "job %s: %w", id, ErrRescoreNotRunning)
	case -2, -3:
		return false, opErrf(op, "job %s: %w", id, ErrRescoreMoved)
	}
	return vals[1] == 1, nil
}

// jobKeys are the keys of rs_finish: job, stream, active, selections,
// lease.
func (s *Store) jobKeys(id string) []string {
	return []string{s.keys.RescoreJob(id), s.keys.RescoreStream(id), s.keys.RescoreActive(),
		s.keys.RescoreSelections(), s.keys.RescorePlanner(id)}
}

// RescoreMessage is one object of a job to rescore.
type RescoreMessage struct {
	// Job is the job's id and ID the stream entry's.
	Job string
	ID  string
	// Object is the transcript object's key.
	Object string
	// Deliveries counts how often the message was delivered, this time
	// included.
	Deliveries int64
}

// ReadRescore returns up to count new messages of each of the jobs ids,
// for consumer, waiting up to block for the first (no wait when block is
// negative). A job whose stream is gone (cancelled or finished meanwhile)
// yields nothing.
func (s *Store) ReadRescore(ctx context.Context, consumer string, ids []string, count int64, block time.Duration) ([]RescoreMessage, error) {
	const op = "store.ReadRescore"
	if len(ids) == 0 {
		return nil, nil
	}
	streams := make([]string, 0, 2*len(ids))
	for _, id := range ids {
		streams = append(streams, s.keys.RescoreStream(id))
	}
	for range ids {
		streams = append(streams, ">")
	}
	res, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: RescoreGroup, Consumer: consumer,
		Streams: streams, Count: count, Block: block}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") && len(ids) > 1 {
		// One of the jobs went away: read the others one by one.
		var out []RescoreMessage
		for _, id := range ids {
			msgs, err := s.ReadRescore(ctx, consumer, []string{id}, count, -1)
			if err != nil {
				return out, err
			}
			out = append(out, msgs...)
		}
		return out, nil
	}
	if err != nil {
		if strings.HasPrefix(err.Error(), "NOGROUP") || strings.HasPrefix(err.Error(), "UNBLOCKED") {
			// The job went away, while the read was blocked on its
			// stream or before.
			return nil, nil
		}
		return nil, opErr(op, err)
	}
	var out []RescoreMessage
	for i, st := range res {
		id := jobOfStream(ids, streams[:len(ids)], st.Stream, i)
		for _, m := range st.Messages {
			o, _ := m.Values["o"].(string)
			out = append(out, RescoreMessage{Job: id, ID: m.ID, Object: o, Deliveries: 1})
		}
	}
	return out, nil
}

// jobOfStream returns the job id of stream key among streams (the keys
// of ids, in order); i is a hint.
func jobOfStream(ids, streams []string, key string, i int) string {
	if i < len(streams) && streams[i] == key {
		return ids[i]
	}
	for j, k := range streams {
		if k == key {
			return ids[j]
		}
	}
	return ""
}

// ClaimRescore takes over up to count messages of job id that were
// delivered to any consumer and not acknowledged for at least minIdle, as
// a dead worker leaves them.
func (s *Store) ClaimRescore(ctx context.Context, id, consumer string, minIdle time.Duration, count int64) ([]RescoreMessage, error) {
	const op = "store.ClaimRescore"
	stream := s.keys.RescoreStream(id)
	msgs, _, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: stream, Group: RescoreGroup,
		Consumer: consumer, MinIdle: minIdle, Start: "0-0", Count: count}).Result()
	if err != nil {
		if strings.HasPrefix(err.Error(), "NOGROUP") {
			return nil, nil
		}
		return nil, opErrf(op, "job %s: %w", id, err)
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	pend, err := s.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: stream, Group: RescoreGroup,
		Start: msgs[0].ID, End: msgs[len(msgs)-1].ID, Count: int64(len(msgs)) * 2, Consumer: consumer}).Result()
	if err != nil {
		return nil, opErrf(op, "job %s: %w", id, err)
	}
	deliveries := make(map[string]int64, len(pend))
	for _, p := range pend {
		deliveries[p.ID] = p.RetryCount
	}
	out := make([]RescoreMessage, 0, len(msgs))
	for _, m := range msgs {
		o, _ := m.Values["o"].(string)
		out = append(out, RescoreMessage{Job: id, ID: m.ID, Object: o, Deliveries: max(deliveries[m.ID], 1)})
	}
	return out, nil
}

// ExtendRescore resets the idle time of messages consumer holds, so that
// no other worker claims them while it retries a transient failure.
func (s *Store) ExtendRescore(ctx context.Context, consumer string, msgs ...RescoreMessage) error {
	byJob := map[string][]string{}
	for _, m := range msgs {
		byJob[m.Job] = append(byJob[m.Job], m.ID)
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for id, ids := range byJob {
			p.XClaimJustID(ctx, &redis.XClaimArgs{Stream: s.keys.RescoreStream(id), Group: RescoreGroup,
				Consumer: consumer, MinIdle: 0, Messages: ids})
		}
		return nil
	})
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		return nil // the job went away
	}
	return opErr("store.ExtendRescore", err)
}

// ackRescoreScript acknowledges messages of a job and finishes the job
// when they were its last.
//
// KEYS[1..5] as rs_finish: the job's hash, stream, the active set, the
// selections, the planner lease
// ARGV[1] job id
// ARGV[2] now, Unix ms
// ARGV[3..] stream entry ids
//
// Returns {messages acknowledged, 1 when the job finished}.
var ackRescoreScript = redis.NewScript(luaRescoreFinish + `
local n = 0
if redis.call('EXISTS', KEYS[2]) == 1 then
  for i = 3, #ARGV do
    n = n + redis.call('XACK', KEYS[2], 'callqa-rescore', ARGV[i])
    redis.call('XDEL', KEYS[2], ARGV[i])
  end
end
local fin = 0
if rs_finish(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[2]) then fin = 1 end
return {n, fin}
`)

// AckRescore acknowledges rescored messages, in one round trip, and
// returns the ids of the jobs that they finished.
func (s *Store) AckRescore(ctx context.Context, msgs []RescoreMessage) ([]string, error) {
	const op = "store.AckRescore"
	byJob := map[string][]any{}
	var order []string
	for _, m := range msgs {
		if _, ok := byJob[m.Job]; !ok {
			order = append(order, m.Job)
		}
		byJob[m.Job] = append(byJob[m.Job], m.ID)
	}
	now := time.Now().UnixMilli()
	cmds := make([]*redis.Cmd, len(order))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range order {
			cmds[i] = ackRescoreScript.EvalSha(ctx, p, s.jobKeys(id), append([]any{id, now}, byJob[id]...)...)
		}
		return nil
	})
	if isNoScript(err) {
		if lerr := ackRescoreScript.Load(ctx, s.rdb).Err(); lerr != nil {
			return nil, opErrf(op, "load the ack script: %w", lerr)
		}
		return s.AckRescore(ctx, msgs)
	}
	if err != nil && !isReply(err) {
		return nil, opErr(op, err)
	}
	var finished []string
	for i, c := range cmds {
		vals, err := c.Int64Slice()
		if err != nil || len(vals) != 2 {
			return finished, opErrf(op, "job %s: %v", order[i], scriptErr(err, vals, 2))
		}
		if vals[1] == 1 {
			finished = append(finished, order[i])
		}
	}
	return finished, nil
}

// failRescoreScript records an object a job could not rescore and
// acknowledges its message.
//
// KEYS[1..5] as ackRescoreScript
// KEYS[6] the job's failures (Keys.RescoreFailures)
// KEYS[7] the job's first failures, for display (Keys.RescoreFailureList)
// ARGV[1] job id
// ARGV[2] now, Unix ms
// ARGV[3] stream entry id
// ARGV[4] object key
// ARGV[5] failure JSON {object, reason}
// ARGV[6] how many failures the display list keeps
//
// An object fails once per job: a second failure of it (a redelivery)
// changes nothing but the acknowledgement. Returns {1 when the failure
// was counted, 1 when the job finished}.
var failRescoreScript = redis.NewScript(luaRescoreFinish + `
local st = redis.call('HGET', KEYS[1], 'status')
local counted = 0
if (st == 'running' or st == 'paused') and redis.call('HSETNX', KEYS[6], ARGV[4], ARGV[5]) == 1 then
  counted = 1
  if redis.call('LLEN', KEYS[7]) < tonumber(ARGV[6]) then redis.call('RPUSH', KEYS[7], ARGV[5]) end
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('XACK', KEYS[2], 'callqa-rescore', ARGV[3])
  redis.call('XDEL', KEYS[2], ARGV[3])
end
local fin = 0
if rs_finish(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[2]) then fin = 1 end
return {counted, fin}
`)

// failuresShown is how many failures a job keeps for display; the count
// covers them all.
const failuresShown = 50

// FailRescore records that msg's object could not be rescored, and why,
// and acknowledges msg. It reports whether that finished the job.
func (s *Store) FailRescore(ctx context.Context, msg RescoreMessage, reason string) (bool, error) {
	const op = "store.FailRescore"
	js, _ := json.Marshal(RescoreFailure{Object: msg.Object, Reason: reason})
	keys := append(s.jobKeys(msg.Job), s.keys.RescoreFailures(msg.Job), s.keys.RescoreFailureList(msg.Job))
	vals, err := failRescoreScript.Run(ctx, s.rdb, keys, msg.Job, time.Now().UnixMilli(), msg.ID, msg.Object, js,
		failuresShown).Int64Slice()
	if err != nil || len(vals) != 2 {
		return false, opErrf(op, "job %s object %s: %v", msg.Job, msg.Object, scriptErr(err, vals, 2))
	}
	return vals[1] == 1, nil
}

// RescoreBacklog returns how many messages of job id wait in its stream,
// delivered or not.
func (s *Store) RescoreBacklog(ctx context.Context, id string) (int64, error) {
	n, err := s.rdb.XLen(ctx, s.keys.RescoreStream(id)).Result()
	return n, opErr("store.RescoreBacklog", err)
}
