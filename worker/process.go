package worker

import (
	"errors"
	"fmt"
	"time"

	"callqa/adapt"
	"callqa/scoring"
	"callqa/store"
)

// A message goes through three stages, each run by its own goroutines and
// joined by channels (see Run): fetch.go reads the objects from MinIO,
// score (here) turns them into a score record, and commit.go stores the
// records and settles the messages in batches. A job carries one message
// through them.
type job struct {
	msg store.Message
	// callKey and kind are the message object's pairing key and role
	// (adapt.PairKey).
	callKey string
	kind    adapt.FileKind
	// parts is what the queue knew of the call's objects when the message
	// was taken (transcripts only).
	parts store.Parts
	// op is what the commit stage does with the job.
	op op

	// Filled by the fetch stage: the object's version and bytes, and
	// those of the sidecars paired with it.
	etag     string
	modified time.Time
	data     []byte
	sidecars []adapt.Sidecar

	// Filled by the score stage, and outcome by the commit stage.
	rec     *scoring.Record
	scoring time.Duration
	outcome store.Outcome
	// wait is why the transcript waits for a sidecar (opWait).
	wait error
	// poison is why the message is dead-lettered (opDead); register
	// says whether a dead transcript stays registered with its call.
	poison   *poisonError
	register bool
}

// op is what the commit stage does with a job.
type op int

const (
	// opScore: the transcript is to be scored (fetch stage), then stored
	// (score stage done).
	opScore op = iota
	// opWait: the transcript waits for a sidecar.
	opWait
	// opDead: the message goes to the dead-letter stream.
	opDead
	// opRemove: the transcript is gone; its score is removed.
	opRemove
	// opAttach: the sidecar is registered with its call at etag.
	opAttach
	// opDetach: the sidecar is gone; it is forgotten.
	opDetach
	// opSkip: the object is no part of a call; the message is
	// acknowledged.
	opSkip
)

// isTranscript reports whether the job's object is a transcript or ASR
// result by its name.
func (j *job) isTranscript() bool { return j.kind == adapt.KindTranscript }

// dead turns j into a dead letter.
func (j *job) dead(p *poisonError, register bool) {
	j.op, j.poison, j.register = opDead, p, register
	j.data, j.sidecars, j.rec = nil, nil, nil
}

// scoreStage scores the jobs of in that need it and hands every job on to
// out, until in is closed.
func (w *Worker) scoreStage(in <-chan *job, out chan<- *job) {
	for j := range in {
		if j.op == opScore {
			w.score(j)
		}
		out <- j
	}
}

// score decodes and scores one fetched transcript. It sets j.rec, or
// turns j into a wait for a sidecar or a dead letter: scoring is pure, so
// what fails once fails every time. A panic of the adapters or the scorer
// is turned into poison, so that no input can crash the worker.
func (w *Worker) score(j *job) {
	key := j.msg.Object
	stage := "decode"
	defer func() {
		if r := recover(); r != nil {
			j.dead(&poisonError{kind: reasonScore, etag: j.etag,
				reason: fmt.Sprintf("%s: %s panicked: %v", key, stage, r)}, true)
		}
	}()
	started := time.Now()
	t, err := w.decode(key, j.data, j.sidecars)
	if err != nil {
		if !needsSidecar(err, key, j.data) {
			j.dead(classify(j.etag, err, stage), true)
			return
		}
		if j.msg.Final {
			j.dead(&poisonError{kind: reasonWait, etag: j.etag, reason: fmt.Sprintf(
				"waited %v for a sidecar (metadata or CDR) that did not come: %v%s", w.cfg.SidecarWait, err, defaultHint(err))}, true)
			return
		}
		j.op, j.wait = opWait, err
		j.data, j.sidecars = nil, nil
		return
	}
	stage = "score"
	rec, err := w.scorer.Score(t)
	if err != nil {
		var ie *scoring.InputError
		if errors.As(err, &ie) && ie.File == "" {
			ie.File = key
		}
		j.dead(classify(j.etag, err, stage), true)
		return
	}
	if rec == nil {
		j.dead(&poisonError{kind: reasonScore, etag: j.etag, reason: key + ": scorer returned no record"}, true)
		return
	}
	j.rec, j.scoring = rec, time.Since(started)
	j.data, j.sidecars = nil, nil
}

// decode turns a transcript object and its sidecars into a transcript the
// way `callqa score` reads the same files (adapt.Loader.Build). A v1
// transcript without sidecars is parsed directly: Build would detect its
// format by decoding it once more and then parse it the same way.
func (w *Worker) decode(key string, data []byte, sidecars []adapt.Sidecar) (*scoring.Transcript, error) {
	if len(sidecars) == 0 {
		if t, err := scoring.ParseTranscript(key, data); err == nil {
			return t, nil
		}
	}
	return w.cfg.Adapt.Build(key, data, sidecars...)
}

// needsSidecar reports whether err says that the vendor result key lacks
// what only a sidecar or a default can give: the unit, the agent or the
// start of the call. A v1 transcript must name them itself, so its errors
// are never that.
func needsSidecar(err error, key string, data []byte) bool {
	var ie *scoring.InputError
	if !errors.As(err, &ie) || ie.File != key {
		return false
	}
	switch ie.Field {
	case "unit", "agent_id", "started_at":
	default:
		return false
	}
	f, derr := adapt.Detect(data)
	return derr == nil && f != adapt.FormatV1 && f.IsTranscript()
}

// defaultHint names the worker's flag that gives a default for the field
// err says is missing: the adapters' message names `callqa score`'s.
func defaultHint(err error) string {
	var ie *scoring.InputError
	if !errors.As(err, &ie) {
		return ""
	}
	switch ie.Field {
	case "unit":
		return "; a worker's default unit is --default-unit ($CALLQA_DEFAULT_UNIT)"
	case "agent_id":
		return "; a worker's default agent is --default-agent ($CALLQA_DEFAULT_AGENT)"
	}
	return ""
}
