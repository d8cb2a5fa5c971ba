package store

import "strings"

// DefaultPrefix starts every key when Options.Prefix is empty.
const DefaultPrefix = "callqa:"

// Keys builds every Redis key the store uses. It is the one place that
// knows the key layout; the Lua scripts get the per-unit prefix from
// UnitPrefix and build the per-unit keys below from it with the same
// suffixes.
type Keys struct {
	prefix string
}

// NewKeys returns the key builder for prefix, or DefaultPrefix when prefix
// is empty.
func NewKeys(prefix string) Keys {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return Keys{prefix: prefix}
}

// Prefix returns the prefix every key starts with.
func (k Keys) Prefix() string { return k.prefix }

// UnitPrefix returns the start of every key of one unit, with the unit id
// as hash tag: "callqa:{sgcc-hz}:".
func (k Keys) UnitPrefix(unit string) string {
	return k.prefix + "{" + unit + "}:"
}

// Call returns the hash holding a call's latest score: fields record,
// contrib, etag, object, mtime, stored_at, score, lexicon_version,
// scheme_version and engine_version.
func (k Keys) Call(unit, callID string) string {
	return k.UnitPrefix(unit) + "call:" + callID
}

// History returns the hash of a call's score records by lexicon version.
func (k Keys) History(unit, callID string) string {
	return k.UnitPrefix(unit) + "hist:" + callID
}

// Dim names the kind of thing an aggregate or index counts by.
type Dim string

// Aggregate dimensions. The unit dimension has the unit id as its id.
const (
	DimUnit  Dim = "unit"
	DimAgent Dim = "agent"
	DimTeam  Dim = "team"
)

// Aggregate returns the hash of one day's aggregate of a unit, or of one
// agent or team of the unit. day is YYYY-MM-DD in the calls' own UTC offset.
func (k Keys) Aggregate(unit string, dim Dim, id, day string) string {
	if dim == DimUnit {
		return k.UnitPrefix(unit) + "agg:unit:" + day
	}
	return k.UnitPrefix(unit) + "agg:" + string(dim) + ":" + id + ":" + day
}

// AggregateSet returns the set of every aggregate key of a unit that was
// ever written, so that they can be listed without SCAN.
func (k Keys) AggregateSet(unit string) string {
	return k.UnitPrefix(unit) + "aggs"
}

// Members returns the set of agent or team ids seen in a unit.
func (k Keys) Members(unit string, dim Dim) string {
	return k.UnitPrefix(unit) + string(dim) + "s"
}

// Index names a sorted set that lists the calls of a unit.
type Index string

// Indexes of a unit's calls. Members are call ids. The time indexes score
// a call by its start in Unix milliseconds; IndexScore by
// score×10^13 + start, so that it sorts by score, then by time.
const (
	IndexTime  Index = "time"
	IndexScore Index = "score"
	IndexAgent Index = "agent"
	IndexTeam  Index = "team"
	IndexRule  Index = "rule"
)

// IndexKey returns the sorted set of one index. id is empty for IndexTime
// and IndexScore, and the agent, team or rule id otherwise.
func (k Keys) IndexKey(unit string, idx Index, id string) string {
	if id == "" {
		return k.UnitPrefix(unit) + "idx:" + string(idx)
	}
	return k.UnitPrefix(unit) + "idx:" + string(idx) + ":" + id
}

// Locator returns the hash from call id to the unit the call is stored
// under.
func (k Keys) Locator() string { return k.prefix + "calls" }

// Units returns the set of unit ids that have stored calls.
func (k Keys) Units() string { return k.prefix + "units" }

// Scores returns the stream on which every stored score is announced.
func (k Keys) Scores() string { return k.prefix + "scores" }

// QueueKeys are the keys of one work queue: the stream of work, its
// dead letters, the marks of object versions already handled, and what
// the queue knows of each call's objects.
type QueueKeys struct {
	// Events is the Redis list MinIO's bucket notification pushes to.
	Events string
	// Stream is the work stream read by the consumer group.
	Stream string
	// Dead is the dead-letter stream.
	Dead string
	// Marks is the hash from object key to the state of its last handled
	// version (queued, scored, waiting, dead or removed).
	Marks string
	// Parts is the hash from a call's pairing key (adapt.PairKey) to the
	// objects of the call: its transcripts and its sidecars (see Parts).
	Parts string
	// PartsGen is the counter that numbers every change of a call's
	// sidecars.
	PartsGen string
	// Waiting is the sorted set of transcript objects waiting for a
	// sidecar, scored by the Unix ms their wait ends.
	Waiting string
}

// Queue returns the keys of the work queue fed by the events list
// eventsKey, for bucket. They carry the hash tag of eventsKey, so that one
// script can move events from that list into the stream.
func (k Keys) Queue(eventsKey, bucket string) QueueKeys {
	p := k.prefix + "{" + HashTag(eventsKey) + "}:"
	return QueueKeys{
		Events:   eventsKey,
		Stream:   p + "queue",
		Dead:     p + "dead",
		Marks:    p + "marks:" + bucket,
		Parts:    p + "parts:" + bucket,
		PartsGen: p + "parts-gen:" + bucket,
		Waiting:  p + "waiting:" + bucket,
	}
}

// HashTag returns the part of key that Redis Cluster hashes: the text
// between the first "{" and the next "}" when that is not empty, and the
// whole key otherwise.
func HashTag(key string) string {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return key
	}
	end := strings.IndexByte(key[open+1:], '}')
	if end <= 0 {
		return key
	}
	return key[open+1 : open+1+end]
}
