package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Aggregate is the sum over a set of calls (one unit, agent or team on one
// day) of their contributions.
type Aggregate struct {
	Calls    int64
	ScoreSum int64
	Passed   int64
	Fatal    int64
	// Findings counts findings per rule id.
	Findings map[string]int64
	// CallsWithRule counts the calls with at least one finding per rule.
	CallsWithRule map[string]int64
}

// add adds c to a.
func (a *Aggregate) add(c Contribution) {
	a.Calls++
	a.ScoreSum += int64(c.Score)
	if c.Passed {
		a.Passed++
	}
	if c.Fatal {
		a.Fatal++
	}
	for rule, n := range c.Rules {
		if a.Findings == nil {
			a.Findings, a.CallsWithRule = map[string]int64{}, map[string]int64{}
		}
		a.Findings[rule] += int64(n)
		a.CallsWithRule[rule]++
	}
}

// Equal reports whether a and b hold the same counts.
func (a Aggregate) Equal(b Aggregate) bool {
	return a.Calls == b.Calls && a.ScoreSum == b.ScoreSum && a.Passed == b.Passed &&
		a.Fatal == b.Fatal && maps.Equal(nonZero(a.Findings), nonZero(b.Findings)) &&
		maps.Equal(nonZero(a.CallsWithRule), nonZero(b.CallsWithRule))
}

func nonZero(m map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func (a Aggregate) String() string {
	return fmt.Sprintf("calls=%d score_sum=%d passed=%d fatal=%d findings=%v calls_with_rule=%v",
		a.Calls, a.ScoreSum, a.Passed, a.Fatal, nonZero(a.Findings), nonZero(a.CallsWithRule))
}

// parseAggregate decodes an aggregate hash.
func parseAggregate(h map[string]string) (Aggregate, error) {
	var a Aggregate
	err := parseCounters(h, map[string]*int64{
		"calls": &a.Calls, "score_sum": &a.ScoreSum, "passed": &a.Passed, "fatal": &a.Fatal,
	}, &a.Findings, &a.CallsWithRule)
	return a, err
}

// parseCounters decodes a hash of counters as the Lua scripts keep them:
// the fields named in scalars, and per rule "f:<rule>" (findings) and
// "c:<rule>" (calls with the rule), whose maps are made when a field needs
// them. Other fields are ignored.
func parseCounters(h map[string]string, scalars map[string]*int64, findings, callsWithRule *map[string]int64) error {
	for field, raw := range h {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("field %s: %q is not a count", field, raw)
		}
		perRule := findings
		switch {
		case scalars[field] != nil:
			*scalars[field] = n
			continue
		case strings.HasPrefix(field, "f:"):
		case strings.HasPrefix(field, "c:"):
			perRule = callsWithRule
		default:
			continue
		}
		if *perRule == nil {
			*perRule = map[string]int64{}
		}
		(*perRule)[field[2:]] = n
	}
	return nil
}

// Aggregate returns one day's aggregate of a unit (dim DimUnit, id
// ignored), or of one of its agents or teams. A day without calls is the
// zero Aggregate.
func (s *Store) Aggregate(ctx context.Context, unit string, dim Dim, id, day string) (Aggregate, error) {
	const op = "store.Aggregate"
	key := s.keys.Aggregate(unit, dim, id, day)
	h, err := s.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return Aggregate{}, opErr(op, err)
	}
	a, err := parseAggregate(h)
	if err != nil {
		return a, opErrf(op, "%s: %w", key, err)
	}
	return a, nil
}

// verifyBatch is how many calls or aggregates Verify reads per round trip.
const verifyBatch = 500

// Verify recomputes every aggregate of a unit from the records of its
// stored calls and compares them with the stored aggregates. It returns
// one line per difference (none when they agree) and checks that each
// call's kept contribution is the one its record gives. Verify reads the
// whole unit and is meant for audits and tests, not for request paths; it
// sees a consistent picture only while no score of the unit is written.
func (s *Store) Verify(ctx context.Context, unit string) ([]string, error) {
	const op = "store.Verify"
	ids, err := s.rdb.ZRange(ctx, s.keys.IndexKey(unit, IndexTime, ""), 0, -1).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	var diffs []string
	want := map[string]*Aggregate{}
	addTo := func(key string, c Contribution) {
		a := want[key]
		if a == nil {
			a = &Aggregate{}
			want[key] = a
		}
		a.add(c)
	}
	for batch := range slices.Chunk(ids, verifyBatch) {
		cmds := make([]*redis.SliceCmd, len(batch))
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range batch {
				cmds[i] = p.HMGet(ctx, s.keys.Call(unit, id), "record", "contrib", "object", "etag", "mtime", "stored_at")
			}
			return nil
		}); err != nil {
			return nil, opErr(op, err)
		}
		for i, id := range batch {
			c, err := decodeCall(cmds[i].Val())
			if err != nil {
				diffs = append(diffs, fmt.Sprintf("call %s is indexed but unreadable: %v", id, err))
				continue
			}
			got := NewContribution(c.Record)
			if !slices.Equal(contribFields(got), contribFields(c.Contribution)) {
				diffs = append(diffs, fmt.Sprintf("call %s: kept contribution %+v, record gives %+v", id, c.Contribution, got))
			}
			addTo(s.keys.Aggregate(unit, DimUnit, unit, got.Day), got)
			addTo(s.keys.Aggregate(unit, DimAgent, got.Agent, got.Day), got)
			if got.Team != "" {
				addTo(s.keys.Aggregate(unit, DimTeam, got.Team, got.Day), got)
			}
		}
	}
	stored, err := s.rdb.SMembers(ctx, s.keys.AggregateSet(unit)).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	keys := slices.Sorted(maps.Keys(want))
	for _, k := range stored {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	for batch := range slices.Chunk(keys, verifyBatch) {
		cmds := make([]*redis.MapStringStringCmd, len(batch))
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, k := range batch {
				cmds[i] = p.HGetAll(ctx, k)
			}
			return nil
		}); err != nil {
			return nil, opErr(op, err)
		}
		for i, k := range batch {
			got, err := parseAggregate(cmds[i].Val())
			if err != nil {
				diffs = append(diffs, fmt.Sprintf("%s: %v", k, err))
				continue
			}
			var w Aggregate
			if a := want[k]; a != nil {
				w = *a
			}
			if !got.Equal(w) {
				diffs = append(diffs, fmt.Sprintf("%s: stored %v, recomputed %v", k, got, w))
			}
		}
	}
	return diffs, nil
}

// contribFields flattens a contribution for comparison.
func contribFields(c Contribution) []string {
	out := []string{c.Day, strconv.FormatInt(c.StartMS, 10), c.Agent, c.Team,
		strconv.Itoa(c.Score), strconv.FormatBool(c.Passed), strconv.FormatBool(c.Fatal), c.ScoreKey}
	for _, r := range slices.Sorted(maps.Keys(c.Rules)) {
		out = append(out, r+"="+strconv.Itoa(c.Rules[r]))
	}
	return out
}
