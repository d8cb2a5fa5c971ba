package callgen

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"callqa/lexicon"
	"callqa/scoring"
)

// This file checks that the Meta tells the truth: an oracle, far simpler
// than the scorer, reads each call with the lexicon's lists and the
// scheme's thresholds and confirms that a rule's tell-tale is there exactly
// where a violation of it was injected. It reads phrases as substrings, so
// it is stricter than the scorer's word matching; where a hard negative
// holds a phrase on purpose, the Meta says so.

type oracle struct {
	lex *lexicon.Lexicon
	b   banLists
	th  lexicon.Thresholds
}

func newOracle(t *testing.T) *oracle {
	t.Helper()
	lex, err := lexicon.Default()
	if err != nil {
		t.Fatal(err)
	}
	b, err := newBanLists(lex)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := lex.Unit("sgcc-hz")
	return &oracle{lex: lex, b: b, th: lex.SchemeFor(u).Thresholds}
}

func (o *oracle) list(name string) []string {
	var out []string
	for _, p := range o.lex.Lists[name].Phrases {
		out = append(out, p.Text)
	}
	return out
}

// turns splits a call's utterances into turns of one speaker, system
// utterances left out; each turn is a list of utterance indices.
func turns(tr *scoring.Transcript) [][]int {
	var out [][]int
	for i, u := range tr.Utterances {
		if u.Speaker == scoring.System {
			continue
		}
		if n := len(out); n > 0 && tr.Utterances[out[n-1][0]].Speaker == u.Speaker {
			out[n-1] = append(out[n-1], i)
			continue
		}
		out = append(out, []int{i})
	}
	return out
}

func turnText(tr *scoring.Transcript, turn []int) string {
	var b strings.Builder
	for _, i := range turn {
		b.WriteString(tr.Utterances[i].Text)
		b.WriteString("。")
	}
	return b.String()
}

func violatedAt(m *Meta, rule string, u int) bool {
	return slices.ContainsFunc(m.Violations, func(v Violation) bool { return v.Rule == rule && v.Utterance == u })
}

func exemptAt(m *Meta, rule string, u int) bool {
	return slices.ContainsFunc(m.Exempt, func(e Exempt) bool { return e.Rule == rule && e.Utterance == u })
}

func fires(m *Meta, rule string) bool {
	return slices.ContainsFunc(m.Violations, func(v Violation) bool { return v.Rule == rule })
}

