package store

import (
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Options configures a Store. The zero value is ready to use.
type Options struct {
	// Prefix starts every key; DefaultPrefix when empty. Tests and
	// side-by-side deployments on one Redis use distinct prefixes.
	Prefix string
	// ScoresMaxLen bounds the stream of new scores (approximately, by
	// XADD MAXLEN ~); 10,000 when zero.
	ScoresMaxLen int64
}

// Store reads and writes scores and aggregates. It is safe for concurrent
// use; every method takes the client's connection pool.
type Store struct {
	rdb          redis.UniversalClient
	keys         Keys
	scoresMaxLen int64
}

// New returns a Store on rdb, which may be a single-node, failover or
// cluster client.
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.ScoresMaxLen <= 0 {
		opts.ScoresMaxLen = 10000
	}
	return &Store{rdb: rdb, keys: NewKeys(opts.Prefix), scoresMaxLen: opts.ScoresMaxLen}
}

// Keys returns the store's key builder.
func (s *Store) Keys() Keys { return s.keys }

// Client returns the Redis client the store uses.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// ErrNotFound is returned (wrapped) when a call or aggregate does not exist.
var ErrNotFound = errors.New("not found")

// Error is a failed store operation: Op names it ("store.Put") and Err is
// the cause. Every error the store returns for a Redis failure is an
// *Error; such errors are transient, and the caller may retry.
type Error struct {
	Op  string
	Err error
}

func (e *Error) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func opErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Err: err}
}

func opErrf(op, format string, args ...any) error {
	return &Error{Op: op, Err: fmt.Errorf(format, args...)}
}
