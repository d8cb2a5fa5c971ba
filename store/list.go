package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Sort orders of List.
const (
	SortTime  = "time"
	SortScore = "score"
)

// Review filters of List: the call's review state, or "overturned" for
// calls with at least one overturned finding.
const (
	FilterUnreviewed = "unreviewed"
	FilterPartial    = "partial"
	FilterReviewed   = "reviewed"
	FilterOverturned = "overturned"
)

// ListQuery selects and orders calls for List. The zero value of a filter
// field selects everything.
type ListQuery struct {
	// Units are the units searched; List merges their calls.
	Units []string
	Agent string
	Team  string
	// Teams, when not nil, restricts the calls to those of these teams
	// (an access scope: calls without a team are then left out).
	Teams []string
	// Rule selects calls with at least one finding of the rule.
	Rule string
	// From and To select the calls of these days (YYYY-MM-DD, in the
	// call's own UTC offset), inclusive; empty for no bound.
	From, To string
	// ScoreMin and ScoreMax bound the (machine) score, inclusive;
	// ScoreMax 0 with ScoreMin 0 means no bound.
	ScoreMin, ScoreMax int
	// Review is one of the Filter constants, or empty.
	Review string
	// Sort is SortTime (by start) or SortScore (by score, then start);
	// Desc reverses it.
	Sort string
	Desc bool
	// After resumes a listing after this position (a page's Next).
	After *Position
	// Limit is the most calls returned; Budget the most calls examined
	// before a page is returned short (with Next set), so that a rare
	// filter cannot make one request read a whole unit.
	Limit, Budget int
}

// Position is a place in a listing: the sort key of a call and its id.
type Position struct {
	Key int64  `json:"k"`
	ID  string `json:"i"`
}

// ListItem is one call of a listing.
type ListItem struct {
	CallID  string
	Unit    string
	Agent   string
	Team    string
	Day     string
	StartMS int64
	Score   int
	Passed  bool
	Fatal   bool
	// Rules counts the call's findings per rule.
	Rules map[string]int
	// ReviewState and ReviewedScore are the review side; Overturned
	// reports an overturned finding.
	ReviewState   ReviewState
	ReviewedScore int
	Overturned    bool
}

// Page is one page of a listing. Next is nil at the end.
type Page struct {
	Items    []ListItem
	Next     *Position
	Examined int
}

// listBatch is how many index entries a listing reads per round trip.
const listBatch = 200

// source is one sorted set a listing walks, in order, from a position.
type source struct {
	unit   string
	key    string
	lo, hi float64
	desc   bool
	buf    []redis.Z
	pos    *Position
	done   bool
}

// after reports whether z comes after p in the source's order.
func (s *source) after(z redis.Z, p *Position) bool {
	if p == nil {
		return true
	}
	k := int64(z.Score)
	id, _ := z.Member.(string)
	if s.desc {
		return k < p.Key || k == p.Key && id < p.ID
	}
	return k > p.Key || k == p.Key && id > p.ID
}

// fill reads the next entries after the source's position.
func (s *source) fill(ctx context.Context, rdb redis.UniversalClient) error {
	lo, hi := s.lo, s.hi
	if s.pos != nil {
		if s.desc {
			hi = math.Min(hi, float64(s.pos.Key))
		} else {
			lo = math.Max(lo, float64(s.pos.Key))
		}
	}
	if lo > hi {
		s.done = true
		return nil
	}
	start, stop := fmtScore(lo), fmtScore(hi)
	if s.desc {
		start, stop = stop, start
	}
	// Entries that tie with the position are read again and skipped.
	for offset := int64(0); ; {
		zs, err := rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{
			Key: s.key, Start: start, Stop: stop, ByScore: true, Rev: s.desc, Offset: offset, Count: listBatch,
		}).Result()
		if err != nil {
			return err
		}
		for _, z := range zs {
			if s.after(z, s.pos) {
				s.buf = append(s.buf, z)
			}
		}
		if len(zs) < listBatch {
			s.done = true
			return nil
		}
		if len(s.buf) > 0 {
			return nil
		}
		offset += int64(len(zs))
	}
}

func fmtScore(f float64) string {
	switch {
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsInf(f, 1):
		return "+inf"
	}
	return strconv.FormatFloat(f, 'f', 0, 64)
}

// head returns the source's next entry, reading more when needed; ok is
// false at its end.
func (s *source) head(ctx context.Context, rdb redis.UniversalClient) (redis.Z, bool, error) {
	if len(s.buf) == 0 && !s.done {
		if err := s.fill(ctx, rdb); err != nil {
			return redis.Z{}, false, err
		}
	}
	if len(s.buf) == 0 {
		return redis.Z{}, false, nil
	}
	return s.buf[0], true, nil
}

