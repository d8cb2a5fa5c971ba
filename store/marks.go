package store

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// A mark records, per object key, the last version the queue handled:
// "<state>:<unix ms>:<etag>" with state q (queued), s (scored, or
// otherwise done: a sidecar registered, an object that is no call
// skipped), w (waiting for a sidecar), d (dead-lettered) or x (the object
// was removed; the ETag is empty). The ETag comes last, so it may hold any
// character.
//
// luaMarks defines handled(marks, key, etag, now, hold), true when the
// version etag of key needs no new message: it was scored, is waiting or
// was dead-lettered, or was queued less than hold ms before now; and
// mark_of(marks, key), which returns the state and ETag of key's mark
// (nil when it has none).
const luaMarks = `
local function mark_of(marks, key)
  local m = redis.call('HGET', marks, key)
  if not m then return nil, nil, nil end
  return string.match(m, '^(%a):(%d+):(.*)$')
end
local function handled(marks, key, etag, now, hold)
  local state, at, tag = mark_of(marks, key)
  if not state or tag ~= etag then return false end
  if state == 's' or state == 'd' or state == 'w' then return true end
  return state == 'q' and now - tonumber(at) < hold
end
`

// MarkState is what the queue last did with an object version.
type MarkState byte

// Mark states.
const (
	Unmarked MarkState = 0
	Queued   MarkState = 'q'
	// Scored is a version that is done: scored and stored, or, for an
	// object that is a sidecar or no part of a call, registered or skipped.
	Scored MarkState = 's'
	// Waiting is a transcript version that lacks what only a sidecar can
	// give (unit, agent or start); it is scored when the sidecar arrives
	// or dead-lettered when its wait ends.
	Waiting MarkState = 'w'
	Dead    MarkState = 'd'
	// Removed is an object that was deleted; the mark's ETag is empty.
	Removed MarkState = 'x'
)

// Mark is the last version of an object the queue handled, and how.
type Mark struct {
	State MarkState
	At    time.Time
	ETag  string
}

func parseMark(s string) Mark {
	state, rest, ok := strings.Cut(s, ":")
	if !ok || len(state) != 1 {
		return Mark{}
	}
	at, etag, ok := strings.Cut(rest, ":")
	if !ok {
		return Mark{}
	}
	ms, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return Mark{}
	}
	return Mark{State: MarkState(state[0]), At: time.UnixMilli(ms), ETag: etag}
}

// Marks returns the marks of objects, in order; an object never handled
// has the zero Mark.
func (q *Queue) Marks(ctx context.Context, objects []string) ([]Mark, error) {
	if len(objects) == 0 {
		return nil, nil
	}
	vals, err := q.rdb.HMGet(ctx, q.keys.Marks, objects...).Result()
	if err != nil {
		return nil, opErr("store.Queue.Marks", err)
	}
	out := make([]Mark, len(vals))
	for i, v := range vals {
		if s, ok := v.(string); ok {
			out[i] = parseMark(s)
		}
	}
	return out, nil
}
