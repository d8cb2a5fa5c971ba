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

// luaApply defines apply(p, id, c, sign), which adds (sign 1) or subtracts
// (sign -1) the decoded Contribution c of call id to or from the
// aggregates and indexes of the unit whose key prefix is p. A counter that
// reaches 0 is deleted, so a hash holds only non-zero counters and an
// aggregate whose calls are all gone disappears. The key suffixes match
// Keys.Aggregate, Keys.IndexKey and Keys.Members.
const luaApply = `
local function incr(key, field, by)
  if by == 0 then return end
  if redis.call('HINCRBY', key, field, by) == 0 then
    redis.call('HDEL', key, field)
  end
end

local function apply(p, id, c, sign)
  local rules = c.rules
  if type(rules) ~= 'table' then rules = {} end
  local aggs = {p .. 'agg:unit:' .. c.day, p .. 'agg:agent:' .. c.agent .. ':' .. c.day}
  if c.team ~= '' then
    table.insert(aggs, p .. 'agg:team:' .. c.team .. ':' .. c.day)
  end
  for _, k in ipairs(aggs) do
    incr(k, 'calls', sign)
    incr(k, 'score_sum', sign * c.score)
    if c.passed then incr(k, 'passed', sign) end
    if c.fatal then incr(k, 'fatal', sign) end
    for rule, n in pairs(rules) do
      incr(k, 'f:' .. rule, sign * n)
      incr(k, 'c:' .. rule, sign)
    end
    if sign > 0 then redis.call('SADD', p .. 'aggs', k) end
  end
  local idx = {{p .. 'idx:time', c.start_ms}, {p .. 'idx:score', c.score_key},
               {p .. 'idx:agent:' .. c.agent, c.start_ms}}
  if c.team ~= '' then
    table.insert(idx, {p .. 'idx:team:' .. c.team, c.start_ms})
  end
  for rule, _ in pairs(rules) do
    table.insert(idx, {p .. 'idx:rule:' .. rule, c.start_ms})
  end
  for _, z in ipairs(idx) do
    if sign > 0 then
      redis.call('ZADD', z[1], z[2], id)
    else
      redis.call('ZREM', z[1], id)
    end
  end
  if sign > 0 then
    redis.call('SADD', p .. 'agents', c.agent)
    if c.team ~= '' then redis.call('SADD', p .. 'teams', c.team) end
  end
end
`

// putScript stores a call's score and moves its contribution.
//
// KEYS[1] the call hash (Keys.Call)
// KEYS[2] the call's history hash (Keys.History)
// ARGV[1] the unit's key prefix (Keys.UnitPrefix)
// ARGV[2] call id
// ARGV[3] record JSON
// ARGV[4] contribution JSON
// ARGV[5] the source object's last-modified time, Unix ms
// ARGV[6] the source object's ETag
// ARGV[7] the source object's key
// ARGV[8] stored-at time, Unix ms
// ARGV[9] lexicon version (the history field)
// ARGV[10] scheme version
// ARGV[11] engine version
// ARGV[12] score
//
// It also moves the call's review adjustment and review indexes to the new
// record (rv_refresh, reviews.go).
//
// Returns 0 when the stored score comes from a newer object (nothing
// changes), 1 when the call was new, 2 when its old score was replaced.
var putScript = redis.NewScript(luaApply + luaReviews + `
local old = redis.call('HMGET', KEYS[1], 'contrib', 'mtime')
if old[2] and tonumber(old[2]) > tonumber(ARGV[5]) then
  return 0
end
local result = 1
if old[1] then
  apply(ARGV[1], ARGV[2], cjson.decode(old[1]), -1)
  result = 2
end
apply(ARGV[1], ARGV[2], cjson.decode(ARGV[4]), 1)
rv_refresh(ARGV[1], ARGV[2], old[1], ARGV[4], ARGV[3])
redis.call('HSET', KEYS[1],
  'record', ARGV[3], 'contrib', ARGV[4], 'mtime', ARGV[5], 'etag', ARGV[6],
  'object', ARGV[7], 'stored_at', ARGV[8], 'lexicon_version', ARGV[9],
  'scheme_version', ARGV[10], 'engine_version', ARGV[11], 'score', ARGV[12])
redis.call('HSET', KEYS[2], ARGV[9], ARGV[3])
return result
`)

// removeScript deletes a call, its history and its contribution, and
// withdraws its review adjustment (its decisions and audit trail stay).
//
// KEYS[1] the call hash (Keys.Call)
// KEYS[2] the call's history hash (Keys.History)
// ARGV[1] the unit's key prefix (Keys.UnitPrefix)
// ARGV[2] call id
//
// Returns 1 when the call existed, 0 otherwise.
var removeScript = redis.NewScript(luaApply + luaReviews + `
local old = redis.call('HGET', KEYS[1], 'contrib')
redis.call('DEL', KEYS[1], KEYS[2])
if not old then return 0 end
apply(ARGV[1], ARGV[2], cjson.decode(old), -1)
rv_refresh(ARGV[1], ARGV[2], old, false, false)
return 1
`)

// Source identifies the object version a score was computed from.
type Source struct {
	// Object is the object key in the bucket.
	Object string
	// ETag is the object version's ETag, without quotes.
	ETag string
	// Modified is the object version's last-modified time.
	Modified time.Time
}

// Outcome says what Put did.
type Outcome int

