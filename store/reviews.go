package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"callqa/scoring"
)

// Reviews: a QA reviewer confirms or overturns single findings of a call.
//
// A decision is kept per finding identity (FindingKey: rule, utterance,
// evidence span and evidence text), not per index, so that a decision
// survives a rescoring that still produces the finding and is recognised
// as orphaned when the finding is gone. Every decision is appended to the
// call's audit trail, which is never shortened.
//
// The call's reviewed score is recomputed from the findings that stand
// (ReviewOutcome) and what it changes is kept as the call's review
// adjustment: a delta to its unit's, agent's and team's day aggregates
// (score sum, passes, fatal calls, findings and calls per rule), held in
// hashes of their own beside the aggregates (Keys.ReviewAdjustment). A
// report's reviewed figures are the aggregate plus the adjustment; its
// machine figures are the aggregate alone. The adjustment moves in the
// same Lua script as the change that causes it: the review itself, or a
// Put or Remove of the call's score (putScript and removeScript call
// rv_refresh), so reviewed figures always equal a recomputation from the
// stored records and decisions (VerifyReviews checks this).
//
// The same scripts keep, per agent and team and day, the calls sorted by
// reviewed score (for a report's worst calls), the teams each agent took
// calls for (for supervisors' access to agent reports) and the unit's
// review-state indexes (for filtering calls by review state).

// Decision is a reviewer's verdict on one finding.
type Decision string

// Decisions.
const (
	Confirm  Decision = "confirm"
	Overturn Decision = "overturn"
)

// ReviewState summarizes the decisions on a call's current findings.
type ReviewState string

// Review states. A call with no findings, or whose decisions are all
// orphaned, is Unreviewed.
const (
	Unreviewed ReviewState = "unreviewed"
	Partial    ReviewState = "partial"
	Reviewed   ReviewState = "reviewed"
)

// reviewFactor orders the worst-call sets by reviewed score, then start,
// like scoreKeyFactor.
const reviewFactor = scoreKeyFactor

