package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of QueueOptions.
const (
	DefaultEventsKey = "callqa:minio-events"
	DefaultGroup     = "callqa-workers"
)

// Message sources: what put a message in the work stream.
const (
	SourceEvent   = "event"   // a MinIO bucket notification
	SourceScan    = "scan"    // the reconciling scan of the bucket
	SourceRescore = "rescore" // a rescoring job
	// SourceSidecar: a sidecar of the call (a CDR or metadata) arrived,
	// changed or was removed, so the call's transcript is scored again.
	SourceSidecar = "sidecar"
	// SourceWait: the transcript's wait for a sidecar ended (Message.Final).
	SourceWait = "wait"
	// SourceChanged: the call's objects changed while the message was
	// processed, so its outcome was discarded and the object queued again.
	SourceChanged = "changed"
	// SourceCheck: a worker found a registered sidecar missing and asks
	// for the object's state to be checked.
	SourceCheck = "check"
)

// QueueOptions configures a Queue. Bucket is required.
type QueueOptions struct {
	// EventsKey is the Redis list MinIO's notification pushes events to;
	// DefaultEventsKey when empty.
	EventsKey string
	// Bucket is the bucket whose objects are scored; events of other
	// buckets on the same list are dropped.
	Bucket string
	// Group is the stream's consumer group; DefaultGroup when empty.
	Group string
	// DeadMaxLen bounds the dead-letter stream (approximately); 100,000
	// when zero.
	DeadMaxLen int64
}

// Queue is the work queue of one bucket: a Redis stream read by a
// consumer group, fed by MinIO's events and the reconciling scan, with a
// dead-letter stream and a mark per object of the last version handled.
type Queue struct {
	store      *Store
	rdb        redis.UniversalClient
	keys       QueueKeys
	group      string
	bucket     string
	deadMaxLen int64
}

// Queue returns the work queue configured by opts.
func (s *Store) Queue(opts QueueOptions) *Queue {
	if opts.EventsKey == "" {
		opts.EventsKey = DefaultEventsKey
	}
	if opts.Group == "" {
		opts.Group = DefaultGroup
	}
	if opts.DeadMaxLen <= 0 {
		opts.DeadMaxLen = 100000
	}
	return &Queue{store: s, rdb: s.rdb, keys: s.keys.Queue(opts.EventsKey, opts.Bucket),
		group: opts.Group, bucket: opts.Bucket, deadMaxLen: opts.DeadMaxLen}
}

// Keys returns the queue's keys.
func (q *Queue) Keys() QueueKeys { return q.keys }

// Message is one unit of work: score the current version of an object.
type Message struct {
	// ID is the stream entry id.
	ID string
	// Object is the object key (decoded).
	Object string
	// ETag is the version the message was queued for; the worker scores
	// whatever version is current when it reads the object.
	ETag string
	// Size is the object's size in bytes as queued, 0 when unknown.
	Size int64
	// Source is SourceEvent, SourceScan or SourceRescore.
	Source string
	// Force asks to score the object even if its version was scored
	// already (rescoring).
	Force bool
	// Removed marks a message queued because the object was deleted; the
	// worker checks whether it still exists. ETag is then empty.
	Removed bool
	// Final marks a transcript whose wait for a sidecar has ended: if it
	// still lacks what only a sidecar can give, it is dead-lettered.
	Final bool
	// Queued is when the message entered the stream.
	Queued time.Time
	// Deliveries counts how often the message was delivered, this time
	// included; 1 for a first delivery.
	Deliveries int64
}

// Ensure creates the stream and its consumer group if they do not exist.
// A new group starts at the beginning of the stream, so work queued before
// the first worker started is not skipped.
func (q *Queue) Ensure(ctx context.Context) error {
	err := q.rdb.XGroupCreateMkStream(ctx, q.keys.Stream, q.group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return opErrf("store.Queue.Ensure", "create group %s on %s: %w", q.group, q.keys.Stream, err)
	}
	return nil
}

// Read returns up to count new messages for consumer, waiting up to block
// for the first one; none when block passes without work.
func (q *Queue) Read(ctx context.Context, consumer string, count int64, block time.Duration) ([]Message, error) {
	streams, err := q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: q.group, Consumer: consumer, Streams: []string{q.keys.Stream, ">"},
		Count: count, Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, opErr("store.Queue.Read", err)
	}
	var out []Message
	for _, st := range streams {
		for _, m := range st.Messages {
			msg := parseMessage(m)
			msg.Deliveries = 1
			out = append(out, msg)
		}
	}
	return out, nil
}

