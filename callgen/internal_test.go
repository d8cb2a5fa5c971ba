package callgen

import (
	"testing"

	"callqa/lexicon"
)

// rateSets are the violation rates the internal tests run at: the
// defaults, eight times them (many violations in one call), and a curt
// agent on every routine call.
func rateSets() map[string]Rates {
	high := DefaultRates()
	for _, id := range lexicon.RuleIDs {
		p, _ := high.Of(id)
		high.Set(id, min(1, p*8))
	}
	curt := DefaultRates()
	curt.NoPoliteForms = 1
	return map[string]Rates{"default": DefaultRates(), "8x": high, "curt": curt}
}

// TestCallsAcrossSeeds checks, over several seeds and rate sets, that
// every violation drawn for a call made it into the call, that no bank ran
// out of lines passing the call's bans, that calls keep to 4–30
// utterances, and that the Meta agrees with the oracle.
func TestCallsAcrossSeeds(t *testing.T) {
	o := newOracle(t)
	for name, rates := range rateSets() {
		for _, seed := range []uint64{7, 100, 101} {
			t.Run(name+"/seed "+itoa(int(seed)), func(t *testing.T) {
				g, err := New(Options{Seed: seed, Rates: &rates})
				if err != nil {
					t.Fatal(err)
				}
				failures := 0
				fail := func(format string, args ...any) {
					failures++
					if failures <= 20 {
						t.Errorf(format, args...)
					}
				}
				for i := range 1000 {
					c := newCall(g, i)
					c.run()
					tr := c.transcript()
					if c.misses > 0 {
						fail("call %d (%s): %d lines broke the call's bans: %q", i, c.meta.Topic, c.misses, c.missed)
					}
					for k := range nKinds {
						if c.drawn[k] != c.realized[k] {
							fail("call %d (%s, branch %d): %s drawn %v, realized %v", i, c.meta.Topic, c.branch, lexicon.RuleIDs[k], c.drawn[k], c.realized[k])
						}
					}
					if n := len(tr.Utterances); n < 4 || n > maxUtterances {
						fail("call %d (%s): %d utterances, want 4 to %d", i, c.meta.Topic, n, maxUtterances)
					}
					for _, msg := range o.check(tr, &c.meta) {
						fail("call %d (%s, %s): %s", i, c.meta.Topic, c.meta.Direction, msg)
					}
				}
				if failures > 20 {
					t.Errorf("… %d failures in all", failures)
				}
			})
		}
	}
}
