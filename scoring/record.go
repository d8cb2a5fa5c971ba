package scoring

import "time"

// Severity grades a rule in a scheme.
type Severity string

// Severities. A fatal finding sets the call's score to 0.
const (
	Minor Severity = "minor"
	Major Severity = "major"
	Fatal Severity = "fatal"
)

// Record is the score of one call: what the API shows, the store keeps and
// reports aggregate. It carries the versions of the lexicon and scheme that
// produced it so that a rescoring job can tell stale scores apart.
type Record struct {
	CallID    string    `json:"call_id"`
	Unit      string    `json:"unit"`
	AgentID   string    `json:"agent_id"`
	Team      string    `json:"team,omitempty"`
	Direction Direction `json:"direction"`
	StartedAt time.Time `json:"started_at"`

	Score  int  `json:"score"`
	Passed bool `json:"passed"`
	// Fatal reports that a fatal finding set the score to 0.
	Fatal bool `json:"fatal,omitempty"`

	Findings []Finding `json:"findings"`
	// NotAssessable lists the rules that lacked the data they need for
	// this call, with the reason for each in NotAssessableReasons.
	NotAssessable        []string          `json:"not_assessable"`
	NotAssessableReasons map[string]string `json:"not_assessable_reasons,omitempty"`
	// RolesNote says how speaker roles were assigned where an adapter was
	// unsure of them.
	RolesNote string `json:"roles_note,omitempty"`

	Scheme         string `json:"scheme"`
	SchemeVersion  string `json:"scheme_version"`
	LexiconVersion string `json:"lexicon_version"`
	// EngineVersion changes when rule code changes meaning, so stored
	// scores of an older engine can be selected for rescoring too.
	EngineVersion string `json:"engine_version"`
}

// Finding is one breach of one rule.
type Finding struct {
	Rule      string   `json:"rule"`
	Severity  Severity `json:"severity"`
	Deduction int      `json:"deduction"`
	// Utterance is the index of the utterance the finding points at, or -1
	// for a finding about the call as a whole.
	Utterance int    `json:"utterance"`
	StartMS   *int64 `json:"start_ms,omitempty"`
	EndMS     *int64 `json:"end_ms,omitempty"`
	// Evidence is the matched text as the transcript wrote it, and Span
	// its rune offsets [start, end) in the utterance's text.
	Evidence  string `json:"evidence,omitempty"`
	Span      *Span  `json:"span,omitempty"`
	Homophone bool   `json:"homophone,omitempty"`
	Clause    string `json:"clause"`
	Message   string `json:"message"`
}

// Span is a half-open range of rune offsets into an utterance's text.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}
