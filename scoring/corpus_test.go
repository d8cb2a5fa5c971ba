package scoring_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"callqa/accuracy"
	"callqa/lexicon"
	"callqa/scoring"
)

// engine is shared by the package's tests: a segmenter takes seconds to
// load.
var engine = sync.OnceValues(func() (*scoring.Engine, error) {
	lex, err := lexicon.Default()
	if err != nil {
		return nil, err
	}
	return scoring.Build(lex)
})

func testEngine(t testing.TB) *scoring.Engine {
	t.Helper()
	e, err := engine()
	if err != nil {
		t.Fatalf("build engine: %v", err)
	}
	return e
}

const corpusDir = "../testcalls"

// TestCorpus scores every call of testcalls/ and compares its findings
// and not-assessable rules exactly with golden.json.
func TestCorpus(t *testing.T) {
	e := testEngine(t)
	golden, err := accuracy.LoadGolden(filepath.Join(corpusDir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		if filepath.Base(path) == "golden.json" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := scoring.ParseTranscript(path, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		want, ok := golden.Calls[tr.CallID]
		if !ok {
			t.Errorf("%s: call %s has no entry in golden.json", path, tr.CallID)
			continue
		}
		seen[tr.CallID] = true
		if want.File != filepath.Base(path) {
			t.Errorf("%s: golden.json names file %q for call %s", path, want.File, tr.CallID)
		}
		t.Run(tr.CallID, func(t *testing.T) {
			rec, err := e.Score(tr)
			if err != nil {
				t.Fatal(err)
			}
			missing, extra := accuracy.Diff(want.Findings, accuracy.FromRecord(rec))
			for _, m := range missing {
				t.Errorf("%s: missing %s at %s", want.File, m.Rule, describe(tr, m.Utterance))
			}
			for _, x := range extra {
				t.Errorf("%s: unexpected %s at %s%s", want.File, x.Rule, describe(tr, x.Utterance), evidenceOf(rec, x))
			}
			wantNA := slices.Clone(want.NotAssessable)
			slices.Sort(wantNA)
			if !slices.Equal(wantNA, rec.NotAssessable) {
				t.Errorf("%s: not assessable = %v, want %v", want.File, rec.NotAssessable, wantNA)
			}
			if t.Failed() {
				t.Logf("note: %s", want.Note)
			}
		})
	}
	for id, c := range golden.Calls {
		if !seen[id] {
			t.Errorf("golden.json: call %s (%s) has no transcript in testcalls/", id, c.File)
		}
	}
}

func describe(tr *scoring.Transcript, i int) string {
	if i < 0 || i >= len(tr.Utterances) {
		return "the call"
	}
	u := tr.Utterances[i]
	return fmt.Sprintf("#%d (%s: %s)", i, u.Speaker, u.Text)
}

func evidenceOf(rec *scoring.Record, x accuracy.Expected) string {
	var ev []string
	for _, f := range rec.Findings {
		if f.Rule == x.Rule && f.Utterance == x.Utterance {
			ev = append(ev, fmt.Sprintf("%q %s", f.Evidence, f.Message))
		}
	}
	if len(ev) == 0 {
		return ""
	}
	return " — " + strings.Join(ev, "; ")
}

// TestCorpusCoverage checks the corpus pins every rule: each fires in at
// least three calls.
func TestCorpusCoverage(t *testing.T) {
	golden, err := accuracy.LoadGolden(filepath.Join(corpusDir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(golden.Calls) < 80 {
		t.Errorf("corpus holds %d calls, want at least 80", len(golden.Calls))
	}
	fires := map[string]map[string]bool{}
	for id, c := range golden.Calls {
		for _, f := range c.Findings {
			if fires[f.Rule] == nil {
				fires[f.Rule] = map[string]bool{}
			}
			fires[f.Rule][id] = true
		}
	}
	for _, rule := range lexicon.RuleIDs {
		if n := len(fires[rule]); n < 3 {
			t.Errorf("rule %s fires in %d corpus calls, want at least 3", rule, n)
		}
	}
}