// luaReviews defines rv_refresh(p, id, oldc, newc, recjson), which moves a
// call's review adjustment and review indexes from its old contribution
// oldc (a JSON string, or false) to its new contribution newc (a JSON
// string, or false when the call is removed) with record recjson, under
// the decisions stored in the call's review hash. putScript, removeScript
// and reviewScript call it; the key suffixes match Keys.Review,
// Keys.ReviewAdjustment, Keys.Worst, Keys.AgentTeams and Keys.ReviewIndex.
//
// The review hash holds:
//
//	decisions  JSON {finding key: {decision, by, at, comment, rule, ...}}
//	pass       the pass score the reviewed score is judged by
//	adj        JSON of the adjustment applied (absent without decisions)
//	state      partial or reviewed (absent: unreviewed)
//	rscore     the reviewed score (absent without decisions)
//	orphans    decisions whose finding is not in the current record
const luaReviews = `
local RV_F = 10000000000000
local function rv_incr(key, field, by)
  if by == 0 then return end
  if redis.call('HINCRBY', key, field, by) == 0 then
    redis.call('HDEL', key, field)
  end
end

-- rv_fkey is a finding's identity, as FindingKey builds it.
local function rv_fkey(f)
  local s, e = '', ''
  if type(f.span) == 'table' then
    s = string.format('%d', f.span.start)
    e = string.format('%d', f.span['end'])
  end
  local ev = f.evidence
  if type(ev) ~= 'string' then ev = '' end
  return f.rule .. '|' .. string.format('%d', f.utterance) .. '|' .. s .. '-' .. e .. '|' .. ev
end

-- rv_keys returns the identity of every finding of rec, in order; the
-- n-th repeat of one identity gets '#n'.
local function rv_findings(rec)
  if type(rec.findings) == 'table' then return rec.findings end
  return {}
end

local function rv_keys(rec)
  local seen, out = {}, {}
  for i, f in ipairs(rv_findings(rec)) do
    local k = rv_fkey(f)
    local n = (seen[k] or 0) + 1
    seen[k] = n
    if n > 1 then k = k .. '#' .. n end
    out[i] = k
  end
  return out
end

-- rv_eval evaluates rec under decisions into an adjustment a (see
-- ReviewOutcome for the rules).
local function rv_eval(rec, decisions, pass, c)
  local keys = rv_keys(rec)
  local found, byrule = {}, {}
  local fatal, decided, over, total = false, 0, 0, 0
  for i, f in ipairs(rv_findings(rec)) do
    local k = keys[i]
    found[k] = true
    total = total + 1
    local r = byrule[f.rule]
    if not r then
      r = {n = 0, ns = 0, maxd = 0, sum = 0}
      byrule[f.rule] = r
    end
    local d = tonumber(f.deduction) or 0
    r.n = r.n + 1
    r.sum = r.sum + d
    if d > r.maxd then r.maxd = d end
    local dec = decisions[k]
    if type(dec) == 'table' then decided = decided + 1 end
    if type(dec) == 'table' and dec.decision == 'overturn' then
      over = over + 1
    else
      r.ns = r.ns + 1
      if f.severity == 'fatal' then fatal = true end
    end
  end
  local orphans = 0
  for k, _ in pairs(decisions) do
    if not found[k] then orphans = orphans + 1 end
  end
  local recfatal = rec.fatal == true
  local score, passed = c.score, c.passed == true
  local a = {day = c.day, agent = c.agent, team = c.team, start_ms = c.start_ms,
             ds = 0, dp = 0, df = 0, f = {}, c = {}, rv = 0, ov = 0, state = '', orphans = orphans}
  if over > 0 then
    local sum = 0
    for rule, r in pairs(byrule) do
      sum = sum + math.min(r.ns * r.maxd, r.sum)
      if r.ns < r.n then a.f[rule] = r.ns - r.n end
      if r.ns == 0 then a.c[rule] = -1 end
    end
    score = math.max(100 - sum, 0)
    if fatal then score = 0 end
    passed = score >= pass
    a.ov = 1
  else
    fatal = recfatal
  end
  a.score = score
  a.ds = score - c.score
  if passed then a.dp = 1 end
  if c.passed == true then a.dp = a.dp - 1 end
  if fatal then a.df = 1 end
  if recfatal then a.df = a.df - 1 end
  if decided > 0 then
    a.rv = 1
    if decided == total then a.state = 'reviewed' else a.state = 'partial' end
  end
  return a
end

-- rv_move adds (sign 1) or subtracts (sign -1) a call's review
-- adjustment a and its index entries.
local function rv_move(p, id, a, sign)
  local ks = {p .. 'radj:unit:' .. a.day, p .. 'radj:agent:' .. a.agent .. ':' .. a.day}
  if a.team ~= '' then table.insert(ks, p .. 'radj:team:' .. a.team .. ':' .. a.day) end
  for _, k in ipairs(ks) do
    rv_incr(k, 'score', sign * a.ds)
    rv_incr(k, 'passed', sign * a.dp)
    rv_incr(k, 'fatal', sign * a.df)
    rv_incr(k, 'reviewed', sign * a.rv)
    rv_incr(k, 'overturned', sign * a.ov)
    if type(a.f) == 'table' then
      for rule, n in pairs(a.f) do rv_incr(k, 'f:' .. rule, sign * n) end
    end
    if type(a.c) == 'table' then
      for rule, n in pairs(a.c) do rv_incr(k, 'c:' .. rule, sign * n) end
    end
  end
  local st = tonumber(a.start_ms)
  local idx = {}
  if a.state == 'partial' or a.state == 'reviewed' then table.insert(idx, p .. 'idx:review:' .. a.state) end
  if a.ov == 1 then table.insert(idx, p .. 'idx:review:overturned') end
  for _, z in ipairs(idx) do
    if sign > 0 then redis.call('ZADD', z, st, id) else redis.call('ZREM', z, id) end
  end
end

-- rv_place adds (sign 1) or removes (sign -1) a call in the worst-call
-- sets of its agent and team, with reviewed score score, and counts it
-- among its agent's teams.
local function rv_place(p, id, c, score, sign)
  local ws = {p .. 'worst:agent:' .. c.agent .. ':' .. c.day}
  if c.team ~= '' then table.insert(ws, p .. 'worst:team:' .. c.team .. ':' .. c.day) end
  for _, k in ipairs(ws) do
    if sign > 0 then
      redis.call('ZADD', k, string.format('%.0f', score * RV_F + tonumber(c.start_ms)), id)
    else
      redis.call('ZREM', k, id)
    end
  end
  if c.team ~= '' then rv_incr(p .. 'agteams:' .. c.agent, c.team, sign) end
end

local function rv_refresh(p, id, oldc, newc, recjson)
  local rk = p .. 'rev:' .. id
  local h = redis.call('HMGET', rk, 'adj', 'decisions', 'pass')
  if oldc then
    local c = cjson.decode(oldc)
    local score = c.score
    if h[1] then
      local a = cjson.decode(h[1])
      rv_move(p, id, a, -1)
      score = a.score
    end
    rv_place(p, id, c, score, -1)
  end
  if not newc then
    if h[1] then redis.call('HDEL', rk, 'adj', 'state', 'rscore', 'orphans') end
    return nil
  end
  local c = cjson.decode(newc)
  if not h[2] then
    rv_place(p, id, c, c.score, 1)
    return nil
  end
  local a = rv_eval(cjson.decode(recjson), cjson.decode(h[2]), tonumber(h[3]) or 0, c)
  rv_move(p, id, a, 1)
  rv_place(p, id, c, a.score, 1)
  redis.call('HSET', rk, 'adj', cjson.encode(a), 'rscore', a.score, 'orphans', a.orphans)
  if a.state ~= '' then
    redis.call('HSET', rk, 'state', a.state)
  else
    redis.call('HDEL', rk, 'state')
  end
  return a
end
`

