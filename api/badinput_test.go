package api_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"callqa/scoring"
)

// TestBadInput sends bad requests to every endpoint that takes input and
// asserts the status, the error code and the field named.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	e.seed(badCall("b-1", "A1", team1, day))
	good := string(goodCall("b-up", "A1", team1, day))
	replace := func(old, new string) []byte { return []byte(strings.Replace(good, old, new, 1)) }
	// A cursor of another filter: list with sort=score and take its cursor.
	e.seed(goodCall("b-2", "A1", team1, day))
	var page struct {
		Next *string `json:"next_cursor"`
	}
	e.do("GET", "/v1/calls?sort=score&limit=1", "admin", nil).json(t, &page)
	if page.Next == nil {
		t.Fatal("no cursor after the first of two calls")
	}
	oversize := bytes.Repeat([]byte(" "), scoring.MaxTranscriptBytes+1)

	tests := []struct {
		name, method, path, who string
		body                    []byte
		status                  int
		code, field             string
	}{
		// Uploads.
		{"malformed JSON", "POST", "/v1/calls", "admin", []byte(`{"call_id": "x",`), 400, "invalid_argument", ""},
		{"not an object", "POST", "/v1/calls", "admin", []byte(`[1,2]`), 400, "invalid_argument", ""},
		{"empty body", "POST", "/v1/calls", "admin", []byte(``), 400, "invalid_argument", ""},
		{"wrong type", "POST", "/v1/calls", "admin", replace(`"agent_id":"A1"`, `"agent_id":5`), 400, "invalid_argument", "agent_id"},
		{"missing field", "POST", "/v1/calls", "admin", replace(`"call_id":"b-up",`, ``), 400, "invalid_argument", "call_id"},
		{"bad call id", "POST", "/v1/calls", "admin", replace(`"call_id":"b-up"`, `"call_id":"a b/c"`), 400, "invalid_argument", "call_id"},
		{"bad time", "POST", "/v1/calls", "admin", replace(`"started_at":"2026-11-22T09:30:00+08:00"`, `"started_at":"yesterday"`), 400, "invalid_argument", "started_at"},
		{"bad speaker", "POST", "/v1/calls", "admin", replace(`"speaker":"agent"`, `"speaker":"robot"`), 400, "invalid_argument", "utterances[0].speaker"},
		{"unknown unit", "POST", "/v1/calls", "admin", replace(`"unit":"sgcc-hz"`, `"unit":"no-such-unit"`), 400, "invalid_argument", "unit"},
		{"oversize", "POST", "/v1/calls", "admin", oversize, 413, "too_large", ""},
		// Listings.
		{"bad from", "GET", "/v1/calls?from=2026-13-01", "reviewer", nil, 400, "invalid_argument", "from"},
		{"bad to", "GET", "/v1/calls?to=22.11.2026", "reviewer", nil, 400, "invalid_argument", "to"},
		{"to before from", "GET", "/v1/calls?from=2026-11-22&to=2026-11-01", "reviewer", nil, 400, "invalid_argument", "to"},
		{"score not a number", "GET", "/v1/calls?score_min=abc", "reviewer", nil, 400, "invalid_argument", "score_min"},
		{"score out of range", "GET", "/v1/calls?score_max=101", "reviewer", nil, 400, "invalid_argument", "score_max"},
		{"score range reversed", "GET", "/v1/calls?score_min=90&score_max=10", "reviewer", nil, 400, "invalid_argument", "score_max"},
		{"unknown rule", "GET", "/v1/calls?rule=greeting.nope", "reviewer", nil, 400, "invalid_argument", "rule"},
		{"unknown unit filter", "GET", "/v1/calls?unit=nope", "reviewer", nil, 400, "invalid_argument", "unit"},
		{"bad review state", "GET", "/v1/calls?review=maybe", "reviewer", nil, 400, "invalid_argument", "review"},
		{"bad sort", "GET", "/v1/calls?sort=agent", "reviewer", nil, 400, "invalid_argument", "sort"},
		{"bad order", "GET", "/v1/calls?order=up", "reviewer", nil, 400, "invalid_argument", "order"},
		{"limit zero", "GET", "/v1/calls?limit=0", "reviewer", nil, 400, "invalid_argument", "limit"},
		{"limit too big", "GET", "/v1/calls?limit=1000", "reviewer", nil, 400, "invalid_argument", "limit"},
		{"garbage cursor", "GET", "/v1/calls?cursor=%21%21", "reviewer", nil, 400, "invalid_argument", "cursor"},
		{"cursor not JSON", "GET", "/v1/calls?cursor=aGVsbG8", "reviewer", nil, 400, "invalid_argument", "cursor"},
		{"cursor of another order", "GET", "/v1/calls?cursor=" + url.QueryEscape(*page.Next), "admin", nil, 400, "invalid_argument", "cursor"},
		{"unknown parameter", "GET", "/v1/calls?agnet=A1", "reviewer", nil, 400, "invalid_argument", "agnet"},
		{"repeated parameter", "GET", "/v1/calls?agent=A1&agent=A2", "reviewer", nil, 400, "invalid_argument", "agent"},
		{"stream bad filter", "GET", "/v1/scores/stream?score_min=x", "reviewer", nil, 400, "invalid_argument", "score_min"},
		{"stream takes no cursor", "GET", "/v1/scores/stream?cursor=x", "reviewer", nil, 400, "invalid_argument", "cursor"},
		// Calls.
		{"no such call", "GET", "/v1/calls/nope", "reviewer", nil, 404, "not_found", ""},
		{"no such endpoint", "GET", "/v1/nothing", "reviewer", nil, 404, "not_found", ""},
		// Reviews.
		{"review malformed JSON", "POST", "/v1/calls/b-1/reviews", "reviewer", []byte(`{"finding":`), 400, "invalid_argument", ""},
		{"review not an object", "POST", "/v1/calls/b-1/reviews", "reviewer", []byte(`"confirm"`), 400, "invalid_argument", ""},
		{"review finding as string", "POST", "/v1/calls/b-1/reviews", "reviewer", []byte(`{"finding":"1","decision":"confirm"}`), 400, "invalid_argument", "finding"},
		{"review finding fraction", "POST", "/v1/calls/b-1/reviews", "reviewer", []byte(`{"finding":1.5,"decision":"confirm"}`), 400, "invalid_argument", "finding"},
		{"review decision as number", "POST", "/v1/calls/b-1/reviews", "reviewer", []byte(`{"finding":1,"decision":5}`), 400, "invalid_argument", "decision"},
		{"review missing finding", "POST", "/v1/calls/b-1/reviews", "reviewer", []byte(`{"decision":"confirm"}`), 400, "invalid_argument", "finding"},
		{"review missing decision", "POST", "/v1/calls/b-1/reviews", "reviewer", []byte(`{"finding":1}`), 400, "invalid_argument", "decision"},
		{"review bad decision", "POST", "/v1/calls/b-1/reviews", "reviewer", []byte(`{"finding":1,"decision":"maybe"}`), 400, "invalid_argument", "decision"},
		{"review finding out of range", "POST", "/v1/calls/b-1/reviews", "reviewer", []byte(`{"finding":99,"decision":"confirm"}`), 400, "invalid_argument", "finding"},
		{"review negative finding", "POST", "/v1/calls/b-1/reviews", "reviewer", []byte(`{"finding":-1,"decision":"confirm"}`), 400, "invalid_argument", "finding"},
		{"overturn without comment", "POST", "/v1/calls/b-1/reviews", "reviewer", []byte(`{"finding":1,"decision":"overturn","comment":"  "}`), 400, "invalid_argument", "comment"},
		{"review unknown field", "POST", "/v1/calls/b-1/reviews", "reviewer", []byte(`{"finding":1,"decision":"confirm","score":100}`), 400, "invalid_argument", "score"},
		{"review comment too long", "POST", "/v1/calls/b-1/reviews", "reviewer",
			mustJSON(map[string]any{"finding": 1, "decision": "confirm", "comment": strings.Repeat("长", 2001)}), 400, "invalid_argument", "comment"},
		{"review of no call", "POST", "/v1/calls/nope/reviews", "reviewer", []byte(`{"finding":0,"decision":"confirm"}`), 404, "not_found", ""},
		// Reports.
		{"report bad from", "GET", "/v1/agents/A1/report?from=2026-02-30&to=2026-03-01", "supervisor", nil, 400, "invalid_argument", "from"},
		{"report bad to", "GET", "/v1/agents/A1/report?from=2026-02-01&to=tomorrow", "supervisor", nil, 400, "invalid_argument", "to"},
		{"report to before from", "GET", "/v1/teams/" + url.PathEscape(team1) + "/report?from=2026-03-01&to=2026-02-01", "supervisor", nil, 400, "invalid_argument", "to"},
		{"report period too long", "GET", "/v1/agents/A1/report?from=2024-01-01&to=2026-01-01", "supervisor", nil, 400, "invalid_argument", "to"},
		{"report bad format", "GET", "/v1/agents/A1/report?format=xml", "supervisor", nil, 400, "invalid_argument", "format"},
		{"report unknown unit", "GET", "/v1/agents/A1/report?unit=nope", "supervisor", nil, 400, "invalid_argument", "unit"},
		{"report bad worst", "GET", "/v1/agents/A1/report?worst=-1", "supervisor", nil, 400, "invalid_argument", "worst"},
		{"report unknown parameter", "GET", "/v1/agents/A1/report?period=month", "supervisor", nil, 400, "invalid_argument", "period"},
		// Methods.
		{"wrong method", "DELETE", "/v1/calls/b-1", "admin", nil, 405, "method_not_allowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.who, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, truncateBody(r.body))
			}
			got := r.apiErr(t)
			if got.Error.Code != tt.code || got.Error.Field != tt.field {
				t.Errorf("error %+v, want code %q field %q", got.Error, tt.code, tt.field)
			}
		})
	}
	// Nothing bad was stored or queued, and the seeded call is unreviewed.
	var call struct {
		ReviewState string `json:"review_state"`
	}
	e.do("GET", "/v1/calls/b-1", "admin", nil).json(t, &call)
	if call.ReviewState != "unreviewed" {
		t.Errorf("review state after bad reviews = %q, want unreviewed", call.ReviewState)
	}
}
