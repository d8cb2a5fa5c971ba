package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"callqa/scoring"
)

// rescoreAccountScript adds what a job's rescoring changes in one call to
// the job's counts for the call's unit, once per call and job.
//
// KEYS[1] the call hash (Keys.Call)
// KEYS[2] the job's counts for the unit (Keys.RescoreCounts)
// ARGV[1] job id
// ARGV[2] the stored record the change was computed from, exactly as
//
//	stored ('' when the call had none)
//
// ARGV[3] now, Unix ms
// ARGV[4] the change as JSON: {changed, score_changed, created, orphaned
//
//	(0 or 1, or a count), delta (new score − old), a and r (findings
//	added and removed per rule)}
//
// The call is marked as accounted by the job (rescore_job); when the
// change is a change, the record it replaces is kept (prev, prev_job,
// prev_at) for GET /v1/calls/{id}/diff. Returns 1 when it counted the
// call, 0 when the job had counted it before (nothing changes), -1 when
// the stored record is no longer ARGV[2] (another score was stored since
// it was read: compute the change again).
var rescoreAccountScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'rescore_job', 'record')
if h[1] == ARGV[1] then return 0 end
if (h[2] or '') ~= ARGV[2] then return -1 end
local c = cjson.decode(ARGV[4])
redis.call('HSET', KEYS[1], 'rescore_job', ARGV[1])
if c.changed == 1 and ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'prev', ARGV[2], 'prev_job', ARGV[1], 'prev_at', ARGV[3])
end
local function incr(f, by)
  if by ~= 0 then redis.call('HINCRBY', KEYS[2], f, by) end
end
incr('done', 1)
incr('changed', c.changed)
incr('score_changed', c.score_changed)
incr('created', c.created)
incr('orphaned', c.orphaned)
if c.created == 0 then
  incr('delta_sum', c.delta)
  incr('abs_delta_sum', math.abs(c.delta))
  local mx = tonumber(redis.call('HGET', KEYS[2], 'delta_max'))
  if not mx or c.delta > mx then redis.call('HSET', KEYS[2], 'delta_max', c.delta) end
  local mn = tonumber(redis.call('HGET', KEYS[2], 'delta_min'))
  if not mn or c.delta < mn then redis.call('HSET', KEYS[2], 'delta_min', c.delta) end
