// Package store keeps callqa's scores, aggregates and work queue in Redis.
// It is the only package that talks to Redis: the worker, the API and the
// rescoring jobs all go through it.
//
// # What is stored
//
// Per call: the latest score record (a hash with the record JSON, the
// contribution it made to the aggregates, and the object version it was
// scored from) and its history by lexicon version. Per unit: indexes to
// list and filter calls (by time, score, agent, team, rule) and per-day
// aggregates for the unit, each agent and each team (calls, score sum,
// passes, fatal calls, findings and calls with a finding per rule).
//
// # Idempotency
//
// A stored call remembers its Contribution: exactly what it added to the
// aggregates and indexes. Writing a score subtracts the old contribution
// and adds the new one in the same Lua script that replaces the record, so
// scoring one object version twice, or rescoring it, replaces its share
// instead of adding to it, and every aggregate stays equal to the sum over
// the stored calls (Verify checks this). A record from an object older
// than the stored one is refused (the write is stale), so a slow worker
// cannot overwrite a newer version's score.
//
// # Key layout and Redis Cluster
//
// Every key starts with a prefix ("callqa:" by default). Keys that one
// script touches together share a hash tag, so the store runs on Redis
// Cluster unchanged:
//
//   - {unit}: a call's record and history, the unit's indexes and all of its
//     aggregates carry the unit id as hash tag. A score write touches the
//     call, its indexes and its unit/agent/team aggregates of one day, all
//     of one unit, so it is a single-slot script. Reports and lists of one
//     unit read one slot; across units the reader merges per unit (units
//     are few). Agents and teams are aggregated per unit.
//   - {events key}: the work stream, the dead-letter stream and the object
//     marks carry the hash tag of the Redis list MinIO's notification pushes
//     to (the whole key name when it has no tag of its own), so moving
//     events into the stream is one atomic script with the list MinIO
//     writes.
//   - Keys read or written on their own have no tag: the call → unit
//     locator, the set of units and the stream of new scores.
//
// The per-unit tag puts all calls of a unit on one cluster slot; that
// bounds a unit to one node, which suits callqa's scale (a unit's calls
// fit easily in one Redis) and buys atomic, exact aggregates. See keys.go
// for every key.
package store
