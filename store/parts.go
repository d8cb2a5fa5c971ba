package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A call's objects share a pairing key (adapt.PairKey): its transcript or
// ASR result and its sidecars (CDRs, metadata) may arrive in any order.
// The queue keeps, per pairing key, what it knows of them in the parts
// hash (QueueKeys.Parts), as JSON {"g": gen, "t": {object: call id},
// "s": {object: ETag}}:
//
//   - t: every transcript object the worker has settled, with the call id
//     its score was stored under ("" while it waits for a sidecar or after
//     it was dead-lettered), so that a sidecar arriving later can queue it
//     again and a removed object's score can be found;
//   - s: every sidecar registered, with its ETag;
//   - g: the generation of the sidecars, taken from the counter
//     QueueKeys.PartsGen at every change of s, so that it never repeats.
//
// A worker reads a call's parts before it fetches the objects (PartsOf)
// and settles the transcript's message with the generation it read
// (Settle): when the sidecars changed meanwhile, the outcome is discarded
// and the transcript queued again, so that the last score stored is always
// one made from the current sidecars.
//
// luaParts defines parts_get(h, ck) and parts_set(h, ck, p), which read and
// write the parts of pairing key ck in hash h (an entry without objects is
// deleted), and parts_requeue(stream, marks, p, now), which queues every
// transcript of p again (source sidecar, forced) and returns how many.
const luaParts = `
local function parts_get(h, ck)
  local raw = redis.call('HGET', h, ck)
  local p
  if raw then p = cjson.decode(raw) end
  if type(p) ~= 'table' then p = {} end
  if type(p.t) ~= 'table' then p.t = {} end
  if type(p.s) ~= 'table' then p.s = {} end
  p.g = tonumber(p.g) or 0
  return p
end
local function parts_set(h, ck, p)
  if next(p.t) == nil and next(p.s) == nil then
    redis.call('HDEL', h, ck)
  else
    redis.call('HSET', h, ck, cjson.encode(p))
  end
end
local function parts_requeue(stream, marks, p, now)
  local n = 0
  for obj, _ in pairs(p.t) do
    local _, _, etag = mark_of(marks, obj)
    if not etag then etag = '' end
    redis.call('XADD', stream, '*', 'key', obj, 'etag', etag, 'size', '0', 'src', 'sidecar',
      'at', now, 'force', '1')
    redis.call('HSET', marks, obj, 'q:' .. now .. ':' .. etag)
    n = n + 1
  end
  return n
end
local function ack(stream, group, id)
  if id ~= '' then
    redis.call('XACK', stream, group, id)
    redis.call('XDEL', stream, id)
  end
end
`

// Parts is what the queue knows of the objects of one call (see luaParts).
type Parts struct {
	// Gen is the generation of the sidecars; 0 when the call has none and
	// no transcript was settled.
	Gen int64
	// Transcripts maps each transcript object settled to the call id its
	// score is stored under; "" while it waits for a sidecar or after it
	// was dead-lettered.
	Transcripts map[string]string
	// Sidecars maps each registered sidecar object to its ETag.
	Sidecars map[string]string
}

type partsJSON struct {
	G json.Number       `json:"g"`
	T map[string]string `json:"t"`
	S map[string]string `json:"s"`
}

func parseParts(raw string) (Parts, error) {
	var pj partsJSON
	if err := json.Unmarshal([]byte(raw), &pj); err != nil {
		return Parts{}, err
	}
	g, err := strconv.ParseFloat(string(pj.G), 64)
	if pj.G != "" && err != nil {
		return Parts{}, fmt.Errorf("generation %q: %w", pj.G, err)
	}
	return Parts{Gen: int64(g), Transcripts: pj.T, Sidecars: pj.S}, nil
}

// PartsOf returns the parts of the calls with pairing keys callKeys, in
// order, in one round trip. A call the queue knows nothing of has the
// zero Parts.
func (q *Queue) PartsOf(ctx context.Context, callKeys []string) ([]Parts, error) {
	const op = "store.Queue.PartsOf"
	if len(callKeys) == 0 {
		return nil, nil
	}
	vals, err := q.rdb.HMGet(ctx, q.keys.Parts, callKeys...).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	out := make([]Parts, len(vals))
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue
		}
		p, err := parseParts(s)
		if err != nil {
			return nil, opErrf(op, "parts of %s: %w", callKeys[i], err)
		}
		out[i] = p
	}
	return out, nil
}

