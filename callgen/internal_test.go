package callgen

import (
	"testing"

	"callqa/lexicon"
)

// TestEveryDrawRealized checks that every violation drawn for a call made
// it into the call, and that no bank ran out of lines passing the bans.
func TestEveryDrawRealized(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rates func() Rates
	}{
		{"default", DefaultRates},
		{"all", func() Rates {
			var r Rates
			for _, id := range lexicon.RuleIDs {
				r.Set(id, 1)
			}
			return r
		}},
		{"curt", func() Rates {
			r := DefaultRates()
			r.NoPoliteForms = 1
			return r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rates := tc.rates()
			g, err := New(Options{Seed: 7, Rates: &rates})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3000 {
				c := newCall(g, i)
				c.run()
				if c.misses > 0 {
					t.Errorf("call %d (%s): %d lines broke the call's bans: %q", i, c.meta.Topic, c.misses, c.missed)
				}
				for k := range nKinds {
					if c.drawn[k] != c.realized[k] {
						t.Errorf("call %d (%s, branch %d): %s drawn %v, realized %v", i, c.meta.Topic, c.branch, lexicon.RuleIDs[k], c.drawn[k], c.realized[k])
					}
				}
			}
		})
	}
}
