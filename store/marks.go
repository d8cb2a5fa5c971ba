package store

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// A mark records, per object key, the last version the queue handled:
// "<state>:<unix ms>:<etag>" with state q (queued), s (scored) or d
// (dead-lettered). The ETag comes last, so it may hold any character.
//
// luaMarks defines handled(marks, key, etag, now, hold), true when the
// version etag of key needs no new message: it was scored or
// dead-lettered, or queued less than hold ms before now.
const luaMarks = `
local function handled(marks, key, etag, now, hold)
  local m = redis.call('HGET', marks, key)
  if not m then return false end
  local state, at, tag = string.match(m, '^(%a):(%d+):(.*)$')
  if tag ~= etag then return false end
  if state == 's' or state == 'd' then return true end
  return state == 'q' and now - tonumber(at) < hold
end
`

// MarkState is what the queue last did with an object version.
type MarkState byte

// Mark states.
const (
	Unmarked MarkState = 0
	Queued   MarkState = 'q'
	Scored   MarkState = 's'
	Dead     MarkState = 'd'
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