// attachScript registers a sidecar of a call and acknowledges its message.
//
// KEYS[1] the work stream
// KEYS[2] the marks hash
// KEYS[3] the parts hash
// KEYS[4] the parts generation counter
// ARGV[1] group
// ARGV[2] message id (” for none)
// ARGV[3] the sidecar's object key
// ARGV[4] the call's pairing key
// ARGV[5] the sidecar's ETag
// ARGV[6] now, Unix ms
//
// When the sidecar is new or its ETag changed, it takes a new generation
// and every transcript of the call is queued again. The sidecar's version
// is marked done (s). Returns {1 when it changed else 0, transcripts
// queued}.
var attachScript = redis.NewScript(luaMarks + luaParts + `
local p = parts_get(KEYS[3], ARGV[4])
local changed, n = 0, 0
if p.s[ARGV[3]] ~= ARGV[5] then
  p.s[ARGV[3]] = ARGV[5]
  p.g = redis.call('INCR', KEYS[4])
  parts_set(KEYS[3], ARGV[4], p)
  n = parts_requeue(KEYS[1], KEYS[2], p, ARGV[6])
  changed = 1
end
redis.call('HSET', KEYS[2], ARGV[3], 's:' .. ARGV[6] .. ':' .. ARGV[5])
ack(KEYS[1], ARGV[1], ARGV[2])
return {changed, n}
`)

// detachScript forgets a removed sidecar and acknowledges its message.
//
// KEYS and ARGV[1..4] as attachScript; ARGV[5] now, Unix ms.
//
// When the sidecar was registered, the call's sidecars take a new
// generation and every transcript of the call is queued again. The
// object is marked removed (x). Returns {1 when it was registered else 0,
// transcripts queued}.
var detachScript = redis.NewScript(luaMarks + luaParts + `
local p = parts_get(KEYS[3], ARGV[4])
local changed, n = 0, 0
if p.s[ARGV[3]] ~= nil then
  p.s[ARGV[3]] = nil
  p.g = redis.call('INCR', KEYS[4])
  parts_set(KEYS[3], ARGV[4], p)
  n = parts_requeue(KEYS[1], KEYS[2], p, ARGV[5])
  changed = 1
end
redis.call('HSET', KEYS[2], ARGV[3], 'x:' .. ARGV[5] .. ':')
ack(KEYS[1], ARGV[1], ARGV[2])
return {changed, n}
`)

// SidecarResult says what Attach or Detach did.
type SidecarResult struct {
	// Changed reports that the call's sidecars changed: the sidecar was
	// new, had a new ETag, or (Detach) was registered.
	Changed bool
	// Requeued counts the call's transcripts queued again.
	Requeued int
}

// Attach registers the sidecar msg.Object, at version etag, with the call
// of pairing key callKey, queues the call's transcripts again if that
// changed the call's sidecars, marks the version done and acknowledges
// msg, in one atomic step. msg.ID may be empty (no message to
// acknowledge).
func (q *Queue) Attach(ctx context.Context, msg Message, callKey, etag string) (SidecarResult, error) {
	vals, err := runScript(ctx, q.rdb, attachScript,
		[]string{q.keys.Stream, q.keys.Marks, q.keys.Parts, q.keys.PartsGen},
		q.group, msg.ID, msg.Object, callKey, etag, time.Now().UnixMilli()).Int64Slice()
	if err != nil || len(vals) != 2 {
		return SidecarResult{}, opErrf("store.Queue.Attach", "register sidecar %s: %v", msg.Object, scriptErr(err, vals, 2))
	}
	return SidecarResult{Changed: vals[0] == 1, Requeued: int(vals[1])}, nil
}

