package store

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/redis/go-redis/v9"
)

// SelectStored returns the objects of up to limit stored calls that sel
// selects by unit, team, days and versions (sel has no Prefix; a prefix is
// a listing of the bucket), in order of their start, from cursor on ("" to
// begin; otherwise a cursor SelectStored returned). It returns the cursor
// after them ("" once the selection is complete) and whether the selection
// is complete. Stale compares each
// call's versions with target. A call that names no object (it was not
// scored from the bucket) is left out.
func (s *Store) SelectStored(ctx context.Context, sel Selection, target Versions, cursor string, limit int) (objects []string, next string, done bool, err error) {
	const op = "store.SelectStored"
	if sel.Prefix != "" {
		return nil, "", false, opErrf(op, "a prefix selection is a listing of the bucket")
	}
	q := ListQuery{Team: sel.Team, From: sel.From, To: sel.To, Sort: SortTime, Limit: limit, Budget: 4 * limit}
	if sel.Unit != "" {
		q.Units = []string{sel.Unit}
	} else {
		units, err := s.Units(ctx)
		if err != nil {
			return nil, "", false, err
		}
		slices.Sort(units)
		q.Units = units
	}
	if cursor != "" {
		var pos Position
		if err := json.Unmarshal([]byte(cursor), &pos); err != nil {
			return nil, "", false, opErrf(op, "cursor %q: %w", cursor, err)
		}
		q.After = &pos
	}
	page, err := s.List(ctx, q)
	if err != nil {
		return nil, "", false, err
	}
	if page.Next == nil {
		done = true
	} else {
		b, _ := json.Marshal(page.Next)
		next = string(b)
	}
	if len(page.Items) == 0 {
		return nil, next, done, nil
	}
	cmds := make([]*redis.SliceCmd, len(page.Items))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, it := range page.Items {
			cmds[i] = p.HMGet(ctx, s.keys.Call(it.Unit, it.CallID), "object", "lexicon_version", "scheme_version", "engine_version")
		}
		return nil
	}); err != nil {
		return nil, "", false, opErr(op, err)
	}
	for i, it := range page.Items {
		vals := cmds[i].Val()
		str := func(k int) string {
			v, _ := vals[k].(string)
			return v
		}
		if sel.Stale && !target.Stale(it.Unit, str(1), str(2), str(3)) {
			continue
		}
		if obj := str(0); obj != "" {
			objects = append(objects, obj)
		}
	}
	return objects, next, done, nil
}
