package store

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// moveEventsScript moves MinIO events from the list MinIO pushes to into
// the work stream. It runs atomically, so an event is either still in the
// list or in the stream (or a dead letter), never lost in between.
//
// KEYS[1] the events list (MinIO's MINIO_NOTIFY_REDIS_KEY)
// KEYS[2] the work stream
// KEYS[3] the marks hash
// KEYS[4] the dead-letter stream
// ARGV[1] the most events to move
// ARGV[2] the bucket: records of other buckets are ignored
// ARGV[3] now, Unix ms
// ARGV[4] how long a queued mark holds, in ms (see enqueueScript)
// ARGV[5] the dead-letter stream's approximate maximum length
//
// Each event is one JSON document in MinIO's access format, an array of
// {"Event": [S3 event records], "EventTime": "..."} (an S3-style
// {"Records": [...]} document is accepted too); every s3:ObjectCreated:*
// record in it for the bucket becomes a message, unless its object
// version is already scored, dead or freshly queued. An event that is not
// JSON goes to the dead-letter stream. Every s3:ObjectRemoved:* record for
// the bucket becomes a message too, with an empty ETag and the field rm
// set, so that the worker removes what the object contributed. Object keys
// arrive URL-encoded and are stored decoded.
//
// Returns {events taken, messages queued for created objects, records
// skipped as already handled, records ignored (other bucket or event),
// dead letters, messages queued for removed objects}.
var moveEventsScript = redis.NewScript(luaMarks + `
local function unescape(s)
  s = string.gsub(s, '%+', ' ')
  s = string.gsub(s, '%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end)
  return s
end
local function field(t, ...)
  for _, k in ipairs({...}) do
    if type(t) ~= 'table' then return nil end
    t = t[k]
  end
  return t
end
-- records returns the S3 event records of one event document: MinIO's
-- access format is an array of {"Event": [records], "EventTime": ...};
-- an S3-style {"Records": [records]} document is accepted too.
local function records(ev)
  if type(ev) ~= 'table' then return nil end
  if type(ev['Records']) == 'table' then return ev['Records'] end
  if ev[1] == nil then return nil end
  local out = {}
  for _, entry in ipairs(ev) do
    local recs = field(entry, 'Event')
    if type(recs) ~= 'table' then return nil end
    for _, rec in ipairs(recs) do table.insert(out, rec) end
  end
  return out
end
local now, hold = tonumber(ARGV[3]), tonumber(ARGV[4])
local taken, queued, dup, ignored, dead, removed = 0, 0, 0, 0, 0, 0
for _ = 1, tonumber(ARGV[1]) do
  local raw = redis.call('LPOP', KEYS[1])
  if not raw then break end
  taken = taken + 1
  local ok, ev = pcall(cjson.decode, raw)
  local recs = nil
  if ok then recs = records(ev) end
  if not recs then
    redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', 'key', '', 'etag', '',
      'reason', 'malformed MinIO event: not an access-format JSON document',
      'src', 'event', 'msg', '', 'at', ARGV[3], 'event', string.sub(raw, 1, 2000))
    dead = dead + 1
  else
    for _, rec in ipairs(recs) do
      local name = field(rec, 'eventName')
      local bucket = field(rec, 's3', 'bucket', 'name')
      local key = field(rec, 's3', 'object', 'key')
      if type(name) ~= 'string' or bucket ~= ARGV[2] or type(key) ~= 'string' then
        ignored = ignored + 1
      elseif string.sub(name, 1, 17) == 's3:ObjectRemoved:' then
        redis.call('XADD', KEYS[2], '*', 'key', unescape(key), 'etag', '', 'size', '0',
          'src', 'event', 'at', ARGV[3], 'force', '1', 'rm', '1')
        removed = removed + 1
      elseif string.sub(name, 1, 17) ~= 's3:ObjectCreated:' then
        ignored = ignored + 1
      else
        key = unescape(key)
        local etag = field(rec, 's3', 'object', 'eTag')
        if type(etag) ~= 'string' then etag = '' end
        etag = string.gsub(etag, '"', '')
        local size = field(rec, 's3', 'object', 'size')
        if type(size) ~= 'number' then size = 0 end
        if handled(KEYS[3], key, etag, now, hold) then
          dup = dup + 1
        else
          redis.call('XADD', KEYS[2], '*', 'key', key, 'etag', etag,
            'size', string.format('%d', size), 'src', 'event', 'at', ARGV[3], 'force', '0')
          redis.call('HSET', KEYS[3], key, 'q:' .. ARGV[3] .. ':' .. etag)
          queued = queued + 1
        end
      end
    end
  end
end
return {taken, queued, dup, ignored, dead, removed}
`)

// MoveResult counts what MoveEvents did.
type MoveResult struct {
	// Events is the number of events taken from the list.
	Events int64
	// Queued is the number of messages added to the work stream.
	Queued int64
	// Duplicates counts records of object versions already scored, dead or
	// queued.
	Duplicates int64
	// Ignored counts records of other buckets and of events other than
	// object creation.
	Ignored int64
	// Dead counts events that were not access-format JSON.
	Dead int64
	// Removed counts messages queued for removed objects.
	Removed int64
}

// MoveEvents moves up to max events from MinIO's events list into the work
// stream in one atomic step. hold is how long a queued mark keeps a second
// event of the same object version out (see Enqueue).
func (q *Queue) MoveEvents(ctx context.Context, max int, hold time.Duration) (MoveResult, error) {
	vals, err := moveEventsScript.Run(ctx, q.rdb,
		[]string{q.keys.Events, q.keys.Stream, q.keys.Marks, q.keys.Dead},
		max, q.bucket, time.Now().UnixMilli(), hold.Milliseconds(), q.deadMaxLen).Int64Slice()
	if err != nil {
		return MoveResult{}, opErrf("store.Queue.MoveEvents", "move events from %s: %w", q.keys.Events, err)
	}
	if len(vals) != 6 {
		return MoveResult{}, opErrf("store.Queue.MoveEvents", "script returned %d counts, want 6", len(vals))
	}
	return MoveResult{Events: vals[0], Queued: vals[1], Duplicates: vals[2], Ignored: vals[3], Dead: vals[4],
		Removed: vals[5]}, nil
}

// WaitEvents blocks until MinIO's events list holds an event or timeout
// passes, and reports whether there is one. It leaves the list as it was
// (it moves the head element onto the head of the same list).
func (q *Queue) WaitEvents(ctx context.Context, timeout time.Duration) (bool, error) {
	err := q.rdb.BLMove(ctx, q.keys.Events, q.keys.Events, "LEFT", "LEFT", timeout).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, opErr("store.Queue.WaitEvents", err)
	}
	return true, nil
}
