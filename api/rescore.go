package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"callqa/store"
)

// Rescoring jobs (admins): POST /v1/rescore creates a job over a
// selection, aimed at the versions the live workers run; GET
// /v1/rescore/{id} follows it; pause, resume and cancel control it. The
// jobs run in the workers (store/rescore.go, worker/rescore.go).

// maxRescoreBody bounds the body of POST /v1/rescore.
const maxRescoreBody = 16 << 10

// rescoreFields are the fields of a job's selection in a request body.
var rescoreFields = []string{"prefix", "unit", "team", "from", "to", "stale", "all"}

// RescoreView is a job as the API and `callqa rescore --json` show it:
// the job's state with its progress worked out.
type RescoreView struct {
	*store.Rescore
	// Remaining counts the objects selected and not yet done or failed
	// (more may come while Selecting).
	Remaining int64 `json:"remaining"`
	// MeanDelta is the mean score change over the calls rescored that had
	// a score; MeanDeltaChanged over those whose score changed.
	MeanDelta        float64 `json:"mean_delta"`
	MeanDeltaChanged float64 `json:"mean_delta_changed"`
	// RatePerSec is the objects done or failed per second since the job
	// started; ETASeconds the time left at that rate (null while the
	// selection runs or before the first object).
	RatePerSec float64  `json:"rate_per_sec"`
	ETASeconds *float64 `json:"eta_seconds"`
	// Workers counts the live workers that run the job's target versions;
	// Waiting says why a running job makes no progress (none does).
	Workers int    `json:"workers"`
	Waiting string `json:"waiting,omitempty"`
}

// NewRescoreView works out a job's progress; workers are the live workers
// of its bucket (store.Workers).
func NewRescoreView(job *store.Rescore, workers []store.WorkerInfo, now time.Time) RescoreView {
	v := RescoreView{Rescore: job, Remaining: max(job.Total-job.Processed(), 0), MeanDelta: job.MeanDelta()}
	if job.ScoreChanged > 0 {
		v.MeanDeltaChanged = float64(job.DeltaSum) / float64(job.ScoreChanged)
	}
	end := now
	if job.Status.Finished() {
		end = job.FinishedAt
	}
	if !job.StartedAt.IsZero() {
		if secs := end.Sub(job.StartedAt).Seconds(); secs > 0 {
			v.RatePerSec = float64(job.Processed()) / secs
		}
	}
	if !job.Selecting && !job.Status.Finished() && v.RatePerSec > 0 {
		eta := float64(v.Remaining) / v.RatePerSec
		v.ETASeconds = &eta
	}
	for _, w := range workers {
		if w.Versions.Same(job.Target) {
			v.Workers++
		}
	}
	if job.Status == store.RescoreRunning && v.Workers == 0 {
		v.Waiting = "no live worker of bucket " + job.Bucket + " runs the job's versions (" + job.Target.String() +
			"); start one with that lexicon, or cancel the job"
	}
	return v
}

// createRescore creates a job: 202 with the job and its location.
func (s *Server) createRescore(c *gin.Context) {
	const op = "api.createRescore"
	sel, err := parseSelection(op, c.Request.Body)
	if err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	target, _, err := s.st.RunningVersions(ctx, s.cfg.Bucket)
	if err != nil {
		fail(c, fromRescore(op, err))
		return
	}
	if sel.Unit != "" {
		if _, ok := target.Schemes[sel.Unit]; !ok {
			units, err := s.st.Units(ctx)
			if err != nil {
				fail(c, fromStore(op, err))
				return
			}
			if !slices.Contains(units, sel.Unit) {
				fail(c, invalid(op, "unit", "unknown unit %q: neither the workers' lexicon nor the stored calls have it", truncate(sel.Unit, 40)))
				return
			}
		}
	}
	job, err := s.st.CreateRescore(ctx, store.RescoreSpec{Bucket: s.cfg.Bucket, Selection: sel, Target: target,
		By: principal(c).Name})
	if err != nil {
		fail(c, fromRescore(op, err))
		return
	}
	s.log.Info("rescoring job created", "job", job.ID, "selection", sel.String(), "by", job.By,
		"lexicon_version", target.Lexicon)
	loc := "/v1/rescore/" + job.ID
	c.Header("Location", loc)
	s.writeRescore(c, http.StatusAccepted, job)
}

