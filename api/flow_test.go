package api_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"callqa/worker"
)

type callDetail struct {
	CallID         string `json:"call_id"`
	Score          int    `json:"score"`
	ReviewedScore  int    `json:"reviewed_score"`
	ReviewedPassed bool   `json:"reviewed_passed"`
	ReviewState    string `json:"review_state"`
	Masked         bool   `json:"masked"`
	Findings       []struct {
		Index     int    `json:"index"`
		Rule      string `json:"rule"`
		Evidence  string `json:"evidence"`
		Key       string `json:"key"`
		Utterance int    `json:"utterance"`
		Review    *struct {
			Decision string `json:"decision"`
			By       string `json:"by"`
			Comment  string `json:"comment"`
		} `json:"review"`
	} `json:"findings"`
	Transcript struct {
		Utterances []struct {
			Text string `json:"text"`
		} `json:"utterances"`
	} `json:"transcript"`
	LexiconVersion string `json:"lexicon_version"`
	SchemeVersion  string `json:"scheme_version"`
}

func findingIndex(t *testing.T, c callDetail, rule string) int {
	t.Helper()
	for _, f := range c.Findings {
		if f.Rule == rule {
			return f.Index
		}
	}
	t.Fatalf("call %s has no %s finding", c.CallID, rule)
	return -1
}

type report struct {
	Calls           int            `json:"calls"`
	MeanScore       *float64       `json:"mean_score"`
	PassRate        *float64       `json:"pass_rate"`
	FindingsByRule  map[string]int `json:"findings_by_rule"`
	ReviewedCalls   int            `json:"reviewed_calls"`
	OverturnedCalls int            `json:"overturned_calls"`
	OverturnedBy    map[string]int `json:"overturned_by_rule"`
	Machine         struct {
		MeanScore      *float64       `json:"mean_score"`
		PassRate       *float64       `json:"pass_rate"`
		FindingsByRule map[string]int `json:"findings_by_rule"`
	} `json:"machine"`
	Days []struct {
		Date      string   `json:"date"`
		Calls     int      `json:"calls"`
		MeanScore *float64 `json:"mean_score"`
	} `json:"days"`
	WorstCalls []struct {
		CallID        string `json:"call_id"`
		ReviewedScore int    `json:"reviewed_score"`
	} `json:"worst_calls"`
}