// reviewScript records a decision on one finding of a stored call.
//
// KEYS[1] the call hash (Keys.Call)
// KEYS[2] the call's review hash (Keys.Review)
// KEYS[3] the call's audit trail (Keys.Audit)
// ARGV[1] the unit's key prefix (Keys.UnitPrefix)
// ARGV[2] call id
// ARGV[3] the finding's index in the record, 0-based
// ARGV[4] the finding's identity as the caller saw it (FindingKey)
// ARGV[5] decision JSON: {decision, by, at, comment, rule, utterance,
//
//	span, evidence, deduction}
//
// ARGV[6] the pass score of the call's scheme
//
// Returns the audit entry as JSON, or an error reply starting with
// "NOCALL" when the call has no score and "CHANGED" when the finding at
// that index is no longer the one the caller saw (the call was rescored).
var reviewScript = redis.NewScript(luaReviews + `
local h = redis.call('HMGET', KEYS[1], 'record', 'contrib')
if not h[1] then return redis.error_reply('NOCALL no score for this call') end
local rec = cjson.decode(h[1])
local i = tonumber(ARGV[3]) + 1
local keys = rv_keys(rec)
if keys[i] ~= ARGV[4] then return redis.error_reply('CHANGED the finding changed') end
local rv = redis.call('HMGET', KEYS[2], 'decisions', 'rscore')
local decisions = {}
if rv[1] then decisions = cjson.decode(rv[1]) end
local c = cjson.decode(h[2])
local before = {decision = '', reviewed_score = tonumber(rv[2]) or c.score}
if type(decisions[ARGV[4]]) == 'table' then before.decision = decisions[ARGV[4]].decision end
local dec = cjson.decode(ARGV[5])
decisions[ARGV[4]] = dec
redis.call('HSET', KEYS[2], 'decisions', cjson.encode(decisions), 'pass', ARGV[6])
local a = rv_refresh(ARGV[1], ARGV[2], h[2], h[2], h[1])
local entry = {at = dec.at, by = dec.by, finding = i - 1, key = ARGV[4], rule = dec.rule,
  utterance = dec.utterance, decision = dec.decision, comment = dec.comment,
  before = before, after = {decision = dec.decision, reviewed_score = a.score},
  state = a.state}
local js = cjson.encode(entry)
redis.call('RPUSH', KEYS[3], js)
return js
`)

// FindingKey returns the identity of a finding that decisions are kept
// under: rule, utterance, evidence span and evidence text. FindingKeys
// numbers repeats of one identity within a record.
func FindingKey(f scoring.Finding) string {
	var b strings.Builder
	b.WriteString(f.Rule)
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(f.Utterance))
	b.WriteByte('|')
	if f.Span != nil {
		b.WriteString(strconv.Itoa(f.Span.Start))
		b.WriteByte('-')
		b.WriteString(strconv.Itoa(f.Span.End))
	} else {
		b.WriteByte('-')
	}
	b.WriteByte('|')
	b.WriteString(f.Evidence)
	return b.String()
}

// FindingKeys returns the identity of every finding of rec, in order: the
// FindingKey, with "#n" appended for the n-th finding (n ≥ 2) of one
// identity.
func FindingKeys(rec *scoring.Record) []string {
	seen := map[string]int{}
	out := make([]string, len(rec.Findings))
	for i, f := range rec.Findings {
		k := FindingKey(f)
		seen[k]++
		if n := seen[k]; n > 1 {
			k += "#" + strconv.Itoa(n)
		}
		out[i] = k
	}
	return out
}

