package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"callqa/scoring"
)

// MaxReportDays bounds the period of one report.
const MaxReportDays = 366

// Adjustment returns one day's review adjustment of a unit (dim DimUnit,
// id ignored), or of one of its agents or teams.
func (s *Store) Adjustment(ctx context.Context, unit string, dim Dim, id, day string) (Adjustment, error) {
	const op = "store.Adjustment"
	key := s.keys.ReviewAdjustment(unit, dim, id, day)
	h, err := s.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return Adjustment{}, opErr(op, err)
	}
	a, err := parseAdjustment(h)
	if err != nil {
		return a, opErrf(op, "%s: %w", key, err)
	}
	return a, nil
}

// ReportQuery asks for the report of one agent or team (or unit) over
// the days From to To, inclusive, of the given units.
type ReportQuery struct {
	Units []string
	Dim   Dim
	ID    string
	// From and To are days, YYYY-MM-DD, in the calls' own UTC offset.
	From, To string
	// Worst is how many of the lowest reviewed scores to list; agent and
	// team reports only.
	Worst int
}

// Days returns the days of the query's period, or an error naming the
// field at fault.
func (q ReportQuery) Days() ([]string, error) {
	from, err := time.Parse(time.DateOnly, q.From)
	if err != nil {
		return nil, fmt.Errorf("from: %q is not a date (YYYY-MM-DD)", q.From)
	}
	to, err := time.Parse(time.DateOnly, q.To)
	if err != nil {
		return nil, fmt.Errorf("to: %q is not a date (YYYY-MM-DD)", q.To)
	}
	if to.Before(from) {
		return nil, fmt.Errorf("to: %s is before from %s", q.To, q.From)
	}
	n := int(to.Sub(from).Hours()/24) + 1
	if n > MaxReportDays {
		return nil, fmt.Errorf("to: the period has %d days, more than %d", n, MaxReportDays)
	}
	days := make([]string, 0, n)
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format(time.DateOnly))
	}
	return days, nil
}

// DayFigures are the machine figures of a set of calls (Aggregate) and
// what reviews change in them (Adjustment).
type DayFigures struct {
	Day        string
	Aggregate  Aggregate
	Adjustment Adjustment
}

// WorstCall is one of a report's lowest-scoring calls.
type WorstCall struct {
	CallID string
	Unit   string
	// Score is the reviewed score.
	Score   int
	StartMS int64
}

// Report is a report's figures per day and its worst calls.
type Report struct {
	Days  []DayFigures
	Worst []WorstCall
}

// Total returns the sum of the report's days.
func (r *Report) Total() DayFigures {
	var t DayFigures
	for _, d := range r.Days {
		t.Aggregate.merge(d.Aggregate)
		t.Adjustment.merge(d.Adjustment)
	}
	return t
}

func (a *Aggregate) merge(b Aggregate) {
	a.Calls += b.Calls
	a.ScoreSum += b.ScoreSum
	a.Passed += b.Passed
	a.Fatal += b.Fatal
	a.Findings = mergeCounts(a.Findings, b.Findings)
	a.CallsWithRule = mergeCounts(a.CallsWithRule, b.CallsWithRule)
}

func (a *Adjustment) merge(b Adjustment) {
	a.ScoreSum += b.ScoreSum
	a.Passed += b.Passed
	a.Fatal += b.Fatal
	a.Reviewed += b.Reviewed
	a.Overturned += b.Overturned
	a.Findings = mergeCounts(a.Findings, b.Findings)
	a.CallsWithRule = mergeCounts(a.CallsWithRule, b.CallsWithRule)
}

func mergeCounts(dst, src map[string]int64) map[string]int64 {
	for k, v := range src {
		if dst == nil {
			dst = map[string]int64{}
		}
		dst[k] += v
	}
	return dst
}

// Report reads a report from the day aggregates, review adjustments and
// worst-call sets: three reads per unit and day in one round trip, so its
// cost grows with the days of the period and the units, never with the
// number of calls.
func (s *Store) Report(ctx context.Context, q ReportQuery) (*Report, error) {
	const op = "store.Report"
	days, err := q.Days()
	if err != nil {
		return nil, opErr(op, err)
	}
	type dayCmds struct {
		agg, adj *redis.MapStringStringCmd
		worst    *redis.ZSliceCmd
	}
	cmds := make([][]dayCmds, len(q.Units))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for u, unit := range q.Units {
			cmds[u] = make([]dayCmds, len(days))
			for d, day := range days {
				c := &cmds[u][d]
				c.agg = p.HGetAll(ctx, s.keys.Aggregate(unit, q.Dim, q.ID, day))
				c.adj = p.HGetAll(ctx, s.keys.ReviewAdjustment(unit, q.Dim, q.ID, day))
				if q.Worst > 0 && q.Dim != DimUnit {
					c.worst = p.ZRangeWithScores(ctx, s.keys.Worst(unit, q.Dim, q.ID, day), 0, int64(q.Worst)-1)
				}
			}
		}
		return nil
	}); err != nil {
		return nil, opErr(op, err)
	}
	r := &Report{Days: make([]DayFigures, len(days))}
	for d, day := range days {
		r.Days[d].Day = day
		for u, unit := range q.Units {
			c := cmds[u][d]
			agg, err := parseAggregate(c.agg.Val())
			if err != nil {
				return nil, opErrf(op, "aggregate %s %s %s: %w", unit, q.ID, day, err)
			}
			adj, err := parseAdjustment(c.adj.Val())
			if err != nil {
				return nil, opErrf(op, "review adjustment %s %s %s: %w", unit, q.ID, day, err)
			}
			r.Days[d].Aggregate.merge(agg)
			r.Days[d].Adjustment.merge(adj)
			if c.worst != nil {
				for _, z := range c.worst.Val() {
					id, _ := z.Member.(string)
					key := int64(z.Score)
					r.Worst = append(r.Worst, WorstCall{CallID: id, Unit: unit,
						Score: int(key / reviewFactor), StartMS: key % reviewFactor})
				}
			}
		}
	}
	sortWorst(r.Worst)
	if len(r.Worst) > q.Worst {
		r.Worst = r.Worst[:q.Worst]
	}
	return r, nil
}

