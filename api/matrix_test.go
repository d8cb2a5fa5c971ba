package api_test

import (
	"context"
	"fmt"
	"hash/crc32"
	"net/http"
	"strings"
	"testing"
	"time"

	"callqa/store"
)

// TestRoleMatrix calls every endpoint with every kind of caller and
// asserts each status.
func TestRoleMatrix(t *testing.T) {
	e := newEnv(t)
	e.seed(badCall("m-1", "A1", team1, day))
	e.seed(badCall("m-2", "A2", team2, day))
	upload := func(id string) []byte { return goodCall(id, "A9", team1, day) }
	review := mustJSON(map[string]any{"finding": 0, "decision": "confirm", "comment": "ok"})
	// Rescoring jobs: a live worker's versions, and a job of its own for
	// each row that changes one.
	e.registerWorker("w1")
	job := func(prefix string) string { return e.createJob(store.Selection{Prefix: prefix}).ID }
	jobGet, jobPause, jobResume, jobCancel := job("get/"), job("pause/"), job("resume/"), job("cancel/")
	if _, err := e.st.PauseRescore(context.Background(), jobResume); err != nil {
		t.Fatal(err)
	}

	type cell = map[string]int // caller → status
	const (
		none  = ""
		bad   = "raw:Bearer cqa_not-a-token"
		basic = "raw:Basic dXNlcjpwYXNz"
	)
	allOK := func(status int) cell {
		return cell{none: 401, bad: 401, basic: 401, "reviewer": status, "reviewer2": status, "supervisor": status, "supervisor2": status, "admin": status}
	}
	public := cell{none: 200, bad: 200, basic: 200, "reviewer": 200, "reviewer2": 200, "supervisor": 200, "supervisor2": 200, "admin": 200}
	admin := func(status int) cell {
		return cell{none: 401, bad: 401, basic: 401, "reviewer": 403, "reviewer2": 403, "supervisor": 403, "supervisor2": 403, "admin": status}
	}
	tests := []struct {
		method, path string
		body         func(who string) []byte
		want         cell
	}{
		{"GET", "/healthz", nil, public},
		{"GET", "/readyz", nil, public},
		{"GET", "/metrics", nil, public},
		{"GET", "/openapi.json", nil, public},
		{"POST", "/v1/calls", func(who string) []byte { return upload(fmt.Sprintf("up-%08x", crc32.ChecksumIEEE([]byte(who)))) },
			cell{none: 401, bad: 401, basic: 401, "reviewer": 403, "reviewer2": 403, "supervisor": 403, "supervisor2": 403, "admin": 202}},
		{"GET", "/v1/calls", nil, allOK(200)},
		{"GET", "/v1/calls/m-1", nil,
			cell{none: 401, bad: 401, basic: 401, "reviewer": 200, "reviewer2": 404, "supervisor": 200, "supervisor2": 404, "admin": 200}},
		{"POST", "/v1/calls/m-1/reviews", func(string) []byte { return review },
			cell{none: 401, bad: 401, basic: 401, "reviewer": 201, "reviewer2": 404, "supervisor": 403, "supervisor2": 403, "admin": 201}},
		{"GET", "/v1/calls/m-1/reviews", nil,
			cell{none: 401, bad: 401, basic: 401, "reviewer": 200, "reviewer2": 404, "supervisor": 200, "supervisor2": 404, "admin": 200}},
		{"GET", "/v1/agents/A1/report?from=2026-11-01&to=2026-11-30", nil,
			cell{none: 401, bad: 401, basic: 401, "reviewer": 403, "reviewer2": 403, "supervisor": 200, "supervisor2": 403, "admin": 200}},
		{"GET", "/v1/teams/" + team1 + "/report?from=2026-11-01&to=2026-11-30", nil,
			cell{none: 401, bad: 401, basic: 401, "reviewer": 403, "reviewer2": 403, "supervisor": 200, "supervisor2": 403, "admin": 200}},
		{"GET", "/v1/rules", nil, allOK(200)},
		{"GET", "/v1/lexicon", nil, allOK(200)},
		{"GET", "/v1/scores/stream", nil, allOK(200)},
		{"GET", "/v1/calls?team=" + team2, nil,
			cell{none: 401, bad: 401, basic: 401, "reviewer": 403, "reviewer2": 200, "supervisor": 403, "supervisor2": 200, "admin": 200}},
		{"GET", "/v1/calls/m-1/diff", nil,
			cell{none: 401, bad: 401, basic: 401, "reviewer": 200, "reviewer2": 404, "supervisor": 200, "supervisor2": 404, "admin": 200}},
		{"POST", "/v1/rescore", func(string) []byte { return mustJSON(map[string]any{"unit": "sgcc-hz"}) }, admin(202)},
		{"GET", "/v1/rescore", nil, admin(200)},
		{"GET", "/v1/rescore/" + jobGet, nil, admin(200)},
		{"POST", "/v1/rescore/" + jobPause + "/pause", nil, admin(200)},
		{"POST", "/v1/rescore/" + jobResume + "/resume", nil, admin(200)},
		{"POST", "/v1/rescore/" + jobCancel + "/cancel", nil, admin(200)},
		{"GET", "/ui/", nil, public},
		{"GET", "/ui/calls/m-1", nil, public},
		{"GET", "/ui/report", nil, public},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.method+" "+strings.SplitN(tt.path, "?", 2)[0]] = true
		for who, want := range tt.want {
			t.Run(tt.method+" "+tt.path+" as "+who, func(t *testing.T) {
				var body []byte
				if tt.body != nil {
					body = tt.body(who)
				}
				var got int
				if strings.HasSuffix(tt.path, "/stream") {
					got = e.streamStatus(t, tt.path, who)
				} else {
					r := e.do(tt.method, tt.path, who, body)
					got = r.status
					if got >= 400 {
						r.apiErr(t)
					}
				}
				if got != want {
					t.Errorf("status %d, want %d", got, want)
				}
			})
		}
	}
	// Every API route is in the matrix.
	jobs := map[string]string{"GET": jobGet, "POST pause": jobPause, "POST resume": jobResume, "POST cancel": jobCancel}
	for _, r := range e.srv.Routes() {
		path := strings.NewReplacer(":id", "m-1", ":team", team1).Replace(r.Path)
		if strings.Contains(r.Path, "/agents/") {
			path = strings.Replace(r.Path, ":id", "A1", 1)
		}
		if strings.HasPrefix(r.Path, "/v1/rescore/:id") {
			action := strings.TrimPrefix(strings.TrimPrefix(r.Path, "/v1/rescore/:id"), "/")
			path = strings.Replace(r.Path, ":id", jobs[strings.TrimSpace(r.Method+" "+action)], 1)
		}
		if strings.Contains(path, "*") || strings.Contains(path, ":") {
			continue // static files: TestUIStatic
		}
		if !covered[r.Method+" "+path] {
			t.Errorf("route %s %s is not in the role matrix", r.Method, r.Path)
		}
	}
}

// streamStatus opens the score stream and returns the status of its
// response, closing it at once.
func (e *env) streamStatus(t *testing.T, path, who string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", e.http.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(who, "raw:"):
		req.Header.Set("Authorization", strings.TrimPrefix(who, "raw:"))
	case who != "":
		req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	}
	resp, err := e.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == 200 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Errorf("stream content type %q", resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode
}
