package accuracy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"callqa/lexicon"
	"callqa/scoring"
)

func TestDiff(t *testing.T) {
	e := func(rule string, u int) Expected { return Expected{rule, u} }
	cases := []struct {
		name           string
		want, got      []Expected
		missing, extra []Expected
	}{
		{"equal", []Expected{e("a", 1), e("b", -1)}, []Expected{e("b", -1), e("a", 1)}, nil, nil},
		{"missing", []Expected{e("a", 1), e("a", 2)}, []Expected{e("a", 2)}, []Expected{e("a", 1)}, nil},
		{"extra", nil, []Expected{e("a", 3)}, nil, []Expected{e("a", 3)}},
		{"multiset", []Expected{e("a", 1)}, []Expected{e("a", 1), e("a", 1)}, nil, []Expected{e("a", 1)}},
		{"wrong utterance", []Expected{e("a", 1)}, []Expected{e("a", 2)}, []Expected{e("a", 1)}, []Expected{e("a", 2)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, x := Diff(tc.want, tc.got)
			if !slices.Equal(m, tc.missing) || !slices.Equal(x, tc.extra) {
				t.Errorf("Diff = %v, %v; want %v, %v", m, x, tc.missing, tc.extra)
			}
		})
	}
}

func TestReport(t *testing.T) {
	r := NewReport()
	g := lexicon.RuleGreetingMissing
	f := lexicon.RuleClosingFarewell
	r.Add([]Expected{{g, 0}, {f, 5}}, []Expected{{g, 0}, {f, 4}})
	r.Add([]Expected{{g, 0}}, []Expected{{g, 0}})
	if got := *r.Rules[g]; got != (Tally{TP: 2}) {
		t.Errorf("greeting tally %+v", got)
	}
	if got := *r.Rules[f]; got != (Tally{FP: 1, FN: 1}) {
		t.Errorf("farewell tally %+v", got)
	}
	tot := r.Total()
	if tot != (Tally{TP: 2, FP: 1, FN: 1}) || r.Calls != 2 {
		t.Errorf("total %+v calls %d", tot, r.Calls)
	}
	if p, rec := tot.Precision(), tot.Recall(); p != 2.0/3 || rec != 2.0/3 {
		t.Errorf("precision %v recall %v", p, rec)
	}
	if (Tally{}).Precision() != 1 || (Tally{}).Recall() != 1 {
		t.Error("an empty tally is not perfect")
	}
}

func TestLoadGolden(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "g.json")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	g, err := LoadGolden(write(`{"version":1,"calls":{"c1":{"file":"c1.json","findings":[{"rule":"greeting.missing","utterance":0}],"not_assessable":["hangup.agent_first"]}}}`))
	if err != nil || len(g.Calls["c1"].Findings) != 1 {
		t.Fatalf("LoadGolden = %+v, %v", g, err)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"version":2,"calls":{}}`, "version 2"},
		{`{"version":1,"calls":{"c1":{"findings":[]}}}`, `call "c1": no file`},
		{`{"version":1,"calls":{"c1":{"file":"x","findings":[{"rule":"no.such","utterance":0}]}}}`, `unknown rule "no.such"`},
		{`{"version":1,"calls":{"c1":{"file":"x","not_assessable":["nope"]}}}`, `unknown rule "nope"`},
		{`{"version":1,`, "unexpected end"},
	} {
		if _, err := LoadGolden(write(tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadGolden(%s) = %v, want %q", tc.body, err, tc.want)
		}
	}
}

// TestNaiveMisfires pins what the baseline is for: it fires where callqa
// knows better (有病人, a quoted complaint) and misses what needs
// normalization (traditional characters).
func TestNaiveMisfires(t *testing.T) {
	lex, err := lexicon.Default()
	if err != nil {
		t.Fatal(err)
	}
	tr := &scoring.Transcript{CallID: "n1", Unit: "sgcc-hz", AgentID: "A1", StartedAt: time.Now(), HangupBy: scoring.HangupCustomer,
		Utterances: []scoring.Utterance{
			{Speaker: scoring.Agent, Text: "您好,国网杭州供电公司"},
			{Speaker: scoring.Customer, Text: "家里有病人,楼道燈壞了"},
			{Speaker: scoring.Agent, Text: "明白,家里有病人我们优先,這個不歸我們管"},
			{Speaker: scoring.Agent, Text: "好的,再见"},
		}}
	got := Naive(lex, tr)
	if !slices.Contains(got, Expected{lexicon.RuleForbiddenProfanity, 2}) {
		t.Errorf("naive baseline does not misfire on 有病人: %v", got)
	}
	if slices.Contains(got, Expected{lexicon.RuleForbiddenEvasive, 2}) {
		t.Errorf("naive baseline matched traditional text it cannot read: %v", got)
	}
}
