// Package worker turns transcripts written to MinIO into stored scores.
//
// A Worker runs these moving parts, one file each:
//
//   - ingest.go moves MinIO's bucket notifications (pushed onto a Redis list)
//     into the work stream, atomically, so that none is lost if the worker
//     dies in between;
//   - reconcile.go scans the bucket at start and periodically and queues
//     every object whose current version has no score, catching up events
//     missed while MinIO's notification or Redis was down;
//   - consume.go reads the work stream as a member of a consumer group,
//     claims the messages of dead workers after a visibility timeout, and
//     runs up to Config.Workers scorers at once, all sharing one Scorer;
//   - process.go handles one message: fetch the object, decode it, score it,
//     store the score and only then acknowledge the message;
//   - deadletter.go decides what is poison (bad JSON, schema errors,
//     oversize objects, unknown units) and moves it to the dead-letter
//     stream with the reason, so it never blocks the queue;
//   - retry.go retries transient failures (MinIO, Redis) with backoff;
//   - setup.go creates the bucket and its Redis notification;
//   - metrics.go and health.go serve Prometheus metrics, health and
//     readiness.
//
// All Redis access goes through package store.
package worker
