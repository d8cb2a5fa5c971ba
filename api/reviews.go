package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"callqa/store"
)

// maxReviewBody bounds the body of a review; maxComment its comment.
const (
	maxReviewBody = 64 << 10
	maxComment    = 2000
)

// reviewRequest is the body of POST /v1/calls/{id}/reviews.
type reviewRequest struct {
	Finding  *int    `json:"finding"`
	Decision *string `json:"decision"`
	Comment  *string `json:"comment"`
}

// parseReview decodes and checks a review body; every error names the
// field at fault.
func parseReview(op string, body io.Reader) (int, store.Decision, string, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxReviewBody+1))
	if err != nil {
		return 0, "", "", &Error{Op: op, Kind: KindInvalid, Msg: "could not read the body", Err: err}
	}
	if len(data) > maxReviewBody {
		return 0, "", "", &Error{Op: op, Kind: KindTooLarge, Msg: "the review body is over 64 KiB"}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return 0, "", "", invalid(op, "", "the body must be a JSON object: {\"finding\": <index>, \"decision\": \"confirm\"|\"overturn\", \"comment\": \"...\"}")
	}
	for k := range raw {
		if k != "finding" && k != "decision" && k != "comment" {
			return 0, "", "", invalid(op, k, "unknown field")
		}
	}
	var req reviewRequest
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			want := map[string]string{"finding": "a whole number (the finding's index)", "decision": "a string", "comment": "a string"}[te.Field]
			return 0, "", "", invalid(op, te.Field, "want %s, got %s", want, te.Value)
		}
		return 0, "", "", invalid(op, "", "malformed JSON: %v", err)
	}
	if req.Finding == nil {
		return 0, "", "", invalid(op, "finding", "required: the index of the finding in the call's findings")
	}
	if req.Decision == nil {
		return 0, "", "", invalid(op, "decision", "required: confirm or overturn")
	}
	d := store.Decision(*req.Decision)
	if d != store.Confirm && d != store.Overturn {
		return 0, "", "", invalid(op, "decision", "%q is not confirm or overturn", truncate(*req.Decision, 40))
	}
	comment := ""
	if req.Comment != nil {
		comment = strings.TrimSpace(*req.Comment)
	}
	if utf8.RuneCountInString(comment) > maxComment {
		return 0, "", "", invalid(op, "comment", "longer than %d characters", maxComment)
	}
	if d == store.Overturn && comment == "" {
		return 0, "", "", invalid(op, "comment", "required when overturning: say why the finding is wrong")
	}
	return *req.Finding, d, comment, nil
}

// postReview records a reviewer's decision on one finding.
func (s *Server) postReview(c *gin.Context) {
	const op = "api.postReview"
	p := principal(c)
	sc, err := s.loadCall(c, op, p)
	if err != nil {
		fail(c, err)
		return
	}
	idx, d, comment, err := parseReview(op, c.Request.Body)
	if err != nil {
		fail(c, err)
		return
	}
	rec := sc.Record
	if idx < 0 || idx >= len(rec.Findings) {
		fail(c, invalid(op, "finding", "%d is not the index of a finding (the call has %d)", idx, len(rec.Findings)))
		return
	}
	keys := store.FindingKeys(rec)
	entry, err := s.st.Review(c.Request.Context(), rec.Unit, store.ReviewInput{
		CallID: rec.CallID, Finding: idx, Key: keys[idx], Decision: d, Comment: comment,
		Reviewer: p.Name, PassScore: s.passScore(rec), At: time.Now(),
	}, rec.Findings[idx])
	if err != nil {
		fail(c, fromStore(op, err))
		return
	}
	s.metrics.reviews.WithLabelValues(string(d)).Inc()
	c.JSON(http.StatusCreated, s.auditView(entry, p))
}

// auditView is one decision of the audit trail as the API shows it.
type auditView struct {
	At       time.Time `json:"at"`
	By       string    `json:"by"`
	Finding  int       `json:"finding"`
	Key      string    `json:"key"`
	Rule     string    `json:"rule"`
	Decision string    `json:"decision"`
	Comment  string    `json:"comment"`
	Before   auditSide `json:"before"`
	After    auditSide `json:"after"`
	State    string    `json:"review_state"`
}

type auditSide struct {
	Decision      *string `json:"decision"`
	ReviewedScore int     `json:"reviewed_score"`
}

func (s *Server) auditView(e store.AuditEntry, p *Principal) auditView {
	key := e.Key
	if !p.PII {
		key = s.masker.Mask(key)
	}
	side := func(d string, score int) auditSide {
		if d == "" {
			return auditSide{ReviewedScore: score}
		}
		return auditSide{Decision: &d, ReviewedScore: score}
	}
	return auditView{At: time.UnixMilli(e.At).UTC(), By: e.By, Finding: e.Finding, Key: key, Rule: e.Rule,
		Decision: e.Decision, Comment: e.Comment, Before: side(e.Before.Decision, e.Before.ReviewedScore),
		After: side(e.After.Decision, e.After.ReviewedScore), State: e.State}
}

// listReviews returns a call's audit trail, oldest first.
func (s *Server) listReviews(c *gin.Context) {
	const op = "api.listReviews"
	p := principal(c)
	sc, err := s.loadCall(c, op, p)
	if err != nil {
		fail(c, err)
		return
	}
	trail, err := s.st.Audit(c.Request.Context(), sc.Record.Unit, sc.Record.CallID)
	if err != nil {
		fail(c, fromStore(op, err))
		return
	}
	out := make([]auditView, len(trail))
	for i, e := range trail {
		out[i] = s.auditView(e, p)
	}
	c.JSON(http.StatusOK, gin.H{"call_id": sc.Record.CallID, "reviews": out})
}