// TestReviewMovesScoreAndReports: a reviewer overturns a finding, the
// call's reviewed score and the supervisor's reports follow, and the
// audit trail keeps every decision.
func TestReviewMovesScoreAndReports(t *testing.T) {
	e := newEnv(t)
	e.seed(badCall("r-1", "A1", team1, day))                 // 65
	e.seed(goodCall("r-2", "A1", team1, day.Add(time.Hour))) // 100
	e.seed(badCall("r-3", "A1", team1, day.AddDate(0, 0, 1)))
	teamPath := "/v1/teams/" + url.PathEscape(team1) + "/report?from=2026-11-22&to=2026-11-23"

	var before report
	e.do("GET", teamPath, "supervisor", nil).json(t, &before)
	if before.Calls != 3 || *before.MeanScore != 76.67 || *before.PassRate != 0.3333 || before.FindingsByRule["forbidden.evasive"] != 2 {
		t.Fatalf("report before review = %+v", before)
	}

	var c callDetail
	e.do("GET", "/v1/calls/r-1", "reviewer", nil).json(t, &c)
	ev := findingIndex(t, c, "forbidden.evasive")
	r := e.do("POST", "/v1/calls/r-1/reviews", "reviewer", mustJSON(map[string]any{
		"finding": ev, "decision": "overturn", "comment": "客户问的是别的单位的业务,坐席说明了范围"}))
	r.want(t, 201, "overturn")
	var entry struct {
		By     string `json:"by"`
		Before struct {
			Decision      *string `json:"decision"`
			ReviewedScore int     `json:"reviewed_score"`
		} `json:"before"`
		After struct {
			Decision      *string `json:"decision"`
			ReviewedScore int     `json:"reviewed_score"`
		} `json:"after"`
	}
	r.json(t, &entry)
	if entry.By != "reviewer" || entry.Before.Decision != nil || entry.Before.ReviewedScore != 65 || *entry.After.Decision != "overturn" || entry.After.ReviewedScore != 80 {
		t.Errorf("audit entry = %s", r.body)
	}
	hang := findingIndex(t, c, "hangup.agent_first")
	e.do("POST", "/v1/calls/r-1/reviews", "reviewer", mustJSON(map[string]any{"finding": hang, "decision": "confirm"})).want(t, 201, "confirm")

	e.do("GET", "/v1/calls/r-1", "supervisor", nil).json(t, &c)
	if c.Score != 65 || c.ReviewedScore != 80 || !c.ReviewedPassed || c.ReviewState != "partial" {
		t.Errorf("call after review: score %d reviewed %d passed %v state %s", c.Score, c.ReviewedScore, c.ReviewedPassed, c.ReviewState)
	}
	if f := c.Findings[ev]; f.Review == nil || f.Review.Decision != "overturn" || f.Review.By != "reviewer" {
		t.Errorf("finding %d review = %+v", ev, f.Review)
	}

	var after report
	e.do("GET", teamPath, "supervisor", nil).json(t, &after)
	if after.Calls != 3 || *after.MeanScore != 81.67 || *after.PassRate != 0.6667 || after.FindingsByRule["forbidden.evasive"] != 1 ||
		after.ReviewedCalls != 1 || after.OverturnedCalls != 1 || after.OverturnedBy["forbidden.evasive"] != 1 {
		t.Errorf("team report after review = %+v", after)
	}
	if *after.Machine.MeanScore != 76.67 || after.Machine.FindingsByRule["forbidden.evasive"] != 2 {
		t.Errorf("machine figures moved: %+v", after.Machine)
	}
	if len(after.Days) != 2 || after.Days[0].Calls != 2 || *after.Days[0].MeanScore != 90 || after.Days[1].Calls != 1 {
		t.Errorf("days = %+v", after.Days)
	}
	if len(after.WorstCalls) != 3 || after.WorstCalls[0].CallID != "r-3" || after.WorstCalls[1].CallID != "r-1" || after.WorstCalls[1].ReviewedScore != 80 {
		t.Errorf("worst calls = %+v", after.WorstCalls)
	}
	var agent report
	e.do("GET", "/v1/agents/A1/report?from=2026-11-22&to=2026-11-23", "supervisor", nil).json(t, &agent)
	if agent.Calls != after.Calls || *agent.MeanScore != *after.MeanScore {
		t.Errorf("agent report %+v differs from the team report of the same calls", agent)
	}

	// CSV: one row a day and a total.
	r = e.do("GET", teamPath+"&format=csv", "supervisor", nil)
	r.want(t, 200, "csv")
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "date" || rows[3][0] != "total" || rows[3][1] != "3" || rows[3][2] != "81.67" {
		t.Errorf("csv = %q", rows)
	}
	col := slices.Index(rows[0], "forbidden.evasive")
	if col < 0 || rows[3][col] != "1" {
		t.Errorf("csv forbidden.evasive column %d in %q", col, rows)
	}

	// The audit trail has both decisions, oldest first.
	var trail struct {
		Reviews []struct {
			Decision string `json:"decision"`
			Finding  int    `json:"finding"`
		} `json:"reviews"`
	}
	e.do("GET", "/v1/calls/r-1/reviews", "supervisor", nil).json(t, &trail)
	if len(trail.Reviews) != 2 || trail.Reviews[0].Decision != "overturn" || trail.Reviews[1].Finding != hang {
		t.Errorf("audit trail = %+v", trail)
	}

	// Listing by review state.
	var list struct {
		Calls []struct {
			CallID        string `json:"call_id"`
			ReviewedScore int    `json:"reviewed_score"`
		} `json:"calls"`
	}
	e.do("GET", "/v1/calls?review=overturned", "reviewer", nil).json(t, &list)
	if len(list.Calls) != 1 || list.Calls[0].CallID != "r-1" || list.Calls[0].ReviewedScore != 80 {
		t.Errorf("overturned calls = %+v", list.Calls)
	}
	diffs, err := e.st.VerifyReviews(context.Background(), "sgcc-hz")
	if err != nil || len(diffs) > 0 {
		t.Errorf("VerifyReviews = %v, %v", diffs, err)
	}
}

