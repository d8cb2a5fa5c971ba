package callgen_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"callqa/callgen"
	"callqa/lexicon"
	"callqa/scoring"
)

// corpusSize is the number of calls the corpus tests look at: enough for
// the rarest default rate (profanity, 0.3%) to be expected 15 times.
const corpusSize = 5000

type generated struct {
	t    *scoring.Transcript
	meta *callgen.Meta
	json []byte
}

var (
	corpusOnce sync.Once
	corpus     []generated
	corpusErr  error
)

// defaultCorpus returns the first corpusSize calls of seed 1 with the
// default options, made once for all tests.
func defaultCorpus(t *testing.T) []generated {
	t.Helper()
	corpusOnce.Do(func() {
		g, err := callgen.New(callgen.Options{Seed: 1})
		if err != nil {
			corpusErr = err
			return
		}
		corpus = make([]generated, corpusSize)
		for i := range corpus {
			tr, m := g.Generate(i)
			b, err := json.MarshalIndent(tr, "", "  ")
			if err != nil {
				corpusErr = fmt.Errorf("call %d: %w", i, err)
				return
			}
			corpus[i] = generated{tr, m, b}
		}
	})
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return corpus
}

func newGen(t testing.TB, opts callgen.Options) *callgen.Generator {
	t.Helper()
	g, err := callgen.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func callJSON(t testing.TB, g *callgen.Generator, i int) []byte {
	t.Helper()
	b, err := json.MarshalIndent(g.Call(i), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeterminism(t *testing.T) {
	const n = 300
	ref := newGen(t, callgen.Options{Seed: 42})
	want := make([][]byte, n)
	for i := range want {
		want[i] = callJSON(t, ref, i)
	}

	t.Run("same seed, new generator", func(t *testing.T) {
		g := newGen(t, callgen.Options{Seed: 42})
		for i := range n {
			if got := callJSON(t, g, i); !bytes.Equal(got, want[i]) {
				t.Fatalf("call %d differs between two generators of seed 42", i)
			}
		}
	})
	t.Run("reverse order", func(t *testing.T) {
		g := newGen(t, callgen.Options{Seed: 42})
		for i := n - 1; i >= 0; i-- {
			if got := callJSON(t, g, i); !bytes.Equal(got, want[i]) {
				t.Fatalf("call %d differs when made after call %d", i, i+1)
			}
		}
	})
	t.Run("alone", func(t *testing.T) {
		g := newGen(t, callgen.Options{Seed: 42})
		if got := callJSON(t, g, 217); !bytes.Equal(got, want[217]) {
			t.Fatal("call 217 made alone differs from call 217 made in sequence")
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		g := newGen(t, callgen.Options{Seed: 42})
		got := make([][]byte, n)
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := w; i < n; i += 8 {
					b, err := json.MarshalIndent(g.Call(i), "", "  ")
					if err != nil {
						t.Error(err)
						return
					}
					got[i] = b
				}
			})
		}
		wg.Wait()
		for i := range n {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("call %d differs when made on 8 goroutines", i)
			}
		}
	})
	t.Run("other seed", func(t *testing.T) {
		g := newGen(t, callgen.Options{Seed: 43})
		same := 0
		for i := range n {
			if bytes.Equal(callJSON(t, g, i), want[i]) {
				same++
			}
		}
		if same > 0 {
			t.Fatalf("%d of %d calls of seed 43 equal those of seed 42", same, n)
		}
	})
}

var (
	agentIDPattern = regexp.MustCompile(`^A\d{4,}$`)
	teamPattern    = regexp.MustCompile(`^(95598-[一二三四五六七八九十]班|热线[一二三四五六七八九十]组)$`)
)