// Claim takes over up to count messages that were delivered to any
// consumer and not acknowledged for at least minIdle, as a dead worker
// leaves them. Their Deliveries tell how often they were delivered.
func (q *Queue) Claim(ctx context.Context, consumer string, minIdle time.Duration, count int64) ([]Message, error) {
	const op = "store.Queue.Claim"
	msgs, _, err := q.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: q.keys.Stream, Group: q.group, Consumer: consumer,
		MinIdle: minIdle, Start: "0-0", Count: count,
	}).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	pend, err := q.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: q.keys.Stream, Group: q.group, Start: msgs[0].ID, End: msgs[len(msgs)-1].ID,
		Count: int64(len(msgs)) * 2, Consumer: consumer,
	}).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	deliveries := make(map[string]int64, len(pend))
	for _, p := range pend {
		deliveries[p.ID] = p.RetryCount
	}
	out := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		msg := parseMessage(m)
		msg.Deliveries = max(deliveries[m.ID], 1)
		out = append(out, msg)
	}
	return out, nil
}

// Extend resets the idle time of messages consumer holds, so that no
// other worker claims them while consumer is still working on them
// (retrying a transient failure).
func (q *Queue) Extend(ctx context.Context, consumer string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	err := q.rdb.XClaimJustID(ctx, &redis.XClaimArgs{
		Stream: q.keys.Stream, Group: q.group, Consumer: consumer, MinIdle: 0, Messages: ids,
	}).Err()
	return opErr("store.Queue.Extend", err)
}

// Check queues objects to have their state checked, as after a removal
// event: a worker that finds one gone removes what it contributed, and one
// that finds it there handles its current version. It is for objects a
// worker found missing although they are registered (their removal event
// was missed).
func (q *Queue) Check(ctx context.Context, objects ...string) error {
	if len(objects) == 0 {
		return nil
	}
	now := time.Now().UnixMilli()
	_, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, o := range objects {
			p.XAdd(ctx, &redis.XAddArgs{Stream: q.keys.Stream, Values: []any{
				"key", o, "etag", "", "size", 0, "src", SourceCheck, "at", now, "force", 1, "rm", 1}})
		}
		return nil
	})
	return opErr("store.Queue.Check", err)
}

func parseMessage(m redis.XMessage) Message {
	str := func(k string) string {
		s, _ := m.Values[k].(string)
		return s
	}
	size, _ := strconv.ParseInt(str("size"), 10, 64)
	return Message{
		ID: m.ID, Object: str("key"), ETag: str("etag"), Size: size, Source: str("src"),
		Force: str("force") == "1", Removed: str("rm") == "1", Final: str("final") == "1",
		Queued: millis(str("at")),
	}
}

// Job asks for one object version to be scored.
type Job struct {
	Object string
	ETag   string
	Size   int64
}

// enqueueScript queues jobs whose object version is not scored, not dead
// and not queued recently.
//
// KEYS[1] the work stream
// KEYS[2] the marks hash
// ARGV[1] now, Unix ms
// ARGV[2] how long a queued mark holds, in ms: an older one is queued again
// ARGV[3] source (SourceScan, SourceRescore)
// ARGV[4] force: "1" queues even scored and dead versions
// ARGV[5..] object key, ETag and size of each job, in threes
//
// Returns the number of jobs queued.
var enqueueScript = redis.NewScript(luaMarks + `
local now, hold, force = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[4] == '1'
local n = 0
for i = 5, #ARGV, 3 do
  local key, etag = ARGV[i], ARGV[i + 1]
  if force or not handled(KEYS[2], key, etag, now, hold) then
    redis.call('XADD', KEYS[1], '*', 'key', key, 'etag', etag, 'size', ARGV[i + 2],
      'src', ARGV[3], 'at', ARGV[1], 'force', ARGV[4])
    redis.call('HSET', KEYS[2], key, 'q:' .. ARGV[1] .. ':' .. etag)
    n = n + 1
  end
end
return n
`)

