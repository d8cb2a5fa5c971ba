package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"callqa/scoring"
)

// StoredCall is a call's latest stored score with what it was computed from.
type StoredCall struct {
	Record       *scoring.Record
	Contribution Contribution
	Source       Source
	StoredAt     time.Time
}

// Call returns the latest stored score of a call, wherever its unit. The
// error wraps ErrNotFound when the call has no score.
func (s *Store) Call(ctx context.Context, callID string) (*StoredCall, error) {
	const op = "store.Call"
	unit, err := s.rdb.HGet(ctx, s.keys.Locator(), callID).Result()
	if errors.Is(err, redis.Nil) {
		return nil, opErrf(op, "call %s: %w", callID, ErrNotFound)
	}
	if err != nil {
		return nil, opErr(op, err)
	}
	c, err := s.CallIn(ctx, unit, callID)
	if err != nil {
		return nil, opErr(op, err)
	}
	return c, nil
}

// CallIn returns the latest stored score of a call of unit. The error
// wraps ErrNotFound when the call has no score there.
func (s *Store) CallIn(ctx context.Context, unit, callID string) (*StoredCall, error) {
	const op = "store.CallIn"
	vals, err := s.rdb.HMGet(ctx, s.keys.Call(unit, callID),
		"record", "contrib", "object", "etag", "mtime", "stored_at").Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	c, err := decodeCall(vals)
	if err != nil {
		return nil, opErrf(op, "call %s/%s: %w", unit, callID, err)
	}
	return c, nil
}

// decodeCall builds a StoredCall from the call hash fields record,
// contrib, object, etag, mtime and stored_at, in that order.
func decodeCall(vals []any) (*StoredCall, error) {
	str := func(i int) string {
		s, _ := vals[i].(string)
		return s
	}
	if vals[0] == nil {
		return nil, ErrNotFound
	}
	var c StoredCall
	if err := json.Unmarshal([]byte(str(0)), &c.Record); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	if err := json.Unmarshal([]byte(str(1)), &c.Contribution); err != nil {
		return nil, fmt.Errorf("decode contribution: %w", err)
	}
	c.Source = Source{Object: str(2), ETag: str(3), Modified: millis(str(4))}
	c.StoredAt = millis(str(5))
	return &c, nil
}

func millis(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// History returns a call's score records by lexicon version.
func (s *Store) History(ctx context.Context, unit, callID string) (map[string]*scoring.Record, error) {
	const op = "store.History"
	raw, err := s.rdb.HGetAll(ctx, s.keys.History(unit, callID)).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	out := make(map[string]*scoring.Record, len(raw))
	for version, js := range raw {
		var rec scoring.Record
		if err := json.Unmarshal([]byte(js), &rec); err != nil {
			return nil, opErrf(op, "call %s/%s lexicon %s: decode record: %w", unit, callID, version, err)
		}
		out[version] = &rec
	}
	return out, nil
}

// Units returns the ids of the units that have stored calls.
func (s *Store) Units(ctx context.Context) ([]string, error) {
	units, err := s.rdb.SMembers(ctx, s.keys.Units()).Result()
	if err != nil {
		return nil, opErr("store.Units", err)
	}
	return units, nil
}

// CallIDs returns the ids of a unit's calls in index idx (id: the agent,
// team or rule; empty for IndexTime and IndexScore) whose sort key lies in
// [min, max], in ascending order, skipping offset and returning at most
// count (all when count is negative).
func (s *Store) CallIDs(ctx context.Context, unit string, idx Index, id string, min, max float64, offset, count int64) ([]string, error) {
	ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
		Key:     s.keys.IndexKey(unit, idx, id),
		Start:   strconv.FormatFloat(min, 'f', -1, 64),
		Stop:    strconv.FormatFloat(max, 'f', -1, 64),
		ByScore: true,
		Offset:  offset,
		Count:   count,
	}).Result()
	if err != nil {
		return nil, opErr("store.CallIDs", err)
	}
	return ids, nil
}
