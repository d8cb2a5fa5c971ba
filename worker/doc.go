// Package worker turns the calls written to MinIO into stored scores.
//
// A call is one or more objects sharing a pairing key under one prefix
// (adapt.PairKey): a v1 transcript or vendor ASR result (<key>.json,
// <key>.asr.json) and its sidecars (<key>.cdr.json, <key>.cdr.agent.json,
// <key>.cel.csv, <key>.meta.json …). The worker reads them with the same
// adapters as `callqa score`, so a call's stored score is what the offline
// scorer makes of the same files. Objects may arrive in any order: a
// sidecar's message registers it with its call and queues the call's
// transcript again; a vendor result that lacks what only a sidecar can
// give (unit, agent, start) waits for it up to Config.SidecarWait. A
// deleted transcript takes its score and its share of the aggregates
// with it; a deleted sidecar has its call scored without it.
//
// A Worker runs these moving parts, one file each:
//
//   - ingest.go moves MinIO's bucket notifications (pushed onto a Redis list)
//     into the work stream, atomically, so that none is lost if the worker
//     dies in between;
//   - reconcile.go scans the bucket at start and periodically and queues
//     every object of a call whose current version was not handled,
//     catching up events missed while MinIO's notification or Redis was
//     down;
//   - consume.go reads the work stream as a member of a consumer group,
//     claims the messages of dead workers after a visibility timeout, and
//     reads what the queue knows of each transcript's call (its sidecars)
//     for a batch of messages in one round trip;
//   - fetch.go reads each transcript and its sidecars from MinIO, keeping
//     Config.Workers GETs in flight ahead of the scorers, and decides what
//     every other message needs;
//   - process.go scores them: adapters, then the shared Scorer;
//   - commit.go stores the scores of a batch in one round trip and settles
//     their messages in another, each score before its message is
//     acknowledged, discarding an outcome whose call changed meanwhile;
//   - wait.go ends the waits for sidecars that did not come;
//   - deadletter.go decides what is poison (bad JSON, schema errors,
//     oversize objects, unknown units, a wait in vain) and moves it to the
//     dead-letter stream with the reason, so it never blocks the queue;
//   - retry.go retries transient failures (MinIO, Redis) with backoff;
//   - rescore.go, rescoreplan.go and rescoreregister.go work on rescoring
//     jobs (started with `callqa rescore` or POST /v1/rescore): they select
//     a job's calls, score them again with the running lexicon and store
//     the new scores like live ones, below live work in priority;
//   - setup.go creates the bucket and its Redis notification;
//   - metrics.go and health.go serve Prometheus metrics, health and
//     readiness.
//
// All Redis access goes through package store.
package worker
