package worker

import (
	"errors"
	"fmt"

	"callqa/scoring"
	"callqa/store"
)

// Kinds of poison, the reason label of the dead-letter metric.
const (
	reasonInput      = "input"      // not a transcript: bad JSON, schema errors, a bad sidecar
	reasonOversize   = "oversize"   // larger than scoring.MaxTranscriptBytes
	reasonUnit       = "unit"       // a unit the lexicon does not know
	reasonScore      = "score"      // the scorer failed on the transcript
	reasonWait       = "wait"       // waited Config.SidecarWait for a sidecar in vain
	reasonDuplicate  = "duplicate"  // a second transcript of one call
	reasonDeliveries = "deliveries" // delivered MaxDeliveries times without success
	reasonMessage    = "message"    // a stream entry without an object key
	reasonEvent      = "event"      // a MinIO event that is not access-format JSON
)

// poisonError is input that no retry can fix. ETag is the object version
// it was found in, empty when unknown.
type poisonError struct {
	kind   string
	etag   string
	reason string
}

func (e *poisonError) Error() string { return e.reason }

// classify wraps an error of decoding or scoring an object version as
// poison: scoring is pure, so what failed once fails every time.
func classify(etag string, err error, stage string) *poisonError {
	kind := reasonScore
	var ie *scoring.InputError
	switch {
	case errors.As(err, &ie) && ie.Field == "unit" && stage == "score":
		kind = reasonUnit
	case errors.As(err, &ie):
		kind = reasonInput
	}
	return &poisonError{kind: kind, etag: etag, reason: err.Error()}
}

// tooManyDeliveries is the poison of a message that keeps failing (it
// crashed or stalled a worker each time). The version it was queued for
// is marked dead, so that neither events nor the reconciling scan queue
// it again; a new version of the object is scored as usual.
func tooManyDeliveries(m store.Message, limit int64) *poisonError {
	return &poisonError{kind: reasonDeliveries, etag: m.ETag, reason: fmt.Sprintf(
		"delivered %d times (limit %d) without being scored: the worker died or failed on it each time", m.Deliveries, limit)}
}