end
for rule, n in pairs(c.a) do incr('a:' .. rule, n) end
for rule, n in pairs(c.r) do incr('r:' .. rule, n) end
return 1
`)

// RescoreItem is a call a job rescored, before its new record is stored.
type RescoreItem struct {
	Job    string
	Record *scoring.Record
}

// RescoreChange is what a job's rescoring does to one call.
type RescoreChange struct {
	// Counted is false when the job had accounted for the call before (its
	// message was delivered again): nothing was added to its summary.
	Counted bool
	// Created reports that the call had no stored score.
	Created bool
	// Diff compares the record the job replaces with the new one.
	Diff RecordDiff
}

// rescoreChange is the change JSON of rescoreAccountScript.
type rescoreChange struct {
	Changed      int            `json:"changed"`
	ScoreChanged int            `json:"score_changed"`
	Created      int            `json:"created"`
	Orphaned     int            `json:"orphaned"`
	Delta        int            `json:"delta"`
	Added        map[string]int `json:"a"`
	Removed      map[string]int `json:"r"`
}

// accountTries bounds how often AccountRescore computes a call's change
// again because another score of it was stored meanwhile.
const accountTries = 5

// AccountRescore adds to each item's job what rescoring changes in the
// item's call: whether it changed, the score delta, the findings added
// and removed per rule and the review decisions the change orphans. It
// must run before the new records are stored (PutMany): the change is
// computed against the stored record, which it then keeps as the call's
// previous record when the change is one. A call counts once per job: an
// item of a call the job counted before (a redelivery after a crash)
// changes nothing. A record the store would refuse (ErrInvalid: Put
// tells why) is left out and not counted. Two items must not be of one
// call.
func (s *Store) AccountRescore(ctx context.Context, items []RescoreItem) ([]RescoreChange, error) {
	const op = "store.AccountRescore"
	out := make([]RescoreChange, len(items))
	todo := make([]int, 0, len(items))
	for i, it := range items {
		if validateRecord(it.Record) == nil {
			todo = append(todo, i)
		}
	}
	for try := 0; len(todo) > 0; try++ {
		if try == accountTries {
			return nil, opErrf(op, "call %s: its score kept changing while the change was computed", items[todo[0]].Record.CallID)
		}
		calls := make([]*redis.SliceCmd, len(items))
		revs := make([]*redis.StringCmd, len(items))
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range todo {
				rec := items[i].Record
				calls[i] = p.HMGet(ctx, s.keys.Call(rec.Unit, rec.CallID), "record", "rescore_job", "prev_job", "prev")
				revs[i] = p.HGet(ctx, s.keys.Review(rec.Unit, rec.CallID), "decisions")
			}
			return nil
		}); err != nil && !isReply(err) && err != redis.Nil {
			return nil, opErr(op, err)
		}
		type write struct {
			i       int
			current string
			change  []byte
		}
		var writes []write
		for _, i := range todo {
			it := items[i]
			vals, err := calls[i].Result()
			if err != nil {
				return nil, opErrf(op, "read call %s: %w", it.Record.CallID, err)
			}
			str := func(k int) string {
				v, _ := vals[k].(string)
				return v
			}
			current, marked, prevJob, prev := str(0), str(1), str(2), str(3)
			old, err := decodeRecord(current)
			if err != nil {
				return nil, opErrf(op, "call %s: %w", it.Record.CallID, err)
			}
			if marked == it.Job {
				// Counted before; the change is against the record the
				// job replaced, kept when it was a change.
				if prevJob == it.Job && prev != "" {
					if p, err := decodeRecord(prev); err == nil {
						old = p
					}
				}
				out[i] = RescoreChange{Created: old == nil, Diff: DiffRecords(old, it.Record)}
				continue
			}
			d := DiffRecords(old, it.Record)
			c := rescoreChange{Changed: boolInt(old == nil || d.Changed()), ScoreChanged: boolInt(d.ScoreDelta != 0),
				Created: boolInt(old == nil), Delta: d.ScoreDelta, Added: d.AddedByRule(), Removed: d.RemovedByRule()}
			if old != nil && len(d.Removed) > 0 {
				c.Orphaned = orphaned(revs[i].Val(), d.Removed)
			}
			js, err := json.Marshal(c)
			if err != nil {
				return nil, opErrf(op, "encode change: %w", err)
			}
			out[i] = RescoreChange{Counted: true, Created: old == nil, Diff: d}
			writes = append(writes, write{i: i, current: current, change: js})
		}
		if len(writes) == 0 {
			break
		}
		now := time.Now().UnixMilli()
		cmds := make([]*redis.Cmd, len(writes))
		run := func() error {
			_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for k, w := range writes {
					rec := items[w.i].Record
					cmds[k] = rescoreAccountScript.EvalSha(ctx, p,
						[]string{s.keys.Call(rec.Unit, rec.CallID), s.keys.RescoreCounts(rec.Unit, items[w.i].Job)},
						items[w.i].Job, w.current, now, w.change)
				}
				return nil
			})
			return err
		}
		err := run()
		if isNoScript(err) {
			if lerr := rescoreAccountScript.Load(ctx, s.rdb).Err(); lerr != nil {
				return nil, opErrf(op, "load the account script: %w", lerr)
			}
			err = run()
		}
		if err != nil && !isReply(err) {
			return nil, opErr(op, err)
		}
		todo = todo[:0]
		for k, w := range writes {
			n, err := cmds[k].Int()
			if err != nil {
				return nil, opErrf(op, "account call %s: %w", items[w.i].Record.CallID, err)
			}
			switch n {
			case 0:
				out[w.i].Counted = false
			case -1:
				todo = append(todo, w.i)
			}
		}
	}
	return out, nil
}

// decodeRecord decodes a stored record; "" is no record.
func decodeRecord(js string) (*scoring.Record, error) {
	if js == "" {
		return nil, nil
	}
	var rec scoring.Record
	if err := json.Unmarshal([]byte(js), &rec); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	return &rec, nil
}

// orphaned counts the decisions (the review hash's decisions JSON) on the
// removed findings.
func orphaned(decisions string, removed []KeyedFinding) int {
	if decisions == "" {
		return 0
	}
	var ds map[string]json.RawMessage
	if json.Unmarshal([]byte(decisions), &ds) != nil {
		return 0
	}
	n := 0
	for _, f := range removed {
		if _, ok := ds[f.Key]; ok {
			n++
		}
	}
	return n
}

// PreviousRecord is the record a rescoring job replaced because it
// changed the call.
type PreviousRecord struct {
	Record *scoring.Record
	// Job is the job that replaced it, At when.
	Job string
	At  time.Time
}

// Previous returns the record the last job that changed a call of unit
// replaced, or nil when no job changed it.
func (s *Store) Previous(ctx context.Context, unit, callID string) (*PreviousRecord, error) {
	const op = "store.Previous"
	vals, err := s.rdb.HMGet(ctx, s.keys.Call(unit, callID), "prev", "prev_job", "prev_at").Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	js, _ := vals[0].(string)
	if js == "" {
		return nil, nil
	}
	rec, err := decodeRecord(js)
	if err != nil {
		return nil, opErrf(op, "call %s/%s: %w", unit, callID, err)
	}
	job, _ := vals[1].(string)
	at, _ := vals[2].(string)
	return &PreviousRecord{Record: rec, Job: job, At: millis(at).UTC()}, nil
}
