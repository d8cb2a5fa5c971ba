package store

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"callqa/lexicon"
)

// Workers announce the versions they score with (RegisterWorker), every
// WorkerHeartbeat, so that a rescoring job can be aimed at the running
// lexicon: a job takes the versions of the live workers of its bucket as
// its target, and only workers of those versions work on it. While workers
// of two lexicons run (a rolling restart), no job can be started
// (ErrMixedVersions); a job whose target no live worker runs any more waits
// (Rescore.Waiting says so) until one does, or until it is cancelled.

// Worker registry timing: a worker announces itself every WorkerHeartbeat
// and counts as running while its last announcement is younger than
// WorkerTTL. Registrations older than workerForget are deleted.
const (
	WorkerHeartbeat = 5 * time.Second
	WorkerTTL       = 20 * time.Second
	workerForget    = time.Hour
)

// Versions are what a score depends on besides its transcript: the
// lexicon's content hash, the version of the scheme of each unit, and the
// engine version (scoring.EngineVersion).
type Versions struct {
	Lexicon string `json:"lexicon_version"`
	Engine  string `json:"engine_version"`
	// Schemes maps each unit of the lexicon to its scheme's version.
	Schemes map[string]string `json:"scheme_versions"`
}

// VersionsOf returns the versions of scores made with lex by an engine of
// version engine.
func VersionsOf(lex *lexicon.Lexicon, engine string) Versions {
	v := Versions{Lexicon: lex.Version, Engine: engine, Schemes: map[string]string{}}
	for i := range lex.Units {
		u := &lex.Units[i]
		if sc := lex.SchemeFor(u); sc != nil {
			v.Schemes[u.ID] = sc.Version
		}
	}
	return v
}

// Same reports whether v and o score alike: the same lexicon (which holds
// the schemes) and engine.
func (v Versions) Same(o Versions) bool { return v.Lexicon == o.Lexicon && v.Engine == o.Engine }

// Stale reports whether a score of a call of unit made with the lexicon,
// scheme and engine versions given differs in any of them from v. A unit
// that v does not know is stale too: its calls cannot be scored the same
// way any more.
func (v Versions) Stale(unit, lexiconVersion, schemeVersion, engineVersion string) bool {
	scheme, ok := v.Schemes[unit]
	return !ok || lexiconVersion != v.Lexicon || engineVersion != v.Engine || schemeVersion != scheme
}

// String names the versions briefly, for messages: lexicon and engine.
func (v Versions) String() string {
	return "lexicon " + short(v.Lexicon) + " engine " + v.Engine
}

func short(version string) string {
	if len(version) > 12 {
		return version[:12]
	}
	return version
}

// WorkerInfo is a worker's registration.
type WorkerInfo struct {
	Consumer string   `json:"consumer"`
	Bucket   string   `json:"bucket"`
	Versions Versions `json:"versions"`
	// Started is when the worker started; Seen when it last announced
	// itself (from the registry, not the JSON).
	Started time.Time `json:"started_at"`
	Seen    time.Time `json:"-"`
}

// registerScript records a worker's announcement and forgets workers that
// have been silent for long.
//
// KEYS[1] the sorted set of workers by last announcement (Keys.WorkersSeen)
// KEYS[2] the hash of registrations (Keys.WorkerVersions)
// ARGV[1] consumer name
// ARGV[2] registration JSON
// ARGV[3] now, Unix ms
// ARGV[4] forget registrations older than this, Unix ms
//
// Returns the number of registrations forgotten.
var registerScript = redis.NewScript(`
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
for _, c in ipairs(old) do
  redis.call('HDEL', KEYS[2], c)
  redis.call('ZREM', KEYS[1], c)
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return #old
`)

// RegisterWorker announces that the worker info.Consumer is running with
// info's versions on info's bucket. A worker calls it every
// WorkerHeartbeat.
func (s *Store) RegisterWorker(ctx context.Context, info WorkerInfo) error {
	const op = "store.RegisterWorker"
	js, err := json.Marshal(info)
	if err != nil {
		return opErrf(op, "encode registration: %w", err)
	}
	now := time.Now()
	err = registerScript.Run(ctx, s.rdb, []string{s.keys.WorkersSeen(), s.keys.WorkerVersions()},
		info.Consumer, js, now.UnixMilli(), now.Add(-workerForget).UnixMilli()).Err()
	return opErr(op, err)
}

