package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
// When the old contribution equals the new one (the same record stored
// again, or a rescore that changes nothing the aggregates count),
// subtracting and adding it would leave every aggregate and index as it
// is, so neither is done.
var putScript = redis.NewScript(luaApply + luaReviews + `
local old = redis.call('HMGET', KEYS[1], 'contrib', 'mtime')
if old[2] and tonumber(old[2]) > tonumber(ARGV[5]) then
  return 0
end
local result = 1
if old[1] then result = 2 end
if old[1] ~= ARGV[4] then
  if old[1] then apply(ARGV[1], ARGV[2], cjson.decode(old[1]), -1) end
  apply(ARGV[1], ARGV[2], cjson.decode(ARGV[4]), 1)
end
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
// ARGV[3] an object key: remove the call only if its score was computed
//
//	from that object; '' to remove it whatever its source
//
// Returns 1 when the call existed, 0 when it did not, -1 when its score
// comes from another object than ARGV[3] (nothing changes).
var removeScript = redis.NewScript(luaApply + luaReviews + `
if ARGV[3] ~= '' then
  local o = redis.call('HGET', KEYS[1], 'object')
  if o and o ~= ARGV[3] then return -1 end
end
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

// Put stores rec as the call's latest score, computed from src, and moves
// the call's contribution to the aggregates in the same atomic step: the
// old contribution, if any, is subtracted and the new one added. Put is
// idempotent: putting the same record again leaves every aggregate as it
// was. A record from an object older than the stored one is refused with
// outcome Stale. Put does not announce the score; see Announcement.
//
// A call keeps one unit. When a new record names another unit than the
// stored one, Put removes the call from the old unit after storing it in
// the new one and then repoints the call's locator; if the process dies in
// between, the call counts in both units until the same Put is retried
// (the worker retries every unacknowledged message). Writes of one call
// with different units must not run concurrently.
func (s *Store) Put(ctx context.Context, rec *scoring.Record, src Source) (Outcome, error) {
	res := s.PutMany(ctx, []PutItem{{Record: rec, Source: src}})
	return res[0].Outcome, res[0].Err
}

// PutItem is one score for PutMany: a record and the object version it
// was computed from.
type PutItem struct {
	Record *scoring.Record
	Source Source
}

// PutResult is what PutMany did with one PutItem.
type PutResult struct {
	Outcome Outcome
	// Err is nil when the score was stored (or refused as stale). An
	// error that wraps ErrInvalid is a record that can never be stored;
	// any other is a Redis failure, and the caller may retry.
	Err error
}

// ErrInvalid is wrapped by the error of a record that cannot be stored:
// it lacks a field the keys or the aggregates need.
var ErrInvalid = errors.New("invalid record")

// PutMany stores several scores, each as Put does (atomically and
// idempotently), in one round trip; a call that moves to another unit
// takes a few more. It returns one result per item, in order. Two items
// must not be scores of one call.
func (s *Store) PutMany(ctx context.Context, items []PutItem) []PutResult {
	const op = "store.Put"
	out := make([]PutResult, len(items))
	type prepared struct {
		i                int
		recJSON, contrib string
	}
	todo := make([]prepared, 0, len(items))
	for i, it := range items {
		rec := it.Record
		if err := validateRecord(rec); err != nil {
			out[i].Err = opErr(op, fmt.Errorf("%w: %w", ErrInvalid, err))
			continue
		}
		contrib, err := NewContribution(rec).marshal()
		if err != nil {
			out[i].Err = opErr(op, err)
			continue
		}
		recJSON, err := json.Marshal(rec)
		if err != nil {
			out[i].Err = opErr(op, fmt.Errorf("encode record %s: %w", rec.CallID, err))
			continue
		}
		todo = append(todo, prepared{i: i, recJSON: string(recJSON), contrib: contrib})
	}
	located := make([]*redis.StringCmd, len(items))
	puts := make([]*redis.Cmd, len(items))
	for try := 0; len(todo) > 0; try++ {
		// One round trip: point each new call's locator at its unit, read
		// where the call was stored before, and store the score.
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, t := range todo {
				rec, src := items[t.i].Record, items[t.i].Source
				p.HSetNX(ctx, s.keys.Locator(), rec.CallID, rec.Unit)
				located[t.i] = p.HGet(ctx, s.keys.Locator(), rec.CallID)
				p.SAdd(ctx, s.keys.Units(), rec.Unit)
				puts[t.i] = putScript.EvalSha(ctx, p,
					[]string{s.keys.Call(rec.Unit, rec.CallID), s.keys.History(rec.Unit, rec.CallID)},
					s.keys.UnitPrefix(rec.Unit), rec.CallID, t.recJSON, t.contrib,
					src.Modified.UnixMilli(), src.ETag, src.Object, time.Now().UnixMilli(),
					rec.LexiconVersion, rec.SchemeVersion, rec.EngineVersion, rec.Score,
				)
			}
			return nil
		})
		if err != nil && !isReply(err) {
			for _, t := range todo {
				out[t.i].Err = opErrf(op, "store call %s: %w", items[t.i].Record.CallID, err)
			}
			return out
		}
		var again []prepared
		for _, t := range todo {
			if isNoScript(puts[t.i].Err()) && try == 0 {
				again = append(again, t)
			}
		}
		if len(again) > 0 {
			// Redis does not hold the script yet (or lost it in a
			// restart): load it and write those again.
			if lerr := putScript.Load(ctx, s.rdb).Err(); lerr != nil {
				for _, t := range again {
					out[t.i].Err = opErrf(op, "load the put script: %w", lerr)
				}
				again = nil
			}
		}
		for _, t := range todo {
			if slices.ContainsFunc(again, func(a prepared) bool { return a.i == t.i }) {
				continue
			}
			out[t.i] = s.finishPut(ctx, items[t.i].Record, located[t.i], puts[t.i])
		}
		todo = again
	}
	return out
}