// TestMasking: without the pii grant, phone and account numbers are
// masked in the transcript and the evidence; with it, and in the store,
// they are not.
func TestMasking(t *testing.T) {
	e := newEnv(t)
	rec := e.seed(badCall("p-1", "A1", team1, day))
	for _, tt := range []struct {
		who      string
		masked   bool
		customer string
		agent    string
	}{
		{"reviewer", true, "我的电话是一三八****五六七八,户号是******4567。", "138****5678是吧,这个不归我管。"},
		{"supervisor", true, "我的电话是一三八****五六七八,户号是******4567。", "138****5678是吧,这个不归我管。"},
		{"reviewerPII", false, "我的电话是一三八一二三四五六七八,户号是6601234567。", "13812345678是吧,这个不归我管。"},
	} {
		t.Run(tt.who, func(t *testing.T) {
			var c callDetail
			e.do("GET", "/v1/calls/p-1", tt.who, nil).json(t, &c)
			if c.Masked != tt.masked {
				t.Errorf("masked = %v, want %v", c.Masked, tt.masked)
			}
			u := c.Transcript.Utterances
			if len(u) != 5 || u[1].Text != tt.customer || u[2].Text != tt.agent {
				t.Errorf("utterances = %+v", u)
			}
			body := string(e.do("GET", "/v1/calls/p-1", tt.who, nil).body)
			if strings.Contains(body, "12345678") != !tt.masked {
				t.Errorf("body contains the number: %v, want %v", strings.Contains(body, "12345678"), !tt.masked)
			}
		})
	}
	// Evidence on a number is masked like the utterance.
	e2 := newEnv(t)
	confirm := transcript("p-2", "sgcc-hz", "A1", team1, day, "customer",
		utt{"agent", "您好,国网杭州供电公司,请问有什么可以帮您?"},
		utt{"customer", "我家停电了,电话13812345678,地址在文一路100号。"},
		utt{"agent", "好的,请您稍等,已经为您登记,预计两个小时内恢复,抱歉给您带来不便。"},
		utt{"customer", "好的。"},
		utt{"agent", "感谢您的来电,再见。"})
	e2.seed(confirm)
	var c callDetail
	e2.do("GET", "/v1/calls/p-2", "reviewer", nil).json(t, &c)
	for _, f := range c.Findings {
		if strings.Contains(f.Evidence, "1234") || strings.Contains(f.Key, "12345678") {
			t.Errorf("finding %s shows the number: evidence %q key %q", f.Rule, f.Evidence, f.Key)
		}
	}
	// The store keeps the original text.
	stored, err := e.st.Call(context.Background(), "p-1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stored.Record.NotAssessable, rec.NotAssessable) || stored.Record.Findings[2].Evidence != rec.Findings[2].Evidence {
		t.Errorf("stored record changed")
	}
}

// TestListScopesTeams: a token sees only its teams' calls, a page at a
// time.
func TestListScopesTeams(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		e.seed(goodCall(fmt.Sprintf("l-1-%d", i), "A1", team1, day.Add(time.Duration(i)*time.Minute)))
		e.seed(badCall(fmt.Sprintf("l-2-%d", i), "A2", team2, day.Add(time.Duration(i)*time.Minute)))
	}
	e.seed(goodCall("l-none", "A3", "", day))
	list := func(who, query string) []string {
		var ids []string
		path := "/v1/calls?limit=2" + query
		for range 20 {
			var page struct {
				Calls []struct {
					CallID string `json:"call_id"`
				} `json:"calls"`
				Next *string `json:"next_cursor"`
			}
			r := e.do("GET", path, who, nil)
			r.want(t, 200, "list "+path)
			r.json(t, &page)
			for _, c := range page.Calls {
				ids = append(ids, c.CallID)
			}
			if page.Next == nil {
				return ids
			}
			path = "/v1/calls?limit=2" + query + "&cursor=" + url.QueryEscape(*page.Next)
		}
		t.Fatal("listing does not end")
		return nil
	}
	if got := list("reviewer", ""); !slices.Equal(got, []string{"l-1-4", "l-1-3", "l-1-2", "l-1-1", "l-1-0"}) {
		t.Errorf("reviewer of team 1 lists %v", got)
	}
	if got := list("supervisor2", "&sort=score&order=desc"); len(got) != 5 || !strings.HasPrefix(got[0], "l-2-") {
		t.Errorf("supervisor of team 2 lists %v", got)
	}
	if got := list("admin", "&agent=A3"); !slices.Equal(got, []string{"l-none"}) {
		t.Errorf("admin lists agent A3 as %v", got)
	}
	if got := list("admin", ""); len(got) != 11 {
		t.Errorf("admin lists %d calls, want 11", len(got))
	}
	if got := list("reviewer", "&rule=forbidden.evasive"); len(got) != 0 {
		t.Errorf("reviewer of team 1 sees evasive calls %v", got)
	}
}

