package scoring_test

import (
	"slices"
	"testing"

	"callqa/accuracy"
	"callqa/callgen"
)

// TestGeneratedCalls scores calls from callgen, written independently of
// the scorer with phrasings of its own, and compares the findings with the
// violations the generator injected: exactly, utterance by utterance, with
// its hard negatives (exempt phrasings) in between.
func TestGeneratedCalls(t *testing.T) {
	e := testEngine(t)
	n := 1500
	if testing.Short() {
		n = 300
	}
	for _, seed := range []uint64{11, 12} {
		g, err := callgen.New(callgen.Options{Seed: seed, Lexicon: e.Lexicon()})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			tr, meta := g.Generate(i)
			rec, err := e.Score(tr)
			if err != nil {
				t.Fatalf("seed %d call %d: %v", seed, i, err)
			}
			want := make([]accuracy.Expected, len(meta.Violations))
			for k, v := range meta.Violations {
				want[k] = accuracy.Expected{Rule: v.Rule, Utterance: v.Utterance}
			}
			missing, extra := accuracy.Diff(want, accuracy.FromRecord(rec))
			for _, m := range missing {
				t.Errorf("seed %d call %d (%s): missing %s at %s", seed, i, tr.CallID, m.Rule, describe(tr, m.Utterance))
			}
			for _, x := range extra {
				t.Errorf("seed %d call %d (%s): unexpected %s at %s%s", seed, i, tr.CallID, x.Rule, describe(tr, x.Utterance), evidenceOf(rec, x))
			}
			wantNA := slices.Clone(meta.NotAssessable)
			slices.Sort(wantNA)
			if !slices.Equal(wantNA, rec.NotAssessable) {
				t.Errorf("seed %d call %d (%s): not assessable %v, want %v", seed, i, tr.CallID, rec.NotAssessable, wantNA)
			}
		}
	}
}