// Detach forgets the removed sidecar msg.Object of the call of pairing
// key callKey, queues the call's transcripts again if it was registered,
// marks the object removed and acknowledges msg, in one atomic step.
func (q *Queue) Detach(ctx context.Context, msg Message, callKey string) (SidecarResult, error) {
	vals, err := runScript(ctx, q.rdb, detachScript,
		[]string{q.keys.Stream, q.keys.Marks, q.keys.Parts, q.keys.PartsGen},
		q.group, msg.ID, msg.Object, callKey, time.Now().UnixMilli()).Int64Slice()
	if err != nil || len(vals) != 2 {
		return SidecarResult{}, opErrf("store.Queue.Detach", "forget sidecar %s: %v", msg.Object, scriptErr(err, vals, 2))
	}
	return SidecarResult{Changed: vals[0] == 1, Requeued: int(vals[1])}, nil
}

// settleScript records the outcome of a transcript's message and
// acknowledges it.
//
// KEYS[1] the work stream
// KEYS[2] the marks hash
// KEYS[3] the parts hash
// KEYS[4] the waiting set
// KEYS[5] the dead-letter stream
// ARGV[1] group
// ARGV[2] message id
// ARGV[3] the transcript's object key
// ARGV[4] the call's pairing key
// ARGV[5] the generation of the parts the outcome was computed from; ”
//
//	to skip the check
//
// ARGV[6] the outcome: s (stored), w (waiting for a sidecar), d
//
//	(dead-lettered) or x (the object is gone)
//
// ARGV[7] the ETag of the version handled (” when unknown)
// ARGV[8] s: the call id stored
// ARGV[9] now, Unix ms
// ARGV[10] w: when the wait ends, Unix ms (kept when already waiting)
// ARGV[11] d: the reason
// ARGV[12] the message's source
// ARGV[13] the message's deliveries
// ARGV[14] the dead-letter stream's approximate maximum length
// ARGV[15] d: '1' to register the transcript with its call ('0' for a
//
//	second transcript of one call)
//
// ARGV[16] '1' when the message was final (its wait had ended)
//
// Unless the outcome is x, the outcome is discarded when the call's
// sidecars changed since generation ARGV[5] or the object was removed
// meanwhile (its mark is x): the object is then queued again (source
// changed) and {2, ”} returned; a stored score (s) is registered all the
// same, so that a removal of the object finds it. Otherwise the outcome is recorded (the
// transcript registered or forgotten, the wait set or cleared, the dead
// letter written, the version marked) and {1, the call id the transcript
// was registered under before} returned. Either way the message is
// acknowledged.
var settleScript = redis.NewScript(luaMarks + luaParts + `
local obj, ck, state, etag, now = ARGV[3], ARGV[4], ARGV[6], ARGV[7], ARGV[9]
local p = parts_get(KEYS[3], ck)
if state ~= 'x' then
  local mstate = mark_of(KEYS[2], obj)
  if (ARGV[5] ~= '' and p.g ~= tonumber(ARGV[5])) or mstate == 'x' then
    if state == 's' and p.t[obj] ~= ARGV[8] then
      -- The score is stored all the same: a removal must find it.
      p.t[obj] = ARGV[8]
      parts_set(KEYS[3], ck, p)
    end
    redis.call('XADD', KEYS[1], '*', 'key', obj, 'etag', etag, 'size', '0', 'src', 'changed',
      'at', now, 'force', '1', 'final', ARGV[16])
    redis.call('HSET', KEYS[2], obj, 'q:' .. now .. ':' .. etag)
    ack(KEYS[1], ARGV[1], ARGV[2])
    return {2, ''}
  end
end
local prev = p.t[obj]
local changed = false
if state == 's' then
  if prev ~= ARGV[8] then
    p.t[obj] = ARGV[8]
    changed = true
  end
  redis.call('ZREM', KEYS[4], obj)
elseif state == 'w' then
  if prev == nil then
    p.t[obj] = ''
    changed = true
  end
  if not redis.call('ZSCORE', KEYS[4], obj) then
    redis.call('ZADD', KEYS[4], ARGV[10], obj)
  end
elseif state == 'd' then
  if prev == nil and ARGV[15] == '1' then
    p.t[obj] = ''
    changed = true
  end
  redis.call('ZREM', KEYS[4], obj)
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[14], '*', 'key', obj, 'etag', etag,
    'reason', ARGV[11], 'src', ARGV[12], 'msg', ARGV[2], 'at', now, 'deliveries', ARGV[13])
elseif state == 'x' then
  if prev ~= nil then
    p.t[obj] = nil
    changed = true
  end
  redis.call('ZREM', KEYS[4], obj)
end
if changed then parts_set(KEYS[3], ck, p) end
if state == 'x' then
  redis.call('HSET', KEYS[2], obj, 'x:' .. now .. ':')
elseif etag ~= '' then
  redis.call('HSET', KEYS[2], obj, state .. ':' .. now .. ':' .. etag)
end
ack(KEYS[1], ARGV[1], ARGV[2])
if prev == nil then prev = '' end
return {1, prev}
`)