// TestUploadIsScoredByWorker: an uploaded transcript lands in the bucket,
// a real worker scores it, and the call appears.
func TestUploadIsScoredByWorker(t *testing.T) {
	e := newEnv(t)
	w, err := worker.New(worker.Config{Bucket: e.bucket, Workers: 2, ScanEvery: -1, ClaimAfter: 5 * time.Second},
		e.st, e.queue, e.mc, sharedEngine(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	r := e.do("POST", "/v1/calls", "admin", badCall("u-1", "A1", team1, day))
	r.want(t, 202, "upload")
	var acc struct {
		CallID string `json:"call_id"`
		Object string `json:"object"`
	}
	r.json(t, &acc)
	if acc.CallID != "u-1" || acc.Object != "2026/11/22/u-1.json" || r.header.Get("Location") != "/v1/calls/u-1" {
		t.Errorf("accepted = %s, location %q", r.body, r.header.Get("Location"))
	}
	if _, err := e.mc.StatObject(context.Background(), e.bucket, acc.Object, minioStat); err != nil {
		t.Fatalf("uploaded object: %v", err)
	}
	// Until the worker has scored it, the call is 404; then it is there.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		r = e.do("GET", "/v1/calls/u-1", "reviewer", nil)
		if r.status == 200 || time.Now().After(deadline) {
			break
		}
		if r.status != 404 {
			t.Fatalf("status %d while waiting for the score: %s", r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.want(t, 200, "the uploaded call once scored")
	var c callDetail
	r.json(t, &c)
	if c.Score != 65 || len(c.Findings) != 3 || c.LexiconVersion != e.lex.Version {
		t.Errorf("scored upload: score %d findings %d lexicon %s", c.Score, len(c.Findings), c.LexiconVersion)
	}
}

// TestStreamDeliversFilteredScores: a score stream gets the new scores
// that match its filter, in order, and resumes after Last-Event-ID.
func TestStreamDeliversFilteredScores(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	open := func(query, lastID string) (*bufio.Reader, func()) {
		req, _ := http.NewRequestWithContext(ctx, "GET", e.http.URL+"/v1/scores/stream"+query, nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens["supervisor"])
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := e.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("stream status %d", resp.StatusCode)
		}
		br := bufio.NewReader(resp.Body)
		// The stream is open once its first comment arrived.
		if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry:") {
			t.Fatalf("stream opened with %q, %v", line, err)
		}
		return br, func() { resp.Body.Close() }
	}
	type ev struct {
		id   string
		call string
		sc   int
	}
	next := func(br *bufio.Reader) ev {
		var out ev
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the stream: %v", err)
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "id: "):
				out.id = line[4:]
			case strings.HasPrefix(line, "data: "):
				var d struct {
					CallID string `json:"call_id"`
					Score  int    `json:"score"`
				}
				if err := json.Unmarshal([]byte(line[6:]), &d); err != nil {
					t.Fatal(err)
				}
				out.call, out.sc = d.CallID, d.Score
			case line == "" && out.call != "":
				return out
			}
		}
	}
	br, stop := open("?agent=A1&score_max=70", "")
	e.seed(goodCall("s-0", "A1", team1, day))               // score too high
	e.seed(badCall("s-1", "A2", team1, day))                // other agent
	e.seed(badCall("s-2", "A1", team2, day))                // other team
	e.seed(badCall("s-3", "A1", team1, day))                // matches
	e.seed(badCall("s-4", "A1", team1, day.Add(time.Hour))) // matches
	first := next(br)
	second := next(br)
	stop()
	if first.call != "s-3" || first.sc != 65 || second.call != "s-4" {
		t.Fatalf("events %+v, %+v; want s-3 then s-4", first, second)
	}
	// Resuming after the first event replays the second.
	br, stop = open("?agent=A1&score_max=70", first.id)
	defer stop()
	if got := next(br); got.call != "s-4" || got.id != second.id {
		t.Errorf("resumed stream sent %+v, want %+v", got, second)
	}
}

var minioStat = minioStatOptions()