// check returns the ways the call's text disagrees with its Meta.
func (o *oracle) check(tr *scoring.Transcript, m *Meta) []string {
	var bad []string
	fail := func(format string, args ...any) {
		bad = append(bad, fmt.Sprintf(format, args...))
	}
	ts := turns(tr)
	utt := tr.Utterances
	var firstAgent, lastAgent []int
	for _, t := range ts {
		if utt[t[0]].Speaker == scoring.Agent {
			if firstAgent == nil {
				firstAgent = t
			}
			lastAgent = t
		}
	}
	first, last := turnText(tr, firstAgent), turnText(tr, lastAgent)

	// Hang-up.
	if (tr.HangupBy == scoring.HangupAgent) != fires(m, lexicon.RuleHangupAgentFirst) {
		fail("hangup_by %s, meta says agent-first %v", tr.HangupBy, fires(m, lexicon.RuleHangupAgentFirst))
	}
	// Greeting and late apology (inbound).
	if m.Direction == scoring.Inbound {
		greets := containsAny(first, o.list(lexicon.ListGreetings))
		if greets == fires(m, lexicon.RuleGreetingMissing) {
			fail("first agent turn %q greets %v, meta says greeting.missing %v", first, greets, !greets)
		}
		u, _ := o.lex.Unit(tr.Unit)
		if tr.RingMS != nil && *tr.RingMS > int64(u.RingLimit)*o.th.RingMSPerRing {
			sorry := containsAny(first, o.list(lexicon.ListApologies))
			if sorry == fires(m, lexicon.RuleAnswerLateApology) {
				fail("late answer, first turn %q apologizes %v, meta says late_apology %v", first, sorry, !sorry)
			}
		} else if fires(m, lexicon.RuleAnswerLateApology) {
			fail("answered in time, yet late_apology injected")
		}
	}
	// Farewell.
	bye := containsAny(last, o.list(lexicon.ListFarewells))
	if bye == fires(m, lexicon.RuleClosingFarewell) {
		fail("last agent turn %q has a farewell %v, meta says closing.farewell %v", last, bye, !bye)
	}
	// Polite forms: a curt call has none beyond greeting and farewell words.
	polite := false
	for _, t := range ts {
		if utt[t[0]].Speaker != scoring.Agent {
			continue
		}
		text := turnText(tr, t)
		for _, g := range []string{"您好", "你好"} {
			text = strings.ReplaceAll(text, g, "")
		}
		if slices.Equal(t, lastAgent) {
			for _, f := range o.list(lexicon.ListFarewells) {
				text = strings.ReplaceAll(text, f, "")
			}
		}
		polite = polite || containsAny(text, o.b.polite)
	}
	if polite == fires(m, lexicon.RulePolitePhrasing) {
		fail("agent uses polite forms %v, meta says polite.phrasing %v", polite, !polite)
	}
	// Forbidden phrases stand only where injected or exempt.
	for i, u := range utt {
		if u.Speaker != scoring.Agent {
			continue
		}
		for _, c := range []struct{ list, rule string }{
			{lexicon.ListProfanity, lexicon.RuleForbiddenProfanity},
			{lexicon.ListRhetorical, lexicon.RuleForbiddenRhetorical},
			{lexicon.ListEvasive, lexicon.RuleForbiddenEvasive},
			{lexicon.ListUncertain, lexicon.RuleForbiddenEvasive},
			{lexicon.ListUnable, lexicon.RuleUnableCommitment},
		} {
			phrases := o.list(c.list)
			if c.list == lexicon.ListProfanity {
				phrases = slices.DeleteFunc(phrases, func(p string) bool { return len([]rune(p)) == 1 || p == "sb" })
			}
			if containsAny(u.Text, phrases) && !violatedAt(m, c.rule, i) && !exemptAt(m, c.rule, i) {
				fail("utterance %d %q holds a %s phrase, neither injected nor exempt", i, u.Text, c.list)
			}
		}
		// 你 addressing the customer, outside the greeting and plural.
		if informal(u.Text) != violatedAt(m, lexicon.RulePoliteInformalAddress, i) && !exemptAt(m, lexicon.RulePoliteInformalAddress, i) &&
			!strings.Contains(u.Text, "“") {
			fail("utterance %d %q: informal 你 %v, meta disagrees", i, u.Text, informal(u.Text))
		}
	}
	// Timing: overlaps, silences, speech rate.
	var latest, agentMS int64
	agentChars := 0
	for j, u := range utt {
		if j > 0 && u.StartMS-latest > o.th.DeadAirMS && !violatedAt(m, lexicon.RuleTimingDeadAir, j) && !exemptAt(m, lexicon.RuleTimingDeadAir, j) {
			fail("silence of %d ms before utterance %d, neither injected nor exempt", u.StartMS-latest, j)
		}
		if exemptAt(m, lexicon.RuleTimingDeadAir, j) {
			k := j - 1
			for k >= 0 && utt[k].Speaker != scoring.Agent {
				k--
			}
			if k < 0 || !containsAny(utt[k].Text, o.list(lexicon.ListHoldRequests)) {
				fail("hold silence before utterance %d, but the agent's last words before it ask for no hold", j)
			}
		}
		if violatedAt(m, lexicon.RuleTimingDeadAir, j) && u.StartMS-latest <= o.th.DeadAirMS {
			fail("dead air injected before utterance %d, but the silence is %d ms", j, u.StartMS-latest)
		}
		if u.Speaker == scoring.Agent {
			agentMS += u.EndMS - u.StartMS
			agentChars += hanCount(u.Text)
			overlap := false
			for i := 0; i < j; i++ {
				c := utt[i]
				if c.Speaker == scoring.Customer && u.StartMS > c.StartMS && u.StartMS < c.EndMS &&
					min(c.EndMS, u.EndMS)-u.StartMS >= o.th.InterruptOverlapMS {
					overlap = true
				}
			}
			if overlap && !violatedAt(m, lexicon.RuleTimingInterrupt, j) && !exemptAt(m, lexicon.RuleTimingInterrupt, j) {
				fail("agent utterance %d talks over the customer, neither injected nor exempt", j)
			}
			if !overlap && violatedAt(m, lexicon.RuleTimingInterrupt, j) {
				fail("interrupt injected at %d, but there is no overlap of %d ms", j, o.th.InterruptOverlapMS)
			}
		}
		latest = max(latest, u.EndMS)
	}
	rate := float64(agentChars) * 1000 / float64(agentMS)
	inRange := rate >= o.th.SpeechRateMin && rate <= o.th.SpeechRateMax
	if inRange == fires(m, lexicon.RuleTimingSpeechRate) {
		fail("agent speech rate %.2f/s, meta says speech_rate %v", rate, !inRange)
	}
	// Long customer turns are acknowledged unless injected.
	long := map[int]bool{}
	for k, t := range ts {
		if utt[t[0]].Speaker != scoring.Customer || k+1 >= len(ts) {
			continue
		}
		chars, speaking := 0, int64(0)
		for _, i := range t {
			chars += hanCount(utt[i].Text)
			speaking += utt[i].EndMS - utt[i].StartMS
		}
		if chars < o.th.LongTurnChars && speaking < o.th.LongTurnMS {
			continue
		}
		acked := o.b.clauseStartsWithAck(turnText(tr, ts[k+1]))
		long[t[len(t)-1]] = true
		if acked == violatedAt(m, lexicon.RuleListeningAcknowledge, t[len(t)-1]) {
			fail("long customer turn ending at %d acknowledged %v, meta disagrees", t[len(t)-1], acked)
		}
	}
	for _, v := range m.Violations {
		if v.Rule == lexicon.RuleListeningAcknowledge && !long[v.Utterance] {
			fail("listening.acknowledge injected at %d, which ends no long customer turn", v.Utterance)
		}
	}
	// Complaints are thanked unless injected.
	if m.Complaint {
		thanked := false
		for _, u := range utt[m.firstComplaint(tr):] {
			thanked = thanked || u.Speaker == scoring.Agent && containsAny(u.Text, o.b.thanks)
		}
		if thanked == fires(m, lexicon.RuleComplaintThanks) {
			fail("complaint thanked %v, meta says complaint.thanks %v", thanked, !thanked)
		}
	}
	// Network outages get an apology and a time unless injected.
	if m.Outage {
		var after strings.Builder
		for _, u := range utt[m.firstOutage():] {
			if u.Speaker == scoring.Agent {
				after.WriteString(u.Text)
			}
		}
		s := after.String()
		ok := containsAny(s, o.b.apology) && (containsAny(s, o.b.eta) || matchesAny(s, o.b.etaRe))
		if ok == fires(m, lexicon.RuleOutageETA) {
			fail("outage answered with apology and time %v, meta says outage.eta %v", ok, !ok)
		}
		if containsAny(s, o.b.ownCause) {
			fail("network outage call names a customer-side cause, which exempts it")
		}
	}
	return bad
}

// informal reports whether s says 你 other than in 你好 or 你们.
func informal(s string) bool {
	rs := []rune(s)
	for i, r := range rs {
		if r == '你' && (i+1 >= len(rs) || rs[i+1] != '好' && rs[i+1] != '们') {
			return true
		}
	}
	return false
}

func (m *Meta) firstComplaint(tr *scoring.Transcript) int {
	for _, v := range m.Violations {
		if v.Rule == lexicon.RuleComplaintThanks {
			return v.Utterance
		}
	}
	for i, u := range tr.Utterances {
		if u.Speaker == scoring.Customer && (strings.Contains(u.Text, "投诉") || strings.Contains(u.Text, "意见") || strings.Contains(u.Text, "反映")) {
			return i
		}
	}
	return 0
}

func (m *Meta) firstOutage() int {
	for _, v := range m.Violations {
		if v.Rule == lexicon.RuleOutageETA {
			return v.Utterance
		}
	}
	return 1
}