// Settlement is the outcome of one transcript message, for Settle.
type Settlement struct {
	Msg Message
	// CallKey is the pairing key of the transcript (adapt.PairKey).
	CallKey string
	// Gen is the generation of the parts the outcome was computed from
	// (Parts.Gen); CheckGen asks Settle to discard the outcome when the
	// call's sidecars changed since.
	Gen      int64
	CheckGen bool
	// State is Scored, Waiting, Dead or Removed (the object is gone).
	State MarkState
	// ETag is the version handled; "" when unknown.
	ETag string
	// CallID is the call id stored (Scored).
	CallID string
	// WaitUntil is when the wait for a sidecar ends (Waiting). A
	// transcript already waiting keeps the end it has.
	WaitUntil time.Time
	// Reason is why the message is dead-lettered (Dead); Register says
	// whether the transcript is registered with its call all the same,
	// so that a sidecar arriving later queues it again.
	Reason   string
	Register bool
	// Announcement, when not nil, is announced before the outcome is
	// recorded (Scored).
	Announcement *Announcement
}

// SettleResult says what Settle did with one Settlement.
type SettleResult struct {
	// Requeued reports that the outcome was discarded because the call's
	// sidecars changed, or the object was removed, while the message was
	// processed: the object was queued again (SourceChanged).
	Requeued bool
	// PrevCallID is the call id the transcript was registered under
	// before; when it differs from the one just stored, the old call's
	// score came from this object and is stale.
	PrevCallID string
	// Err is an error reply of Redis to this settlement alone (the others
	// were settled); a failure to reach Redis is Settle's error instead.
	Err error
}

// Settle records the outcomes of transcript messages and acknowledges
// them, each in one atomic step and all in one round trip (announcements
// first, at least once): a stored score registers the transcript under
// its call id and marks the version scored; a transcript waiting for a
// sidecar is registered, marked waiting and put in the waiting set until
// WaitUntil; a dead one goes to the dead-letter stream and is marked dead;
// a removed one is forgotten and marked removed. See settleScript for the
// check against concurrent changes. The error is non-nil when Redis could
// not be reached; then none, some or all of ss may have been settled, and
// settling them again may repeat an announcement or a dead letter, but
// changes no score or aggregate.
func (q *Queue) Settle(ctx context.Context, ss []Settlement) ([]SettleResult, error) {
	const op = "store.Queue.Settle"
	if len(ss) == 0 {
		return nil, nil
	}
	now := time.Now().UnixMilli()
	cmds := make([]*redis.Cmd, len(ss))
	todo := make([]int, len(ss))
	for i := range ss {
		todo[i] = i
	}
	announce := true
	for try := 0; ; try++ {
		_, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range todo {
				s := &ss[i]
				if announce && s.Announcement != nil {
					q.store.addAnnouncement(ctx, p, s.Announcement)
				}
				cmds[i] = settleScript.EvalSha(ctx, p, q.settleKeys(), q.settleArgs(s, now)...)
			}
			return nil
		})
		if err != nil && !isReply(err) {
			return nil, opErrf(op, "settle %d messages: %w", len(todo), err)
		}
		var again []int
		for _, i := range todo {
			if isNoScript(cmds[i].Err()) {
				again = append(again, i)
			}
		}
		if len(again) == 0 || try > 0 {
			break
		}
		// Redis does not hold the script (it restarted): load it and
		// settle again what failed; the announcements went out already.
		if lerr := settleScript.Load(ctx, q.rdb).Err(); lerr != nil {
			return nil, opErrf(op, "load the settle script: %w", lerr)
		}
		todo, announce = again, false
	}
	out := make([]SettleResult, len(ss))
	for i, c := range cmds {
		vals, err := c.Slice()
		if err != nil || len(vals) != 2 {
			out[i].Err = opErrf(op, "settle %s (%s): %v", ss[i].Msg.ID, ss[i].Msg.Object, scriptErr(err, vals, 2))
			continue
		}
		n, _ := vals[0].(int64)
		prev, _ := vals[1].(string)
		out[i] = SettleResult{Requeued: n == 2, PrevCallID: prev}
	}
	return out, nil
}

