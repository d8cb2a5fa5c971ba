package api_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser the
// page tests drive.
const chromiumPath = "/usr/bin/chromium"

// browser starts a headless Chromium for t and returns a context of a new
// tab in it.
func browser(t *testing.T) (context.Context, func() context.Context) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the page tests drive Debian's chromium at %s, which is missing (%v): install it with `apt-get install -y chromium`", chromiumPath, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	t.Cleanup(func() {
		cancelRoot()
		cancelAlloc()
	})
	newTab := func() context.Context {
		tab, cancel := chromedp.NewContext(root)
		t.Cleanup(cancel)
		if err := chromedp.Do(tab); err != nil {
			t.Fatalf("new tab: %v", err)
		}
		return tab
	}
	return root, newTab
}

// stepLimit bounds one group of browser steps: a condition that never
// comes fails the test instead of hanging it.
const stepLimit = time.Minute

// do runs steps in tab within stepLimit.
func do(t *testing.T, tab context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepLimit)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action that returns a value in tab within stepLimit.
func get[T any](t *testing.T, tab context.Context, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepLimit)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// signIn opens url in tab, enters the token on the sign-in form and waits
// until the page has loaded its data.
func signIn(t *testing.T, tab context.Context, pageURL, token string) {
	t.Helper()
	do(t, tab, "sign in at "+pageURL,
		chromedp.Navigate(pageURL),
		chromedp.WaitVisible("#signin"),
		chromedp.SendKeys("#token", token),
		chromedp.Click(`#signin-form button[type="submit"]`),
		chromedp.WaitReady(`body[data-ready="1"]`),
	)
}

func screenshot(t *testing.T, tab context.Context, name string) {
	dir := os.Getenv("CALLQA_UI_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

// TestPagesReviewerAndSupervisor drives the pages in Chromium: a reviewer
// finds a call, sees its findings highlighted at their utterances,
// overturns one with a comment; a supervisor then sees the team report
// with the reviewed figures and its charts.
func TestPagesReviewerAndSupervisor(t *testing.T) {
	e := newEnv(t)
	e.seed(badCall("ui-1", "A1", team1, day))
	e.seed(goodCall("ui-2", "A1", team1, day.Add(time.Hour)))
	e.seed(badCall("ui-3", "A2", team2, day))
	_, newTab := browser(t)

	// The reviewer's list shows the team's calls only.
	rev := newTab()
	signIn(t, rev, e.http.URL+"/ui/", e.tokens["reviewer"])
	rows := get(t, rev, chromedp.Evaluate[int](`document.querySelectorAll('#calls tbody tr').length`))
	listed := get(t, rev, chromedp.Evaluate[bool](`!!document.querySelector('tr[data-call="ui-1"]') && !document.querySelector('tr[data-call="ui-3"]')`))
	if rows != 2 || !listed {
		t.Errorf("the reviewer's list has %d rows (ui-1 and not ui-3: %v), want 2", rows, listed)
	}
	screenshot(t, rev, "calls")

	// The call page: the evasive phrase is marked in utterance 2, the
	// customer's numbers are masked.
	do(t, rev, "open the call",
		chromedp.Click(`tr[data-call="ui-1"] a`),
		chromedp.WaitVisible("#finding-2"),
		chromedp.WaitReady(`body[data-ready="1"]`),
	)
	marked := get(t, rev, chromedp.Text("#utt-2 mark"))
	flagged := get(t, rev, chromedp.AttributeValue("#utt-2", "class"))
	customer := get(t, rev, chromedp.Text("#utt-1"))
	if marked != "不归我管" || !strings.Contains(flagged.Value, "flagged") {
		t.Errorf("utterance 2: mark %q, class %q", marked, flagged.Value)
	}
	if strings.Contains(customer, "一二三四") || !strings.Contains(customer, "****") {
		t.Errorf("customer utterance not masked: %q", customer)
	}
	screenshot(t, rev, "call-before")

	// Overturn the evasive finding with a comment.
	do(t, rev, "overturn",
		chromedp.SendKeys("#comment-2", "客户问的是燃气业务,不属于供电范围"),
		chromedp.Click("#overturn-2"),
	)
	get(t, rev, chromedp.Poll[bool](`document.querySelector('#reviewed-score') !== null && document.querySelector('#reviewed-score').textContent === '80'`))
	if state := get(t, rev, chromedp.Text("#review-state")); state != "partial" {
		t.Errorf("review state on the page = %q", state)
	}
	screenshot(t, rev, "call-after")
	var c callDetail
	e.do("GET", "/v1/calls/ui-1", "admin", nil).json(t, &c)
	if c.ReviewedScore != 80 || c.Findings[2].Review == nil || c.Findings[2].Review.By != "reviewer" ||
		c.Findings[2].Review.Comment != "客户问的是燃气业务,不属于供电范围" {
		t.Errorf("after the page's overturn: %+v", c)
	}

	// The supervisor's report page, in a tab of its own (its own token).
	sup := newTab()
	q := url.Values{"kind": {"team"}, "id": {team1}, "from": {"2026-11-22"}, "to": {"2026-11-22"}}
	signIn(t, sup, e.http.URL+"/ui/report?"+q.Encode(), e.tokens["supervisor"])
	do(t, sup, "report", chromedp.WaitVisible("#report"))
	calls := get(t, sup, chromedp.Text("#fig-calls"))
	mean := get(t, sup, chromedp.Text("#fig-mean"))
	bars := get(t, sup, chromedp.Evaluate[int](`document.querySelectorAll('#chart-days rect.bar').length`))
	evasive := get(t, sup, chromedp.Evaluate[int](`document.querySelectorAll('#chart-rules rect[data-rule="forbidden.evasive"]').length`))
	greeting := get(t, sup, chromedp.Evaluate[int](`document.querySelectorAll('#chart-rules rect[data-rule="greeting.missing"]').length`))
	if calls != "2" || mean != "90.00" || bars != 1 || evasive != 0 || greeting != 1 {
		t.Errorf("report page: calls %q mean %q day bars %d evasive bars %d greeting bars %d", calls, mean, bars, evasive, greeting)
	}
	screenshot(t, sup, "report")
}

// TestUIStatic serves the embedded files and nothing else.
func TestUIStatic(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		path   string
		status int
		ctype  string
	}{
		{"/ui/static/app.js", 200, "text/javascript"},
		{"/ui/static/app.css", 200, "text/css"},
		{"/ui/static/nope.js", 404, ""},
		{"/ui/static/", 404, ""},
		{"/ui/static/../ui.go", 404, ""},
	} {
		r := e.do("GET", tt.path, "", nil)
		if r.status != tt.status || !strings.HasPrefix(r.header.Get("Content-Type"), tt.ctype) {
			t.Errorf("GET %s: %d %q, want %d %q", tt.path, r.status, r.header.Get("Content-Type"), tt.status, tt.ctype)
		}
	}
	r := e.do("GET", "/ui/calls/x%3Cscript%3E", "", nil)
	if r.status != 200 || strings.Contains(string(r.body), "x<script>") {
		t.Errorf("call page does not escape the id: %d", r.status)
	}
}