// TestContract checks that every call is a valid v1 transcript that
// scoring.ParseTranscript accepts and reads back unchanged, with the shape
// the design promises.
func TestContract(t *testing.T) {
	lex, err := lexicon.Default()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.FixedZone("", 8*3600))
	end := start.AddDate(0, 0, 30)
	ids := map[string]bool{}
	agents := map[string]string{} // agent id -> unit/team
	for i, c := range defaultCorpus(t) {
		tr := c.t
		parsed, err := scoring.ParseTranscript(tr.CallID+".json", c.json)
		if err != nil {
			t.Fatalf("call %d: ParseTranscript: %v\n%s", i, err, c.json)
		}
		again, err := json.MarshalIndent(parsed, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, c.json) {
			t.Fatalf("call %d does not survive a parse and write:\n%s\n---\n%s", i, c.json, again)
		}
		if ids[tr.CallID] {
			t.Fatalf("call %d: call id %s used twice", i, tr.CallID)
		}
		ids[tr.CallID] = true
		if !strings.HasPrefix(tr.CallID, tr.Unit+"-"+tr.StartedAt.Format("20060102")+"-") {
			t.Errorf("call %d: call id %s does not name unit %s and day", i, tr.CallID, tr.Unit)
		}
		if _, ok := lex.Unit(tr.Unit); !ok {
			t.Errorf("call %d: unit %q is not in the lexicon", i, tr.Unit)
		}
		if !agentIDPattern.MatchString(tr.AgentID) || !teamPattern.MatchString(tr.Team) {
			t.Errorf("call %d: agent %q of team %q", i, tr.AgentID, tr.Team)
		}
		home := tr.Unit + "/" + tr.Team
		if prev, ok := agents[tr.AgentID]; ok && prev != home {
			t.Errorf("call %d: agent %s works for %s and %s", i, tr.AgentID, prev, home)
		}
		agents[tr.AgentID] = home
		if tr.StartedAt.Before(start) || !tr.StartedAt.Before(end) {
			t.Errorf("call %d: started_at %v outside the 30 days from %v", i, tr.StartedAt, start)
		}
		if h := tr.StartedAt.Hour(); h < 8 || h >= 20 {
			t.Errorf("call %d: started at %v, outside working hours", i, tr.StartedAt)
		}
		if !bytes.Contains(c.json, []byte(`+08:00"`)) {
			t.Errorf("call %d: started_at not written in +08:00", i)
		}
		if n := len(tr.Utterances); n < 4 || n > 30 {
			t.Errorf("call %d: %d utterances, want 4 to 30", i, n)
		}
		var prevStart, lastEnd int64
		for j, u := range tr.Utterances {
			switch {
			case !u.Timed:
				t.Errorf("call %d: utterance %d has no times", i, j)
			case u.StartMS < prevStart:
				t.Errorf("call %d: utterance %d starts at %d, before utterance %d at %d", i, j, u.StartMS, j-1, prevStart)
			case u.EndMS <= u.StartMS:
				t.Errorf("call %d: utterance %d ends at %d, not after its start %d", i, j, u.EndMS, u.StartMS)
			case strings.TrimSpace(u.Text) == "":
				t.Errorf("call %d: utterance %d is empty", i, j)
			}
			prevStart, lastEnd = u.StartMS, max(lastEnd, u.EndMS)
		}
		if tr.Utterances[0].Speaker != scoring.Agent {
			t.Errorf("call %d: opened by %s, want the agent", i, tr.Utterances[0].Speaker)
		}
		if tr.DurationMS == nil || *tr.DurationMS < lastEnd {
			t.Errorf("call %d: duration_ms %v ends before the last utterance (%d)", i, tr.DurationMS, lastEnd)
		}
		if tr.Direction == scoring.Outbound && tr.RingMS == nil {
			t.Errorf("call %d: outbound call without ring_ms", i)
		}
		if c.meta.CallID != tr.CallID || c.meta.Unit != tr.Unit || c.meta.Direction != tr.Direction || c.meta.Index != i {
			t.Errorf("call %d: meta %+v does not describe the call", i, c.meta)
		}
		for _, v := range c.meta.Violations {
			if v.Utterance < -1 || v.Utterance >= len(tr.Utterances) || !lexicon.IsRule(v.Rule) || !lexicon.IsRule(v.Kind) {
				t.Errorf("call %d: bad violation %+v", i, v)
			}
		}
	}
}

// TestMix checks the shape of the corpus as a whole: both directions, all
// units, a realistic spread of lengths, topics and clean calls.
func TestMix(t *testing.T) {
	c := defaultCorpus(t)
	outbound, clean := 0, 0
	units := map[string]int{}
	topics := map[callgen.Topic]int{}
	lengths := map[int]int{}
	for _, g := range c {
		if g.t.Direction == scoring.Outbound {
			outbound++
		}
		if g.meta.Clean() {
			clean++
		}
		units[g.t.Unit]++
		topics[g.meta.Topic]++
		lengths[len(g.t.Utterances)/5]++
	}
	n := float64(len(c))
	if d := math.Abs(float64(outbound) - 0.15*n); d > 4*math.Sqrt(n*0.15*0.85)+1 {
		t.Errorf("%d outbound calls of %d, want about 15%%", outbound, len(c))
	}
	if clean < len(c)/2 {
		t.Errorf("%d clean calls of %d, want most calls clean", clean, len(c))
	}
	if len(units) != 4 {
		t.Errorf("calls of %d units, want all 4: %v", len(units), units)
	}
	for _, k := range []callgen.UnitKind{callgen.Power, callgen.Heat} {
		for _, d := range []scoring.Direction{scoring.Inbound, scoring.Outbound} {
			for _, tp := range callgen.Topics(k, d) {
				if topics[tp] == 0 {
					t.Errorf("no call of topic %s", tp)
				}
			}
		}
	}
	if len(lengths) < 3 {
		t.Errorf("call lengths (utterances/5) %v: want a spread", lengths)
	}
}