// UnregisterWorker withdraws a worker's registration, as it stops.
func (s *Store) UnregisterWorker(ctx context.Context, consumer string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.keys.WorkersSeen(), consumer)
		p.HDel(ctx, s.keys.WorkerVersions(), consumer)
		return nil
	})
	return opErr("store.UnregisterWorker", err)
}

// Workers returns the workers of bucket that announced themselves within
// WorkerTTL, by consumer name.
func (s *Store) Workers(ctx context.Context, bucket string) ([]WorkerInfo, error) {
	const op = "store.Workers"
	since := time.Now().Add(-WorkerTTL).UnixMilli()
	zs, err := s.rdb.ZRangeByScoreWithScores(ctx, s.keys.WorkersSeen(), &redis.ZRangeBy{
		Min: strconv.FormatInt(since, 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	if len(zs) == 0 {
		return nil, nil
	}
	names := make([]string, len(zs))
	for i, z := range zs {
		names[i], _ = z.Member.(string)
	}
	vals, err := s.rdb.HMGet(ctx, s.keys.WorkerVersions(), names...).Result()
	if err != nil {
		return nil, opErr(op, err)
	}
	var out []WorkerInfo
	for i, v := range vals {
		js, ok := v.(string)
		if !ok {
			continue
		}
		var w WorkerInfo
		if err := json.Unmarshal([]byte(js), &w); err != nil {
			return nil, opErrf(op, "registration of %s: %w", names[i], err)
		}
		if w.Bucket != bucket {
			continue
		}
		w.Seen = time.UnixMilli(int64(zs[i].Score))
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b WorkerInfo) int { return strings.Compare(a.Consumer, b.Consumer) })
	return out, nil
}

// Errors of RunningVersions.
var (
	// ErrNoWorkers: no worker of the bucket announced itself within
	// WorkerTTL, so the running versions are unknown.
	ErrNoWorkers = errors.New("no worker is running")
	// ErrMixedVersions: live workers of the bucket score with different
	// versions (wraps into *MixedVersionsError).
	ErrMixedVersions = errors.New("workers run different lexicon or engine versions")
)

// MixedVersionsError lists the workers of each version when live workers
// disagree.
type MixedVersionsError struct {
	Workers []WorkerInfo
}

func (e *MixedVersionsError) Error() string {
	byVersion := map[string][]string{}
	for _, w := range e.Workers {
		k := w.Versions.String()
		byVersion[k] = append(byVersion[k], w.Consumer)
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(byVersion)) {
		parts = append(parts, k+" ("+strings.Join(byVersion[k], ", ")+")")
	}
	return ErrMixedVersions.Error() + ": " + strings.Join(parts, "; ")
}

// Unwrap returns ErrMixedVersions.
func (e *MixedVersionsError) Unwrap() error { return ErrMixedVersions }

// RunningVersions returns the versions the live workers of bucket score
// with, and the workers. The error wraps ErrNoWorkers when none is live
// and is a *MixedVersionsError when they disagree.
func (s *Store) RunningVersions(ctx context.Context, bucket string) (Versions, []WorkerInfo, error) {
	const op = "store.RunningVersions"
	ws, err := s.Workers(ctx, bucket)
	if err != nil {
		return Versions{}, nil, err
	}
	if len(ws) == 0 {
		return Versions{}, nil, opErrf(op, "bucket %s: %w (none announced itself in the last %v)", bucket, ErrNoWorkers, WorkerTTL)
	}
	v := ws[0].Versions
	for _, w := range ws[1:] {
		if !w.Versions.Same(v) {
			return Versions{}, ws, &Error{Op: op, Err: &MixedVersionsError{Workers: ws}}
		}
	}
	return v, ws, nil
}