// sources returns the sorted sets a query walks.
func (s *Store) sources(q ListQuery) []*source {
	var out []*source
	for _, unit := range q.Units {
		add := func(key string, lo, hi float64) {
			out = append(out, &source{unit: unit, key: key, lo: lo, hi: hi, desc: q.Desc, pos: q.After})
		}
		if q.Sort == SortScore {
			lo, hi := float64(int64(q.ScoreMin)*scoreKeyFactor), float64((int64(q.ScoreMax)+1)*scoreKeyFactor-1)
			add(s.keys.IndexKey(unit, IndexScore, ""), lo, hi)
			continue
		}
		lo, hi := math.Inf(-1), math.Inf(1)
		if q.From != "" {
			if d, err := time.Parse(time.DateOnly, q.From); err == nil {
				lo = float64(d.Add(-14 * time.Hour).UnixMilli())
			}
		}
		if q.To != "" {
			if d, err := time.Parse(time.DateOnly, q.To); err == nil {
				hi = float64(d.Add(38 * time.Hour).UnixMilli())
			}
		}
		switch {
		case q.Agent != "":
			add(s.keys.IndexKey(unit, IndexAgent, q.Agent), lo, hi)
		case q.Team != "":
			add(s.keys.IndexKey(unit, IndexTeam, q.Team), lo, hi)
		case q.Teams != nil:
			for _, t := range q.Teams {
				add(s.keys.IndexKey(unit, IndexTeam, t), lo, hi)
			}
		case q.Rule != "":
			add(s.keys.IndexKey(unit, IndexRule, q.Rule), lo, hi)
		case q.Review == FilterPartial || q.Review == FilterReviewed || q.Review == FilterOverturned:
			add(s.keys.ReviewIndex(unit, q.Review), lo, hi)
		default:
			add(s.keys.IndexKey(unit, IndexTime, ""), lo, hi)
		}
	}
	return out
}

// List returns one page of the calls q selects, in q's order. Calls are
// read through the index that narrows the search most and filtered on
// their contribution and review state; a page may hold fewer than Limit
// calls when Budget calls were examined first, and Next is nil only at
// the end of the listing.
func (s *Store) List(ctx context.Context, q ListQuery) (*Page, error) {
	const op = "store.List"
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Budget < q.Limit {
		q.Budget = max(q.Limit, 2000)
	}
	if q.ScoreMax == 0 && q.ScoreMin == 0 {
		q.ScoreMax = 100
	}
	if q.Sort == "" {
		q.Sort = SortTime
	}
	if q.Sort != SortTime && q.Sort != SortScore {
		return nil, opErrf(op, "sort %q: want %s or %s", q.Sort, SortTime, SortScore)
	}
	teams := map[string]bool{}
	for _, t := range q.Teams {
		teams[t] = true
	}
	srcs := s.sources(q)
	page := &Page{}
	type cand struct {
		unit string
		z    redis.Z
	}
	var last *Position
	for len(page.Items) < q.Limit && page.Examined < q.Budget {
		// Take the next candidates in order, then read them at once.
		var cands []cand
		for len(cands) < min(q.Limit-len(page.Items)+listBatch/4, q.Budget-page.Examined) {
			var best *source
			var bz redis.Z
			for _, src := range srcs {
				z, ok, err := src.head(ctx, s.rdb)
				if err != nil {
					return nil, opErr(op, err)
				}
				if ok && (best == nil || before(z, bz, q.Desc)) {
					best, bz = src, z
				}
			}
			if best == nil {
				break
			}
			best.buf = best.buf[1:]
			id, _ := bz.Member.(string)
			best.pos = &Position{Key: int64(bz.Score), ID: id}
			cands = append(cands, cand{best.unit, bz})
		}
		if len(cands) == 0 {
			return page, nil // every source is at its end
		}
		loaded := make([]*ListItem, len(cands))
		for unit, idx := range groupByUnit(len(cands), func(i int) string { return cands[i].unit }) {
			ids := make([]string, len(idx))
			for j, i := range idx {
				ids[j], _ = cands[i].z.Member.(string)
			}
			got, err := s.listItems(ctx, unit, ids)
			if err != nil {
				return nil, opErr(op, err)
			}
			for j, i := range idx {
				loaded[i] = got[j]
			}
		}
		for i, c := range cands {
			page.Examined++
			id, _ := c.z.Member.(string)
			last = &Position{Key: int64(c.z.Score), ID: id}
			if it := loaded[i]; it != nil && q.matches(it, teams) {
				page.Items = append(page.Items, *it)
			}
			if len(page.Items) == q.Limit {
				if i < len(cands)-1 {
					page.Next = last
					return page, nil
				}
				break
			}
		}
	}
	// The page is full or the budget spent: is anything left?
	for _, src := range srcs {
		if _, ok, err := src.head(ctx, s.rdb); err != nil {
			return nil, opErr(op, err)
		} else if ok {
			page.Next = last
			break
		}
	}
	return page, nil
}