// parseSelection decodes and checks the body of POST /v1/rescore; every
// error names the field at fault.
func parseSelection(op string, body io.Reader) (store.Selection, error) {
	var sel store.Selection
	data, err := io.ReadAll(io.LimitReader(body, maxRescoreBody+1))
	if err != nil {
		return sel, &Error{Op: op, Kind: KindInvalid, Msg: "could not read the body", Err: err}
	}
	if len(data) > maxRescoreBody {
		return sel, &Error{Op: op, Kind: KindTooLarge, Msg: "the body is over 16 KiB"}
	}
	const shape = `the body must be a JSON object such as {"prefix": "2026/11/"} or {"unit": "sgcc-hz", "stale": true}`
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return sel, invalid(op, "", shape)
	}
	for k := range raw {
		if !slices.Contains(rescoreFields, k) {
			return sel, invalid(op, k, "unknown field; a selection has %s", strings.Join(rescoreFields, ", "))
		}
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&sel); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			want := "a string"
			if te.Field == "stale" || te.Field == "all" {
				want = "true or false"
			}
			return sel, invalid(op, te.Field, "want %s, got %s", want, te.Value)
		}
		return sel, invalid(op, "", "malformed JSON: %v", err)
	}
	sel.Prefix = strings.TrimLeft(sel.Prefix, "/")
	sel.Unit, sel.Team = strings.TrimSpace(sel.Unit), strings.TrimSpace(sel.Team)
	if err := sel.Check(); err != nil {
		var se *store.SelectionError
		if errors.As(err, &se) {
			return sel, invalid(op, se.Field, "%s", se.Msg)
		}
		return sel, invalid(op, "", "%v", err)
	}
	return sel, nil
}

// maxRescoreList is how many jobs GET /v1/rescore lists.
const maxRescoreList = 50

// listRescores lists the newest jobs, newest first.
func (s *Server) listRescores(c *gin.Context) {
	const op = "api.listRescores"
	if len(c.Request.URL.Query()) > 0 {
		for k := range c.Request.URL.Query() {
			fail(c, invalid(op, k, "unknown query parameter"))
			return
		}
	}
	ctx := c.Request.Context()
	jobs, err := s.st.Rescores(ctx, maxRescoreList)
	if err != nil {
		fail(c, fromStore(op, err))
		return
	}
	workers, err := s.st.Workers(ctx, s.cfg.Bucket)
	if err != nil {
		fail(c, fromStore(op, err))
		return
	}
	now := time.Now()
	out := make([]RescoreView, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, NewRescoreView(j, workers, now))
	}
	c.JSON(http.StatusOK, gin.H{"jobs": out})
}

// getRescore shows one job.
func (s *Server) getRescore(c *gin.Context) {
	const op = "api.getRescore"
	job, err := s.st.Rescore(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, fromRescore(op, err))
		return
	}
	s.writeRescore(c, http.StatusOK, job)
}

// controlRescore pauses, resumes or cancels a job.
func (s *Server) controlRescore(action string) gin.HandlerFunc {
	op := "api." + action + "Rescore"
	return func(c *gin.Context) {
		ctx, id := c.Request.Context(), c.Param("id")
		var job *store.Rescore
		var err error
		switch action {
		case "pause":
			job, err = s.st.PauseRescore(ctx, id)
		case "resume":
			job, err = s.st.ResumeRescore(ctx, id)
		default:
			job, err = s.st.CancelRescore(ctx, id, principal(c).Name)
		}
		if err != nil {
			fail(c, fromRescore(op, err))
			return
		}
		s.log.Info("rescoring job "+action, "job", id, "status", string(job.Status), "by", principal(c).Name)
		s.writeRescore(c, http.StatusOK, job)
	}
}

// writeRescore answers with a job's view.
func (s *Server) writeRescore(c *gin.Context, status int, job *store.Rescore) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	workers, err := s.st.Workers(ctx, job.Bucket)
	if err != nil {
		fail(c, fromStore("api.rescore", err))
		return
	}
	c.JSON(status, NewRescoreView(job, workers, time.Now()))
}

// fromRescore classifies an error of the rescoring jobs.
func fromRescore(op string, err error) *Error {
	var exists *store.RescoreExistsError
	var se *store.SelectionError
	switch {
	case errors.As(err, &exists):
		return &Error{Op: op, Kind: KindConflict, Field: "selection", ID: exists.ID,
			Msg: "job " + exists.ID + " with this selection is running; follow it, or cancel it first", Err: err}
	case errors.As(err, &se):
		return &Error{Op: op, Kind: KindInvalid, Field: se.Field, Msg: se.Msg, Err: err}
	case errors.Is(err, store.ErrMixedVersions):
		return &Error{Op: op, Kind: KindConflict, Msg: "the live workers run different versions: " +
			strings.TrimPrefix(errorCause(err), store.ErrMixedVersions.Error()+": ") +
			"; start the job once they all run the lexicon to rescore with", Err: err}
	case errors.Is(err, store.ErrNoWorkers):
		return &Error{Op: op, Kind: KindUnavailable, Msg: "no worker is running: a job rescores with the versions of the " +
			"live workers; start 'callqa work' with the lexicon to rescore with, then try again", Err: err}
	case errors.Is(err, store.ErrRescoreFinished):
		return &Error{Op: op, Kind: KindConflict, Msg: "the job is finished (done or cancelled) and cannot change", Err: err}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Op: op, Kind: KindNotFound, Msg: "no rescoring job with this id", Err: err}
	}
	return fromStore(op, err)
}

// errorCause returns the text of the innermost *store.MixedVersionsError
// in err, or err's text.
func errorCause(err error) string {
	var mixed *store.MixedVersionsError
	if errors.As(err, &mixed) {
		return mixed.Error()
	}
	return err.Error()
}