// TestRates checks that over the corpus every violation is injected at its
// configured rate, over the calls the rate applies to: the count must lie
// within four binomial standard deviations of the expectation, and no rule
// may go unexercised.
func TestRates(t *testing.T) {
	rates := callgen.DefaultRates()
	c := defaultCorpus(t)
	for _, rule := range lexicon.RuleIDs {
		p, ok := rates.Of(rule)
		if !ok {
			t.Fatalf("Rates has no rate for %s", rule)
		}
		n, k := 0, 0
		for _, g := range c {
			if !g.meta.Eligible(rule) {
				if g.meta.Injected(rule) {
					t.Errorf("call %d: %s injected where it does not apply", g.meta.Index, rule)
				}
				continue
			}
			n++
			if g.meta.Injected(rule) {
				k++
			}
		}
		mean := float64(n) * p
		tol := 4*math.Sqrt(mean*(1-p)) + 1
		t.Logf("%-24s %4d of %4d eligible calls (%.2f%%, want %.2f%% ± %.0f calls)", rule, k, n, 100*float64(k)/float64(max(n, 1)), 100*p, tol)
		if k == 0 {
			t.Errorf("%s: never injected in %d eligible calls", rule, n)
		}
		if math.Abs(float64(k)-mean) > tol {
			t.Errorf("%s: injected in %d of %d calls, want %.1f ± %.1f", rule, k, n, mean, tol)
		}
	}
}

// TestEligibility checks that the calls a rate applies to are the ones the
// rule judges.
func TestEligibility(t *testing.T) {
	for _, g := range defaultCorpus(t) {
		m := g.meta
		in := m.Direction == scoring.Inbound
		for rule, want := range map[string]bool{
			lexicon.RuleGreetingMissing:   in,
			lexicon.RuleAnswerLateApology: in,
			lexicon.RuleOutboundIntro:     !in,
			lexicon.RuleOutageETA:         m.Outage,
			lexicon.RuleComplaintThanks:   m.Complaint,
			lexicon.RuleClosingFarewell:   true,
		} {
			if m.Eligible(rule) != want {
				t.Fatalf("call %d (%s, %s): Eligible(%s) = %v, want %v", m.Index, m.Direction, m.Topic, rule, !want, want)
			}
		}
	}
}

// TestExemptKinds checks that the corpus carries every kind of hard
// negative.
func TestExemptKinds(t *testing.T) {
	seen := map[string]int{}
	for _, g := range defaultCorpus(t) {
		for _, e := range g.meta.Exempt {
			seen[e.Kind+" / "+e.Rule]++
			if !lexicon.IsRule(e.Rule) || e.Utterance < 0 || e.Utterance >= len(g.t.Utterances) {
				t.Errorf("call %d: bad hard negative %+v", g.meta.Index, e)
			}
		}
	}
	for _, want := range []string{
		"nihao_greeting / polite.informal_address",
		"unit_homophone / greeting.unit_missing",
		"spoken_hotline / greeting.unit_missing",
		"wei_then_greeting / greeting.missing",
		"late_with_apology / answer.late_apology",
		"hold_silence / timing.dead_air",
		"backchannel / timing.interrupt",
		"remedied_uncertainty / forbidden.evasive",
		"remedied_uncertainty / unable.commitment",
		"other_subject / forbidden.evasive",
		"polite_question / forbidden.evasive",
		"reported_speech / forbidden.evasive",
		"reported_speech / forbidden.profanity",
		"reported_speech / forbidden.rhetorical",
		"not_current_outage / outage.eta",
		"own_cause / outage.eta",
		"word_boundary / forbidden.profanity",
	} {
		if seen[want] == 0 {
			t.Errorf("no hard negative %s in %d calls", want, corpusSize)
		}
	}
	t.Logf("hard negatives: %v", seen)
}

// TestNoRates checks that with every rate zero no call carries a violation.
func TestNoRates(t *testing.T) {
	g := newGen(t, callgen.Options{Seed: 3, Rates: &callgen.Rates{}})
	for i := range 500 {
		if _, m := g.Generate(i); !m.Clean() {
			t.Fatalf("call %d has violations %+v with all rates zero", i, m.Violations)
		}
	}
}