// Enqueue queues jobs from source. Unless force is set, a job is skipped
// when its object version was scored or dead-lettered, or was queued less
// than hold ago (and so is still waiting in the stream). It returns how
// many jobs were queued.
func (q *Queue) Enqueue(ctx context.Context, jobs []Job, source string, force bool, hold time.Duration) (int, error) {
	if len(jobs) == 0 {
		return 0, nil
	}
	args := make([]any, 0, 4+3*len(jobs))
	args = append(args, time.Now().UnixMilli(), hold.Milliseconds(), source, boolInt(force))
	for _, j := range jobs {
		args = append(args, j.Object, j.ETag, j.Size)
	}
	n, err := enqueueScript.Run(ctx, q.rdb, []string{q.keys.Stream, q.keys.Marks}, args...).Int()
	if err != nil {
		return 0, opErrf("store.Queue.Enqueue", "queue %d jobs: %w", len(jobs), err)
	}
	return n, nil
}

// doneScript marks an object version scored and acknowledges its message.
//
// KEYS[1] the work stream
// KEYS[2] the marks hash
// ARGV[1] group
// ARGV[2] message id
// ARGV[3] object key
// ARGV[4] the ETag that was scored, empty to leave the mark as it is
// ARGV[5] now, Unix ms
//
// Returns the number of messages acknowledged (0 when another worker
// acknowledged it first).
var doneScript = redis.NewScript(`
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[3], 's:' .. ARGV[5] .. ':' .. ARGV[4])
end
local n = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return n
`)

// Done acknowledges msg after its object was scored at version etag, and
// marks that version scored so that neither events nor the scan queue it
// again. An empty etag acknowledges without marking (nothing was scored:
// the object is gone).
func (q *Queue) Done(ctx context.Context, msg Message, etag string) error {
	err := doneScript.Run(ctx, q.rdb, []string{q.keys.Stream, q.keys.Marks},
		q.group, msg.ID, msg.Object, etag, time.Now().UnixMilli()).Err()
	if err != nil {
		return opErrf("store.Queue.Done", "acknowledge %s (%s): %w", msg.ID, msg.Object, err)
	}
	return nil
}

// Finish announces a stored score (a may be nil) and acknowledges msg as
// Done does, in one round trip. The announcement goes first and is at
// least once: when the acknowledgement fails, the message is processed and
// announced again.
func (q *Queue) Finish(ctx context.Context, msg Message, etag string, a *Announcement) error {
	return q.finish(ctx, msg, etag, a, false)
}

func (q *Queue) finish(ctx context.Context, msg Message, etag string, a *Announcement, loaded bool) error {
	var done *redis.Cmd
	_, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		if a != nil {
			q.store.addAnnouncement(ctx, p, a)
		}
		done = doneScript.EvalSha(ctx, p, []string{q.keys.Stream, q.keys.Marks},
			q.group, msg.ID, msg.Object, etag, time.Now().UnixMilli())
		return nil
	})
	if isNoScript(err) && !loaded {
		if lerr := doneScript.Load(ctx, q.rdb).Err(); lerr != nil {
			return opErrf("store.Queue.Finish", "load the done script: %w", lerr)
		}
		// The announcement went out before the script failed; do not
		// repeat it.
		return q.finish(ctx, msg, etag, nil, true)
	}
	if err == nil {
		err = done.Err()
	}
	if err != nil {
		return opErrf("store.Queue.Finish", "acknowledge %s (%s): %w", msg.ID, msg.Object, err)
	}
	return nil
}

// QueueStats is a snapshot of a queue's size.
type QueueStats struct {
	// Events is the length of the list MinIO pushes to: events not yet
	// moved into the stream.
	Events int64
	// Depth is the number of messages in the stream, delivered or not
	// (acknowledged messages are deleted).
	Depth int64
	// Pending is the number of messages delivered and not acknowledged.
	Pending int64
	// Dead is the length of the dead-letter stream.
	Dead int64
	// Waiting is the number of transcripts waiting for a sidecar.
	Waiting int64
}

// Stats returns the queue's sizes.
func (q *Queue) Stats(ctx context.Context) (QueueStats, error) {
	var events, depth, dead, waiting *redis.IntCmd
	var pending *redis.XPendingCmd
	_, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		events = p.LLen(ctx, q.keys.Events)
		depth = p.XLen(ctx, q.keys.Stream)
		pending = p.XPending(ctx, q.keys.Stream, q.group)
		dead = p.XLen(ctx, q.keys.Dead)
		waiting = p.ZCard(ctx, q.keys.Waiting)
		return nil
	})
	if err != nil {
		return QueueStats{}, opErr("store.Queue.Stats", fmt.Errorf("%w", err))
	}
	return QueueStats{Events: events.Val(), Depth: depth.Val(), Pending: pending.Val().Count, Dead: dead.Val(),
		Waiting: waiting.Val()}, nil
}