// Outcomes of Put.
const (
	// Stale: the stored score comes from a newer object version; nothing
	// changed.
	Stale Outcome = iota
	// Created: the call had no score before.
	Created
	// Replaced: the call's old score and its contribution were replaced.
	Replaced
)

func (o Outcome) String() string {
	switch o {
	case Stale:
		return "stale"
	case Created:
		return "created"
	case Replaced:
		return "replaced"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// ScoreEvent is what the scores stream announces for each stored score.
type ScoreEvent struct {
	CallID  string
	Unit    string
	AgentID string
	Team    string
	Score   int
	Passed  bool
	// StoredAt is when the score was stored.
	StoredAt time.Time
}

// Put stores rec as the call's latest score, computed from src, and moves
// the call's contribution to the aggregates in the same atomic step: the
// old contribution, if any, is subtracted and the new one added. Put is
// idempotent: putting the same record again leaves every aggregate as it
// was. A record from an object older than the stored one is refused with
// outcome Stale. A stored score is announced on the scores stream.
//
// A call keeps one unit; when a new record names another unit than the
// stored one, Put first removes the call from the old unit. Writes of one
// call with different units must not run concurrently.
func (s *Store) Put(ctx context.Context, rec *scoring.Record, src Source) (Outcome, error) {
	const op = "store.Put"
	if err := validateRecord(rec); err != nil {
		return Stale, opErr(op, err)
	}
	contrib, err := NewContribution(rec).marshal()
	if err != nil {
		return Stale, opErr(op, err)
	}
	recJSON, err := json.Marshal(rec)
	if err != nil {
		return Stale, opErr(op, fmt.Errorf("encode record %s: %w", rec.CallID, err))
	}
	if err := s.locate(ctx, rec.CallID, rec.Unit); err != nil {
		return Stale, opErr(op, err)
	}
	now := time.Now()
	res, err := putScript.Run(ctx, s.rdb,
		[]string{s.keys.Call(rec.Unit, rec.CallID), s.keys.History(rec.Unit, rec.CallID)},
		s.keys.UnitPrefix(rec.Unit), rec.CallID, recJSON, contrib,
		src.Modified.UnixMilli(), src.ETag, src.Object, now.UnixMilli(),
		rec.LexiconVersion, rec.SchemeVersion, rec.EngineVersion, rec.Score,
	).Int()
	if err != nil {
		return Stale, opErrf(op, "store call %s: %w", rec.CallID, err)
	}
	out := Outcome(res)
	if out == Stale {
		return out, nil
	}
	if err := s.announce(ctx, rec, now); err != nil {
		return out, opErr(op, err)
	}
	return out, nil
}

// locate points the locator at unit for callID, first removing the call
// from the unit it was stored under before, if that is another. The order
// (remove, repoint, then store) makes a retry after a crash at any point
// end in the same state.
func (s *Store) locate(ctx context.Context, callID, unit string) error {
	var old *redis.StringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSetNX(ctx, s.keys.Locator(), callID, unit)
		old = p.HGet(ctx, s.keys.Locator(), callID)
		p.SAdd(ctx, s.keys.Units(), unit)
		return nil
	})
	if err != nil {
		return fmt.Errorf("locate call %s: %w", callID, err)
	}
	if old.Val() == unit {
		return nil
	}
	if _, err := s.remove(ctx, old.Val(), callID); err != nil {
		return fmt.Errorf("move call %s from unit %s to %s: %w", callID, old.Val(), unit, err)
	}
	if err := s.rdb.HSet(ctx, s.keys.Locator(), callID, unit).Err(); err != nil {
		return fmt.Errorf("move call %s from unit %s to %s: %w", callID, old.Val(), unit, err)
	}
	return nil
}

// Remove deletes a call's score, history and contribution. It reports
// whether the call was stored.
func (s *Store) Remove(ctx context.Context, callID string) (bool, error) {
	const op = "store.Remove"
	unit, err := s.rdb.HGet(ctx, s.keys.Locator(), callID).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, opErr(op, err)
	}
	existed, err := s.remove(ctx, unit, callID)
	if err != nil {
		return false, opErr(op, err)
	}
	if err := s.rdb.HDel(ctx, s.keys.Locator(), callID).Err(); err != nil {
		return existed, opErr(op, err)
	}
	return existed, nil
}

func (s *Store) remove(ctx context.Context, unit, callID string) (bool, error) {
	n, err := removeScript.Run(ctx, s.rdb,
		[]string{s.keys.Call(unit, callID), s.keys.History(unit, callID)},
		s.keys.UnitPrefix(unit), callID).Int()
	if err != nil {
		return false, fmt.Errorf("remove call %s from unit %s: %w", callID, unit, err)
	}
	return n == 1, nil
}

// announce adds a stored score to the scores stream. Announcements are at
// least once: a retried Put announces again.
func (s *Store) announce(ctx context.Context, rec *scoring.Record, at time.Time) error {
	err := s.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: s.keys.Scores(),
		MaxLen: s.scoresMaxLen,
		Approx: true,
		Values: []any{
			"call_id", rec.CallID, "unit", rec.Unit, "agent_id", rec.AgentID,
			"team", rec.Team, "score", rec.Score, "passed", boolInt(rec.Passed),
			"stored_at", at.UnixMilli(),
		},
	}).Err()
	if err != nil {
		return fmt.Errorf("announce score of %s: %w", rec.CallID, err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