// FindingDecision is the decision standing on one finding.
type FindingDecision struct {
	Decision  Decision      `json:"decision"`
	By        string        `json:"by"`
	At        int64         `json:"at"`
	Comment   string        `json:"comment"`
	Rule      string        `json:"rule"`
	Utterance int           `json:"utterance"`
	Span      *scoring.Span `json:"span,omitempty"`
	Evidence  string        `json:"evidence,omitempty"`
	Deduction int           `json:"deduction"`
}

// Time returns when the decision was made.
func (d FindingDecision) Time() time.Time { return time.UnixMilli(d.At) }

// ReviewOutcome is what the decisions on a call's findings make of it.
type ReviewOutcome struct {
	// Score is the reviewed score: the deductions are recomputed from the
	// findings that stand (not overturned) with the scheme's caps, as the
	// record's own deductions show them: per rule, min(standing ×
	// largest deduction, the rule's total deduction). A standing fatal
	// finding scores 0. Without an overturn it is the record's score.
	Score int
	// Passed is Score ≥ the pass score; without an overturn, the record's
	// Passed.
	Passed bool
	Fatal  bool
	// Overturned counts overturned findings per rule.
	Overturned map[string]int
	// Cleared lists the rules all of whose findings were overturned.
	Cleared []string
	State   ReviewState
	// Decided counts the findings with a decision; Orphans the decisions
	// whose finding is not in the record.
	Decided, Orphans int
}

// EvalReview applies decisions (by finding key) to rec, with passScore the
// pass score of rec's scheme. It is the Go twin of the Lua rv_eval, used
// to verify it and to recompute reports by scanning.
func EvalReview(rec *scoring.Record, decisions map[string]FindingDecision, passScore int) ReviewOutcome {
	type tally struct{ n, standing, maxd, sum int }
	keys := FindingKeys(rec)
	found := map[string]bool{}
	byRule := map[string]*tally{}
	var order []string
	out := ReviewOutcome{Score: rec.Score, Passed: rec.Passed, Fatal: rec.Fatal, Overturned: map[string]int{}}
	fatal, over := false, 0
	for i, f := range rec.Findings {
		found[keys[i]] = true
		t := byRule[f.Rule]
		if t == nil {
			t = &tally{}
			byRule[f.Rule] = t
			order = append(order, f.Rule)
		}
		t.n++
		t.sum += f.Deduction
		t.maxd = max(t.maxd, f.Deduction)
		d, ok := decisions[keys[i]]
		if ok {
			out.Decided++
		}
		if ok && d.Decision == Overturn {
			over++
			out.Overturned[f.Rule]++
			continue
		}
		t.standing++
		if f.Severity == scoring.Fatal {
			fatal = true
		}
	}
	for k := range decisions {
		if !found[k] {
			out.Orphans++
		}
	}
	if over > 0 {
		sum := 0
		for _, r := range order {
			t := byRule[r]
			sum += min(t.standing*t.maxd, t.sum)
			if t.standing == 0 {
				out.Cleared = append(out.Cleared, r)
			}
		}
		out.Score = max(100-sum, 0)
		if fatal {
			out.Score = 0
		}
		out.Passed = out.Score >= passScore
		out.Fatal = fatal
	}
	switch {
	case out.Decided == 0:
		out.State = Unreviewed
	case out.Decided == len(rec.Findings):
		out.State = Reviewed
	default:
		out.State = Partial
	}
	return out
}

// ReviewInput is one reviewer's decision on one finding of a call.
type ReviewInput struct {
	CallID string
	// Finding is the finding's index in the call's stored record, and Key
	// its FindingKey as the reviewer saw it: the review is refused with
	// ErrChanged when the finding at Index is another one by now.
	Finding  int
	Key      string
	Decision Decision
	Comment  string
	Reviewer string
	// PassScore is the pass score of the call's scheme.
	PassScore int
	At        time.Time
}