// TestForcedRate checks that a rate of 1 injects the violation into every
// call it applies to (with no agent spread to thin it out).
func TestForcedRate(t *testing.T) {
	for _, rule := range lexicon.RuleIDs {
		t.Run(rule, func(t *testing.T) {
			var rates callgen.Rates
			rates.Set(rule, 1)
			mix := callgen.DefaultMix()
			mix.AgentSpread = 0
			g := newGen(t, callgen.Options{Seed: 5, Rates: &rates, Mix: &mix})
			n := 0
			for i := range 400 {
				_, m := g.Generate(i)
				if m.Eligible(rule) {
					n++
					if !m.Injected(rule) {
						t.Fatalf("call %d (%s): %s eligible but not injected at rate 1", i, m.Topic, rule)
					}
				}
				for _, v := range m.Violations {
					if v.Kind != rule {
						t.Fatalf("call %d: %s injected with only %s's rate set", i, v.Kind, rule)
					}
				}
			}
			if n == 0 {
				t.Fatalf("no call of 400 is eligible for %s", rule)
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	lex, err := lexicon.Default()
	if err != nil {
		t.Fatal(err)
	}
	bad := callgen.DefaultRates()
	bad.Evasive = 1.5
	badMix := callgen.DefaultMix()
	badMix.HangupSystem, badMix.HangupUnknown = 0.7, 0.5
	badUnit := lex.Units[0]
	badUnit.ID = "has space"
	for _, tc := range []struct {
		name string
		opts callgen.Options
		want string
	}{
		{"rate over 1", callgen.Options{Rates: &bad}, "Rates.Evasive"},
		{"hang-up shares over 1", callgen.Options{Mix: &badMix}, "Mix.HangupSystem"},
		{"negative days", callgen.Options{Days: -1}, "Days"},
		{"fewer agents than units", callgen.Options{Agents: 2}, "Agents"},
		{"unit id unfit for a call id", callgen.Options{Units: []lexicon.Unit{badUnit}}, "has space"},
		{"id prefix unfit for a call id", callgen.Options{IDPrefix: "a/b-"}, "IDPrefix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := callgen.New(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: error %v, want one naming %q", err, tc.want)
			}
		})
	}
}

// TestOptions checks that the sizing options shape the corpus.
func TestOptions(t *testing.T) {
	lex, err := lexicon.Default()
	if err != nil {
		t.Fatal(err)
	}
	heat, _ := lex.Unit("yongheng-heat")
	g := newGen(t, callgen.Options{
		Seed: 9, Units: []lexicon.Unit{*heat}, Agents: 5, TeamsPerUnit: 2, Days: 2,
		Start: time.Date(2027, 1, 10, 15, 0, 0, 0, time.UTC), IDPrefix: "bench-",
	})
	agents, teams := map[string]bool{}, map[string]bool{}
	for i := range 300 {
		tr, m := g.Generate(i)
		if tr.Unit != "yongheng-heat" || m.Kind != callgen.Heat {
			t.Fatalf("call %d is for %s (%s), want yongheng-heat", i, tr.Unit, m.Kind)
		}
		if !strings.HasPrefix(tr.CallID, "bench-yongheng-heat-2027011") {
			t.Fatalf("call id %s: want prefix, unit and a day of 10–11 Jan 2027", tr.CallID)
		}
		if d := tr.StartedAt.Day(); d != 10 && d != 11 {
			t.Fatalf("call %d started on day %d, want 10 or 11", i, d)
		}
		agents[tr.AgentID], teams[tr.Team] = true, true
	}
	if len(agents) != 5 || len(teams) != 2 {
		t.Fatalf("%d agents in %d teams, want 5 in 2", len(agents), len(teams))
	}
}

func BenchmarkCall(b *testing.B) {
	g := newGen(b, callgen.Options{Seed: 1})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g.Call(i)
		i++
	}
}

// BenchmarkCallJSON is a call made and written as the gen command writes
// it.
func BenchmarkCallJSON(b *testing.B) {
	g := newGen(b, callgen.Options{Seed: 1})
	b.ReportAllocs()
	i := 0
	var n int64
	for b.Loop() {
		buf, err := json.MarshalIndent(g.Call(i), "", "  ")
		if err != nil {
			b.Fatal(err)
		}
		n += int64(len(buf))
		i++
	}
	b.SetBytes(n / int64(max(i, 1)))
}