// before reports whether a sorts before b.
func before(a, b redis.Z, desc bool) bool {
	ka, kb := int64(a.Score), int64(b.Score)
	ia, _ := a.Member.(string)
	ib, _ := b.Member.(string)
	if desc {
		return ka > kb || ka == kb && ia > ib
	}
	return ka < kb || ka == kb && ia < ib
}

func groupByUnit(n int, unit func(int) string) map[string][]int {
	out := map[string][]int{}
	for i := range n {
		out[unit(i)] = append(out[unit(i)], i)
	}
	return out
}

// Matches reports whether a call passes the query's filters (all but
// Units). An unset ScoreMax (with ScoreMin 0) bounds nothing.
func (q ListQuery) Matches(it *ListItem) bool {
	return q.matches(it, nil)
}

func (q ListQuery) matches(it *ListItem, teams map[string]bool) bool {
	if q.ScoreMax == 0 && q.ScoreMin == 0 {
		q.ScoreMax = 100
	}
	inTeams := teams[it.Team]
	if teams == nil && q.Teams != nil {
		inTeams = slices.Contains(q.Teams, it.Team)
	}
	switch {
	case q.Agent != "" && it.Agent != q.Agent,
		q.Team != "" && it.Team != q.Team,
		q.Teams != nil && !inTeams,
		q.Rule != "" && it.Rules[q.Rule] == 0,
		q.From != "" && it.Day < q.From,
		q.To != "" && it.Day > q.To,
		it.Score < q.ScoreMin || it.Score > q.ScoreMax:
		return false
	}
	switch q.Review {
	case FilterUnreviewed:
		return it.ReviewState == Unreviewed
	case FilterPartial:
		return it.ReviewState == Partial
	case FilterReviewed:
		return it.ReviewState == Reviewed
	case FilterOverturned:
		return it.Overturned
	}
	return true
}

// ListItem returns the listing fields of one call of unit, or nil when it
// has no score.
func (s *Store) ListItem(ctx context.Context, unit, callID string) (*ListItem, error) {
	items, err := s.listItems(ctx, unit, []string{callID})
	if err != nil {
		return nil, opErr("store.ListItem", err)
	}
	return items[0], nil
}

// listItems reads the listing fields of calls of unit; a call that is
// gone meanwhile is nil.
func (s *Store) listItems(ctx context.Context, unit string, ids []string) ([]*ListItem, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	calls := make([]*redis.StringCmd, len(ids))
	revs := make([]*redis.SliceCmd, len(ids))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			calls[i] = p.HGet(ctx, s.keys.Call(unit, id), "contrib")
			revs[i] = p.HMGet(ctx, s.keys.Review(unit, id), "state", "rscore", "adj")
		}
		return nil
	}); err != nil && err != redis.Nil {
		return nil, err
	}
	out := make([]*ListItem, len(ids))
	for i, id := range ids {
		raw, err := calls[i].Result()
		if err == redis.Nil {
			continue
		}
		if err != nil {
			return nil, err
		}
		var c Contribution
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return nil, fmt.Errorf("call %s: decode contribution: %w", id, err)
		}
		it := &ListItem{CallID: id, Unit: unit, Agent: c.Agent, Team: c.Team, Day: c.Day, StartMS: c.StartMS,
			Score: c.Score, Passed: c.Passed, Fatal: c.Fatal, Rules: c.Rules,
			ReviewState: Unreviewed, ReviewedScore: c.Score}
		vals := revs[i].Val()
		if st, _ := vals[0].(string); st != "" {
			it.ReviewState = ReviewState(st)
		}
		if rs, _ := vals[1].(string); rs != "" {
			if n, err := strconv.Atoi(rs); err == nil {
				it.ReviewedScore = n
			}
		}
		if adj, _ := vals[2].(string); adj != "" {
			var a struct {
				OV int `json:"ov"`
			}
			if err := json.Unmarshal([]byte(adj), &a); err != nil {
				return nil, fmt.Errorf("call %s: decode review adjustment: %w", id, err)
			}
			it.Overturned = a.OV == 1
		}
		out[i] = it
	}
	return out, nil
}