// finishPut reads the replies of one item of PutMany and moves the call
// out of the unit it was stored under before, if that was another one.
func (s *Store) finishPut(ctx context.Context, rec *scoring.Record, located *redis.StringCmd, put *redis.Cmd) PutResult {
	const op = "store.Put"
	res, err := put.Int()
	if err == nil {
		err = located.Err()
	}
	if err != nil {
		return PutResult{Err: opErrf(op, "store call %s: %w", rec.CallID, err)}
	}
	if old := located.Val(); old != rec.Unit {
		if _, err := s.remove(ctx, old, rec.CallID, ""); err != nil {
			return PutResult{Err: opErrf(op, "move call %s from unit %s to %s: %w", rec.CallID, old, rec.Unit, err)}
		}
		if err := s.rdb.HSet(ctx, s.keys.Locator(), rec.CallID, rec.Unit).Err(); err != nil {
			return PutResult{Err: opErrf(op, "move call %s from unit %s to %s: %w", rec.CallID, old, rec.Unit, err)}
		}
	}
	return PutResult{Outcome: Outcome(res)}
}

// isNoScript reports whether err is Redis's NOSCRIPT error: EVALSHA of a
// script Redis does not hold.
func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}

// Remove deletes a call's score, history and contribution. It reports
// whether the call was stored.
func (s *Store) Remove(ctx context.Context, callID string) (bool, error) {
	return s.removeCall(ctx, "store.Remove", callID, "")
}

// RemoveFrom deletes a call's score, history and contribution if its
// score was computed from object, as when that object was deleted: a
// call whose score now comes from another object is left as it is. It
// reports whether it removed the call.
func (s *Store) RemoveFrom(ctx context.Context, callID, object string) (bool, error) {
	return s.removeCall(ctx, "store.RemoveFrom", callID, object)
}

func (s *Store) removeCall(ctx context.Context, op, callID, object string) (bool, error) {
	unit, err := s.rdb.HGet(ctx, s.keys.Locator(), callID).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, opErr(op, err)
	}
	n, err := s.remove(ctx, unit, callID, object)
	if err != nil {
		return false, opErr(op, err)
	}
	if n < 0 {
		return false, nil // the score comes from another object
	}
	if err := s.rdb.HDel(ctx, s.keys.Locator(), callID).Err(); err != nil {
		return n == 1, opErr(op, err)
	}
	return n == 1, nil
}

// remove runs removeScript: 1 when the call was removed, 0 when it was
// not stored, -1 when its score comes from another object than object
// (unless object is empty).
func (s *Store) remove(ctx context.Context, unit, callID, object string) (int, error) {
	n, err := removeScript.Run(ctx, s.rdb,
		[]string{s.keys.Call(unit, callID), s.keys.History(unit, callID)},
		s.keys.UnitPrefix(unit), callID, object).Int()
	if err != nil {
		return 0, fmt.Errorf("remove call %s from unit %s: %w", callID, unit, err)
	}
	return n, nil
}

// Announcement is a stored score to announce on the scores stream.
type Announcement struct {
	values []any
}

// Announcement returns the announcement of rec after a Put with outcome
// out, or nil for a stale record, which was not stored.
func (s *Store) Announcement(rec *scoring.Record, out Outcome) *Announcement {
	if out == Stale {
		return nil
	}
	return &Announcement{values: []any{
		"call_id", rec.CallID, "unit", rec.Unit, "agent_id", rec.AgentID,
		"team", rec.Team, "score", rec.Score, "passed", boolInt(rec.Passed),
		"stored_at", time.Now().UnixMilli(),
	}}
}

// addAnnouncement queues a on p for the scores stream.
func (s *Store) addAnnouncement(ctx context.Context, p redis.Pipeliner, a *Announcement) {
	p.XAdd(ctx, &redis.XAddArgs{Stream: s.keys.Scores(), MaxLen: s.scoresMaxLen, Approx: true, Values: a.values})
}

// Announce adds a to the scores stream; a nil a is nothing to announce.
// Announcements are at least once: a retried write announces again.
func (s *Store) Announce(ctx context.Context, a *Announcement) error {
	if a == nil {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.addAnnouncement(ctx, p, a)
		return nil
	})
	return opErr("store.Announce", err)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