// AuditEntry is one decision in a call's audit trail.
type AuditEntry struct {
	At        int64  `json:"at"`
	By        string `json:"by"`
	Finding   int    `json:"finding"`
	Key       string `json:"key"`
	Rule      string `json:"rule"`
	Utterance int    `json:"utterance"`
	Decision  string `json:"decision"`
	Comment   string `json:"comment"`
	Before    struct {
		Decision      string `json:"decision"`
		ReviewedScore int    `json:"reviewed_score"`
	} `json:"before"`
	After struct {
		Decision      string `json:"decision"`
		ReviewedScore int    `json:"reviewed_score"`
	} `json:"after"`
	// State is the call's review state after the decision.
	State string `json:"state"`
}

// Errors of Review.
var (
	// ErrChanged: the finding at the given index is not the one the
	// reviewer saw; the call was rescored meanwhile.
	ErrChanged = errors.New("finding changed since it was read")
)

// Review records a reviewer's decision on one finding of a stored call of
// unit, moves the call's reviewed score and the review adjustments of its
// aggregates in the same atomic step, and appends the decision to the
// call's audit trail, which it returns. The error wraps ErrNotFound when
// the call has no score and ErrChanged when the finding changed.
func (s *Store) Review(ctx context.Context, unit string, in ReviewInput, f scoring.Finding) (AuditEntry, error) {
	const op = "store.Review"
	if in.Decision != Confirm && in.Decision != Overturn {
		return AuditEntry{}, opErrf(op, "decision %q is neither confirm nor overturn", in.Decision)
	}
	dec, err := json.Marshal(FindingDecision{
		Decision: in.Decision, By: in.Reviewer, At: in.At.UnixMilli(), Comment: in.Comment,
		Rule: f.Rule, Utterance: f.Utterance, Span: f.Span, Evidence: f.Evidence, Deduction: f.Deduction,
	})
	if err != nil {
		return AuditEntry{}, opErrf(op, "encode decision: %w", err)
	}
	js, err := reviewScript.Run(ctx, s.rdb,
		[]string{s.keys.Call(unit, in.CallID), s.keys.Review(unit, in.CallID), s.keys.Audit(unit, in.CallID)},
		s.keys.UnitPrefix(unit), in.CallID, in.Finding, in.Key, dec, in.PassScore).Text()
	if err != nil {
		switch msg := err.Error(); {
		case strings.HasPrefix(msg, "NOCALL"):
			return AuditEntry{}, opErrf(op, "call %s: %w", in.CallID, ErrNotFound)
		case strings.HasPrefix(msg, "CHANGED"):
			return AuditEntry{}, opErrf(op, "call %s finding %d: %w", in.CallID, in.Finding, ErrChanged)
		}
		return AuditEntry{}, opErrf(op, "review call %s: %w", in.CallID, err)
	}
	var e AuditEntry
	if err := json.Unmarshal([]byte(js), &e); err != nil {
		return AuditEntry{}, opErrf(op, "decode audit entry: %w", err)
	}
	return e, nil
}

// CallReview is the review side of a stored call.
type CallReview struct {
	// Decisions holds the standing decision per finding key, orphaned
	// ones included.
	Decisions map[string]FindingDecision
	// State is the call's review state and Score its reviewed score
	// (the record's score while nothing is overturned).
	State   ReviewState
	Score   int
	Orphans int
	// PassScore is the pass score the reviewed score was judged by; 0
	// before the first decision.
	PassScore int
}

// ReviewOf returns the review side of a call of unit whose stored score
// is score.
func (s *Store) ReviewOf(ctx context.Context, unit, callID string, score int) (CallReview, error) {
	const op = "store.ReviewOf"
	vals, err := s.rdb.HMGet(ctx, s.keys.Review(unit, callID), "decisions", "state", "rscore", "orphans", "pass").Result()
	if err != nil {
		return CallReview{}, opErr(op, err)
	}
	return decodeReview(vals, score)
}

// decodeReview builds a CallReview from the review hash fields decisions,
// state, rscore, orphans and pass, in that order.
func decodeReview(vals []any, score int) (CallReview, error) {
	str := func(i int) string {
		s, _ := vals[i].(string)
		return s
	}
	r := CallReview{Decisions: map[string]FindingDecision{}, State: Unreviewed, Score: score}
	if d := str(0); d != "" && d != "{}" {
		if err := json.Unmarshal([]byte(d), &r.Decisions); err != nil {
			return r, fmt.Errorf("decode decisions: %w", err)
		}
	}
	if st := str(1); st != "" {
		r.State = ReviewState(st)
	}
	if n, err := strconv.Atoi(str(2)); err == nil {
		r.Score = n
	}
	r.Orphans, _ = strconv.Atoi(str(3))
	r.PassScore, _ = strconv.Atoi(str(4))
	return r, nil
}

