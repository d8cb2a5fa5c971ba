package store

import (
	"encoding/json"
	"fmt"
	"strconv"

	"callqa/scoring"
)

// scoreKeyFactor orders IndexScore by score, then by start time: a start
// in Unix milliseconds stays below 10^13 until the year 2286, and
// 100×10^13 + 10^13 is below 2^53, so the sort key is exact in a double.
const scoreKeyFactor = 10_000_000_000_000

// Contribution is what one stored call adds to its unit's aggregates and
// indexes. It is kept with the call, so that replacing the call's score
// subtracts exactly what the old score added. A reviewed score (a
// reviewer's overturned finding) is a new Contribution of the same call,
// applied the same way.
type Contribution struct {
	// Day is the call's start date, YYYY-MM-DD, in the call's own UTC
	// offset (the call center's local day).
	Day string `json:"day"`
	// StartMS is the call's start in Unix milliseconds.
	StartMS int64  `json:"start_ms,string"`
	Agent   string `json:"agent"`
	Team    string `json:"team"`
	Score   int    `json:"score"`
	Passed  bool   `json:"passed"`
	Fatal   bool   `json:"fatal"`
	// Rules counts the call's findings per rule id; a rule without
	// findings is absent.
	Rules map[string]int `json:"rules"`
	// ScoreKey is the call's IndexScore sort key (score×10^13 + StartMS),
	// a decimal string so that Lua passes it to Redis without rounding.
	ScoreKey string `json:"score_key"`
}

// NewContribution returns the contribution of a score record.
func NewContribution(rec *scoring.Record) Contribution {
	c := Contribution{
		Day:     rec.StartedAt.Format("2006-01-02"),
		StartMS: rec.StartedAt.UnixMilli(),
		Agent:   rec.AgentID,
		Team:    rec.Team,
		Score:   rec.Score,
		Passed:  rec.Passed,
		Fatal:   rec.Fatal,
		Rules:   map[string]int{},
	}
	for _, f := range rec.Findings {
		c.Rules[f.Rule]++
	}
	c.ScoreKey = strconv.FormatInt(int64(c.Score)*scoreKeyFactor+c.StartMS, 10)
	return c
}

// validate reports a record that cannot be stored: the keys and the
// aggregates need these fields.
func validateRecord(rec *scoring.Record) error {
	switch {
	case rec == nil:
		return fmt.Errorf("no record")
	case rec.CallID == "":
		return fmt.Errorf("record has no call_id")
	case rec.Unit == "":
		return fmt.Errorf("record %s has no unit", rec.CallID)
	case rec.AgentID == "":
		return fmt.Errorf("record %s has no agent_id", rec.CallID)
	case rec.StartedAt.IsZero():
		return fmt.Errorf("record %s has no started_at", rec.CallID)
	case rec.Score < 0 || rec.Score > 100:
		return fmt.Errorf("record %s has score %d outside 0..100", rec.CallID, rec.Score)
	}
	return nil
}

func (c Contribution) marshal() (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode contribution: %w", err)
	}
	return string(b), nil
}