// isReply reports whether err is an error reply of Redis to one command
// (the connection worked), as opposed to a failure to reach Redis.
func isReply(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}

func (q *Queue) settleKeys() []string {
	return []string{q.keys.Stream, q.keys.Marks, q.keys.Parts, q.keys.Waiting, q.keys.Dead}
}

func (q *Queue) settleArgs(s *Settlement, now int64) []any {
	gen := ""
	if s.CheckGen {
		gen = strconv.FormatInt(s.Gen, 10)
	}
	var until int64
	if !s.WaitUntil.IsZero() {
		until = s.WaitUntil.UnixMilli()
	}
	return []any{q.group, s.Msg.ID, s.Msg.Object, s.CallKey, gen, string(rune(s.State)), s.ETag, s.CallID,
		now, until, s.Reason, s.Msg.Source, s.Msg.Deliveries, q.deadMaxLen, boolInt(s.Register), boolInt(s.Msg.Final)}
}

// dueScript queues the transcripts whose wait for a sidecar has ended.
//
// KEYS[1] the work stream
// KEYS[2] the marks hash
// KEYS[3] the waiting set
// ARGV[1] now, Unix ms
// ARGV[2] the most to queue
//
// Each becomes a final message (source wait, forced) and leaves the set.
// Returns how many were queued.
var dueScript = redis.NewScript(luaMarks + `
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, obj in ipairs(due) do
  local _, _, etag = mark_of(KEYS[2], obj)
  if not etag then etag = '' end
  redis.call('XADD', KEYS[1], '*', 'key', obj, 'etag', etag, 'size', '0', 'src', 'wait',
    'at', ARGV[1], 'force', '1', 'final', '1')
  redis.call('HSET', KEYS[2], obj, 'q:' .. ARGV[1] .. ':' .. etag)
  redis.call('ZREM', KEYS[3], obj)
end
return #due
`)

// QueueDue queues, as final messages, up to max transcripts whose wait for
// a sidecar ended by now, and returns how many it queued.
func (q *Queue) QueueDue(ctx context.Context, now time.Time, max int) (int, error) {
	n, err := runScript(ctx, q.rdb, dueScript, []string{q.keys.Stream, q.keys.Marks, q.keys.Waiting},
		now.UnixMilli(), max).Int()
	if err != nil {
		return 0, opErrf("store.Queue.QueueDue", "queue transcripts whose wait ended: %w", err)
	}
	return n, nil
}

// Waiting returns the transcript objects waiting for a sidecar with the
// time each wait ends, soonest first, at most count (all when negative).
func (q *Queue) Waiting(ctx context.Context, count int64) (map[string]time.Time, error) {
	stop := count - 1
	if count < 0 {
		stop = -1
	}
	zs, err := q.rdb.ZRangeWithScores(ctx, q.keys.Waiting, 0, stop).Result()
	if err != nil {
		return nil, opErr("store.Queue.Waiting", err)
	}
	out := make(map[string]time.Time, len(zs))
	for _, z := range zs {
		if m, ok := z.Member.(string); ok {
			out[m] = time.UnixMilli(int64(z.Score))
		}
	}
	return out, nil
}

// runScript runs script with EVALSHA, loading it when Redis does not hold
// it (go-redis's Script.Run).
func runScript(ctx context.Context, rdb redis.Scripter, script *redis.Script, keys []string, args ...any) *redis.Cmd {
	return script.Run(ctx, rdb, keys, args...)
}

// scriptErr describes a script call that failed or returned a reply of
// the wrong length.
func scriptErr(err error, vals any, want int) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("script returned %v, want %d values", vals, want)
}