// Audit returns a call's audit trail, oldest decision first.
func (s *Store) Audit(ctx context.Context, unit, callID string) ([]AuditEntry, error) {
	const op = "store.Audit"
	raw, err := s.rdb.LRange(ctx, s.keys.Audit(unit, callID), 0, -1).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	out := make([]AuditEntry, 0, len(raw))
	for _, js := range raw {
		var e AuditEntry
		if err := json.Unmarshal([]byte(js), &e); err != nil {
			return nil, opErrf(op, "call %s: decode audit entry: %w", callID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// AgentTeams returns the teams an agent of unit took stored calls for,
// with the number of calls each.
func (s *Store) AgentTeams(ctx context.Context, unit, agent string) (map[string]int64, error) {
	const op = "store.AgentTeams"
	h, err := s.rdb.HGetAll(ctx, s.keys.AgentTeams(unit, agent)).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	out := make(map[string]int64, len(h))
	for team, n := range h {
		v, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return nil, opErrf(op, "agent %s team %s: %q is not a count", agent, team, n)
		}
		out[team] = v
	}
	return out, nil
}

// reviewAdjustment is the adjustment JSON kept in the review hash (adj):
// what a call's review adds to its day's review-adjustment hashes.
type reviewAdjustment struct {
	Day     string         `json:"day"`
	Agent   string         `json:"agent"`
	Team    string         `json:"team"`
	StartMS string         `json:"start_ms"`
	Score   int            `json:"score"`
	DScore  int            `json:"ds"`
	DPassed int            `json:"dp"`
	DFatal  int            `json:"df"`
	F       map[string]int `json:"f"`
	C       map[string]int `json:"c"`
	RV      int            `json:"rv"`
	OV      int            `json:"ov"`
	State   string         `json:"state"`
}

// UnmarshalJSON accepts the empty JSON array Lua's cjson writes for an
// empty table where an object is meant.
func (a *reviewAdjustment) UnmarshalJSON(b []byte) error {
	type plain reviewAdjustment
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for _, k := range []string{"f", "c"} {
		if string(raw[k]) == "[]" {
			delete(raw, k)
		}
	}
	fixed, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(fixed, (*plain)(a))
}

// adjustmentOf returns what a call with contribution c and review outcome
// o adds to the review adjustments, as rv_eval computes it.
func adjustmentOf(c Contribution, rec *scoring.Record, o ReviewOutcome) reviewAdjustment {
	a := reviewAdjustment{Day: c.Day, Agent: c.Agent, Team: c.Team,
		StartMS: strconv.FormatInt(c.StartMS, 10), Score: o.Score, DScore: o.Score - c.Score,
		F: map[string]int{}, C: map[string]int{}}
	a.DPassed = boolInt(o.Passed) - boolInt(c.Passed)
	a.DFatal = boolInt(o.Fatal) - boolInt(rec.Fatal)
	for r, n := range o.Overturned {
		a.F[r] = -n
	}
	for _, r := range o.Cleared {
		a.C[r] = -1
	}
	if o.Decided > 0 {
		a.RV = 1
		a.State = string(o.State)
	}
	if len(o.Overturned) > 0 {
		a.OV = 1
	}
	return a
}

// Adjustment is the review adjustment of a day's aggregate: what the
// reviews of its calls change. Reviewed figures are the Aggregate's plus
// these.
type Adjustment struct {
	ScoreSum int64
	Passed   int64
	Fatal    int64
	// Reviewed counts calls with at least one decision, Overturned those
	// with at least one overturned finding.
	Reviewed   int64
	Overturned int64
	// Findings and CallsWithRule are deltas (≤ 0) per rule.
	Findings      map[string]int64
	CallsWithRule map[string]int64
}

func parseAdjustment(h map[string]string) (Adjustment, error) {
	var a Adjustment
	err := parseCounters(h, map[string]*int64{
		"score": &a.ScoreSum, "passed": &a.Passed, "fatal": &a.Fatal,
		"reviewed": &a.Reviewed, "overturned": &a.Overturned,
	}, &a.Findings, &a.CallsWithRule)
	return a, err
}

func (a *Adjustment) add(r reviewAdjustment) {
	a.ScoreSum += int64(r.DScore)
	a.Passed += int64(r.DPassed)
	a.Fatal += int64(r.DFatal)
	a.Reviewed += int64(r.RV)
	a.Overturned += int64(r.OV)
	for rule, n := range r.F {
		if a.Findings == nil {
			a.Findings = map[string]int64{}
		}
		a.Findings[rule] += int64(n)
	}
	for rule, n := range r.C {
		if a.CallsWithRule == nil {
			a.CallsWithRule = map[string]int64{}
		}
		a.CallsWithRule[rule] += int64(n)
	}
}

// Equal reports whether a and b hold the same counts.
func (a Adjustment) Equal(b Adjustment) bool {
	return a.ScoreSum == b.ScoreSum && a.Passed == b.Passed && a.Fatal == b.Fatal &&
		a.Reviewed == b.Reviewed && a.Overturned == b.Overturned &&
		mapsEqual(nonZero(a.Findings), nonZero(b.Findings)) && mapsEqual(nonZero(a.CallsWithRule), nonZero(b.CallsWithRule))
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func (a Adjustment) String() string {
	return fmt.Sprintf("score=%d passed=%d fatal=%d reviewed=%d overturned=%d findings=%v calls_with_rule=%v",
		a.ScoreSum, a.Passed, a.Fatal, a.Reviewed, a.Overturned, nonZero(a.Findings), nonZero(a.CallsWithRule))
}

// VerifyReviews recomputes, from the stored records and decisions of a
// unit's calls, every review adjustment, the reviewed score and state of
// each call, the worst-call sets and the agents' teams, and compares them
// with what is stored. It returns one line per difference. Like Verify it
// reads the whole unit and is meant for audits and tests.
func (s *Store) VerifyReviews(ctx context.Context, unit string) ([]string, error) {
	const op = "store.VerifyReviews"
	ids, err := s.rdb.ZRange(ctx, s.keys.IndexKey(unit, IndexTime, ""), 0, -1).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	var diffs []string
	wantAdj := map[string]*Adjustment{}
	wantWorst := map[string]map[string]float64{}
	wantTeams := map[string]map[string]int64{}
	wantIdx := map[string]map[string]float64{}
	for batch := range chunk(ids, verifyBatch) {
		calls := make([]*redis.SliceCmd, len(batch))
		revs := make([]*redis.SliceCmd, len(batch))
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range batch {
				calls[i] = p.HMGet(ctx, s.keys.Call(unit, id), "record", "contrib", "object", "etag", "mtime", "stored_at")
				revs[i] = p.HMGet(ctx, s.keys.Review(unit, id), "decisions", "state", "rscore", "orphans", "pass")
			}
			return nil
		}); err != nil {
			return nil, opErr(op, err)
		}
		for i, id := range batch {
			c, err := decodeCall(calls[i].Val())
			if err != nil {
				diffs = append(diffs, fmt.Sprintf("call %s is indexed but unreadable: %v", id, err))
				continue
			}
			contrib := NewContribution(c.Record)
			rv, err := decodeReview(revs[i].Val(), c.Record.Score)
			if err != nil {
				diffs = append(diffs, fmt.Sprintf("call %s: %v", id, err))
				continue
			}
			score := c.Record.Score
			if len(rv.Decisions) > 0 {
				o := EvalReview(c.Record, rv.Decisions, rv.PassScore)
				score = o.Score
				if rv.Score != o.Score || rv.State != o.State || rv.Orphans != o.Orphans {
					diffs = append(diffs, fmt.Sprintf("call %s: stored reviewed score %d state %s orphans %d, recomputed %d %s %d",
						id, rv.Score, rv.State, rv.Orphans, o.Score, o.State, o.Orphans))
				}
				a := adjustmentOf(contrib, c.Record, o)
				for _, k := range s.adjustmentKeys(unit, contrib) {
					if wantAdj[k] == nil {
						wantAdj[k] = &Adjustment{}
					}
					wantAdj[k].add(a)
				}
				if o.State == Partial || o.State == Reviewed {
					addZ(wantIdx, s.keys.ReviewIndex(unit, string(o.State)), id, float64(contrib.StartMS))
				}
				if a.OV == 1 {
					addZ(wantIdx, s.keys.ReviewIndex(unit, "overturned"), id, float64(contrib.StartMS))
				}
			} else if rv.State != Unreviewed {
				diffs = append(diffs, fmt.Sprintf("call %s: no decisions but state %s", id, rv.State))
			}
			sk := float64(int64(score)*reviewFactor + contrib.StartMS)
			addZ(wantWorst, s.keys.Worst(unit, DimAgent, contrib.Agent, contrib.Day), id, sk)
			if contrib.Team != "" {
				addZ(wantWorst, s.keys.Worst(unit, DimTeam, contrib.Team, contrib.Day), id, sk)
				if wantTeams[contrib.Agent] == nil {
					wantTeams[contrib.Agent] = map[string]int64{}
				}
				wantTeams[contrib.Agent][contrib.Team]++
			}
		}
	}
	// Adjustment hashes: every one recomputed, and every stored one.
	stored, err := s.scanKeys(ctx, s.keys.UnitPrefix(unit)+"radj:*")
	if err != nil {
		return nil, opErr(op, err)
	}
	for _, k := range stored {
		if _, ok := wantAdj[k]; !ok {
			wantAdj[k] = &Adjustment{}
		}
	}
	for k, want := range wantAdj {
		h, err := s.rdb.HGetAll(ctx, k).Result()
		if err != nil {
			return nil, opErr(op, err)
		}
		got, err := parseAdjustment(h)
		if err != nil {
			diffs = append(diffs, fmt.Sprintf("%s: %v", k, err))
			continue
		}
		if !got.Equal(*want) {
			diffs = append(diffs, fmt.Sprintf("%s: stored %v, recomputed %v", k, got, *want))
		}
	}
	zsets := map[string]map[string]float64{}
	for k, v := range wantWorst {
		zsets[k] = v
	}
	for k, v := range wantIdx {
		zsets[k] = v
	}
	for _, pattern := range []string{"worst:*", "idx:review:*"} {
		keys, err := s.scanKeys(ctx, s.keys.UnitPrefix(unit)+pattern)
		if err != nil {
			return nil, opErr(op, err)
		}
		for _, k := range keys {
			if _, ok := zsets[k]; !ok {
				zsets[k] = map[string]float64{}
			}
		}
	}
	for k, want := range zsets {
		got, err := s.rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
		if err != nil {
			return nil, opErr(op, err)
		}
		if len(got) != len(want) {
			diffs = append(diffs, fmt.Sprintf("%s: %d members stored, %d recomputed", k, len(got), len(want)))
			continue
		}
		for _, z := range got {
			if w, ok := want[z.Member.(string)]; !ok || w != z.Score {
				diffs = append(diffs, fmt.Sprintf("%s: member %v score %v, recomputed %v (present %v)", k, z.Member, z.Score, w, ok))
			}
		}
	}
	teamKeys, err := s.scanKeys(ctx, s.keys.UnitPrefix(unit)+"agteams:*")
	if err != nil {
		return nil, opErr(op, err)
	}
	for _, k := range teamKeys {
		agent := strings.TrimPrefix(k, s.keys.UnitPrefix(unit)+"agteams:")
		if _, ok := wantTeams[agent]; !ok {
			wantTeams[agent] = map[string]int64{}
		}
	}
	for agent, want := range wantTeams {
		got, err := s.AgentTeams(ctx, unit, agent)
		if err != nil {
			return nil, opErr(op, err)
		}
		if !mapsEqual(got, want) {
			diffs = append(diffs, fmt.Sprintf("agent %s teams: stored %v, recomputed %v", agent, got, want))
		}
	}
	return diffs, nil
}

func addZ(m map[string]map[string]float64, key, member string, score float64) {
	if m[key] == nil {
		m[key] = map[string]float64{}
	}
	m[key][member] = score
}

// adjustmentKeys returns the review-adjustment hashes a call with
// contribution c moves.
func (s *Store) adjustmentKeys(unit string, c Contribution) []string {
	ks := []string{s.keys.ReviewAdjustment(unit, DimUnit, unit, c.Day), s.keys.ReviewAdjustment(unit, DimAgent, c.Agent, c.Day)}
	if c.Team != "" {
		ks = append(ks, s.keys.ReviewAdjustment(unit, DimTeam, c.Team, c.Day))
	}
	return ks
}

// scanKeys lists the keys matching pattern with SCAN, for audits only.
func (s *Store) scanKeys(ctx context.Context, pattern string) ([]string, error) {
	var out []string
	iter := s.rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	for iter.Next(ctx) {
		out = append(out, iter.Val())
	}
	return out, iter.Err()
}

func chunk(ids []string, n int) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(ids) > 0 {
			k := min(n, len(ids))
			if !yield(ids[:k]) {
				return
			}
			ids = ids[k:]
		}
	}
}