func sortWorst(w []WorstCall) {
	slices.SortFunc(w, func(a, b WorstCall) int {
		if a.Score != b.Score {
			return a.Score - b.Score
		}
		if a.StartMS != b.StartMS {
			if a.StartMS < b.StartMS {
				return -1
			}
			return 1
		}
		return strings.Compare(a.CallID, b.CallID)
	})
}

// scanBatch is how many calls ReportByScan reads per round trip.
const scanBatch = 500

// ReportByScan computes the report of an agent or team by reading every
// stored call of the period and its decisions, as a recomputation from
// the records alone would: the baseline Report is measured against, and
// a check of it. Its cost grows with the number of calls.
func (s *Store) ReportByScan(ctx context.Context, q ReportQuery) (*Report, error) {
	const op = "store.ReportByScan"
	days, err := q.Days()
	if err != nil {
		return nil, opErr(op, err)
	}
	if q.Dim != DimAgent && q.Dim != DimTeam {
		return nil, opErrf(op, "dimension %q: agent or team only", q.Dim)
	}
	idx := IndexAgent
	if q.Dim == DimTeam {
		idx = IndexTeam
	}
	// A day in any UTC offset lies within a day ± 14 h of UTC.
	first, _ := time.Parse(time.DateOnly, days[0])
	last, _ := time.Parse(time.DateOnly, days[len(days)-1])
	lo := first.Add(-14 * time.Hour).UnixMilli()
	hi := last.Add(24*time.Hour + 14*time.Hour).UnixMilli()
	byDay := map[string]*DayFigures{}
	for _, d := range days {
		byDay[d] = &DayFigures{Day: d}
	}
	r := &Report{}
	for _, unit := range q.Units {
		ids, err := s.CallIDs(ctx, unit, idx, q.ID, float64(lo), float64(hi), 0, -1)
		if err != nil {
			return nil, opErr(op, err)
		}
		for batch := range chunk(ids, scanBatch) {
			recs := make([]*redis.StringCmd, len(batch))
			revs := make([]*redis.SliceCmd, len(batch))
			if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i, id := range batch {
					recs[i] = p.HGet(ctx, s.keys.Call(unit, id), "record")
					revs[i] = p.HMGet(ctx, s.keys.Review(unit, id), "decisions", "state", "rscore", "orphans", "pass")
				}
				return nil
			}); err != nil && err != redis.Nil {
				return nil, opErr(op, err)
			}
			for i, id := range batch {
				var rec scoring.Record
				if err := json.Unmarshal([]byte(recs[i].Val()), &rec); err != nil {
					return nil, opErrf(op, "call %s: decode record: %w", id, err)
				}
				c := NewContribution(&rec)
				f := byDay[c.Day]
				if f == nil {
					continue
				}
				f.Aggregate.add(c)
				score := rec.Score
				rv, err := decodeReview(revs[i].Val(), rec.Score)
				if err != nil {
					return nil, opErrf(op, "call %s: %w", id, err)
				}
				if len(rv.Decisions) > 0 {
					o := EvalReview(&rec, rv.Decisions, rv.PassScore)
					f.Adjustment.add(adjustmentOf(c, &rec, o))
					score = o.Score
				}
				if q.Worst > 0 {
					r.Worst = append(r.Worst, WorstCall{CallID: id, Unit: unit, Score: score, StartMS: c.StartMS})
				}
			}
		}
	}
	for _, d := range days {
		r.Days = append(r.Days, *byDay[d])
	}
	sortWorst(r.Worst)
	if len(r.Worst) > q.Worst {
		r.Worst = r.Worst[:q.Worst]
	}
	return r, nil
}

// ParseDay checks that s is a day, YYYY-MM-DD.
func ParseDay(s string) error {
	if _, err := time.Parse(time.DateOnly, s); err != nil || len(s) != 10 {
		return fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return nil
}
