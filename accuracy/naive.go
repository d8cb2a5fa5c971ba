package accuracy

import (
	"regexp"
	"strings"

	"callqa/lexicon"
	"callqa/scoring"
)

// Naive scores a call the way a keyword matcher would: plain substring
// search of the lexicon's phrase lists on the raw text, with no
// normalization, no word boundaries and no exemptions. Rules that read no
// phrases (hang-up, timing) are judged as the scorer judges them, so they
// show no difference. It exists to be compared with, never to score.
func Naive(lex *lexicon.Lexicon, t *scoring.Transcript) []Expected {
	n := naive{lex: lex, t: t}
	unit, ok := lex.Unit(t.Unit)
	if !ok {
		return nil
	}
	n.aliases = unit.Aliases
	n.turns()
	var out []Expected
	add := func(rule string, u int) { out = append(out, Expected{rule, u}) }
	inbound := t.Direction != scoring.Outbound
	first, last := n.firstAgentTurn(), n.lastAgentTurn()
	if first == nil {
		return out
	}

	if inbound {
		if !n.anyIn(first, lexicon.ListGreetings) {
			add(lexicon.RuleGreetingMissing, first[0])
		}
		if !n.anyAlias(first) {
			add(lexicon.RuleGreetingUnitMissing, first[0])
		}
		if t.RingMS != nil && *t.RingMS > int64(unit.RingLimit)*3000 && !n.anyIn(first, lexicon.ListApologies) {
			add(lexicon.RuleAnswerLateApology, first[0])
		}
	} else if !n.anyIn(first, lexicon.ListGreetings) || !n.anyAlias(first) || !n.anyIn(first, lexicon.ListOutboundPurpose) {
		add(lexicon.RuleOutboundIntro, first[0])
	}
	if !n.anyIn(last, lexicon.ListFarewells) {
		add(lexicon.RuleClosingFarewell, last[len(last)-1])
	}
	if !n.anyIn(n.agent, lexicon.ListPoliteForms) && !n.anyIn(n.agent, lexicon.ListPolitePrefix) {
		add(lexicon.RulePolitePhrasing, -1)
	}
	for _, i := range n.agent {
		if n.has(i, lexicon.ListInformalAddress) {
			add(lexicon.RulePoliteInformalAddress, i)
		}
		if n.has(i, lexicon.ListEvasive) || n.has(i, lexicon.ListUncertain) {
			add(lexicon.RuleForbiddenEvasive, i)
		}
		if n.has(i, lexicon.ListProfanity) {
			add(lexicon.RuleForbiddenProfanity, i)
		}
		if n.has(i, lexicon.ListRhetorical) {
			add(lexicon.RuleForbiddenRhetorical, i)
		}
		if n.has(i, lexicon.ListUnable) && !(n.has(i, lexicon.ListApologies) && n.has(i, lexicon.ListCommitments)) {
			add(lexicon.RuleUnableCommitment, i)
		}
	}
	if t.HangupBy == scoring.HangupAgent {
		add(lexicon.RuleHangupAgentFirst, -1)
	}
	digits := regexp.MustCompile(`[0-9]{7,}`)
	outage, complaint := false, false
	for ti, turn := range n.turnList {
		if turn.speaker != scoring.Customer {
			continue
		}
		chars := 0
		for _, i := range turn.utts {
			chars += len([]rune(t.Utterances[i].Text))
		}
		next := n.nextAgentTurn(ti)
		if chars >= 40 && next != nil && !n.anyIn(next, lexicon.ListAcknowledgements) {
			add(lexicon.RuleListeningAcknowledge, turn.utts[len(turn.utts)-1])
		}
		for _, i := range turn.utts {
			if digits.MatchString(t.Utterances[i].Text) && next != nil && !n.anyIn(next, lexicon.ListConfirmPhrases) {
				add(lexicon.RuleListeningConfirm, i)
			}
			later := n.agentAfter(i)
			if !outage && n.has(i, lexicon.ListOutageReports) {
				outage = true
				if !(n.anyIn(later, lexicon.ListApologies) && n.anyIn(later, lexicon.ListETAWords)) {
					add(lexicon.RuleOutageETA, i)
				}
			}
			if !complaint && n.has(i, lexicon.ListComplaintTriggers) {
				complaint = true
				if !n.anyIn(later, lexicon.ListComplaintThanks) {
					add(lexicon.RuleComplaintThanks, i)
				}
			}
		}
	}
	return out
}

type naiveTurn struct {
	speaker scoring.Speaker
	utts    []int
}

type naive struct {
	lex      *lexicon.Lexicon
	t        *scoring.Transcript
	aliases  []string
	turnList []naiveTurn
	agent    []int
}

func (n *naive) turns() {
	for i, u := range n.t.Utterances {
		if u.Speaker != scoring.Agent && u.Speaker != scoring.Customer {
			continue
		}
		if u.Speaker == scoring.Agent {
			n.agent = append(n.agent, i)
		}
		if k := len(n.turnList); k > 0 && n.turnList[k-1].speaker == u.Speaker {
			n.turnList[k-1].utts = append(n.turnList[k-1].utts, i)
			continue
		}
		n.turnList = append(n.turnList, naiveTurn{u.Speaker, []int{i}})
	}
}

func (n *naive) firstAgentTurn() []int {
	for _, t := range n.turnList {
		if t.speaker == scoring.Agent {
			return t.utts
		}
	}
	return nil
}

func (n *naive) lastAgentTurn() []int {
	for i := len(n.turnList) - 1; i >= 0; i-- {
		if n.turnList[i].speaker == scoring.Agent {
			return n.turnList[i].utts
		}
	}
	return nil
}

func (n *naive) nextAgentTurn(ti int) []int {
	for j := ti + 1; j < len(n.turnList); j++ {
		if n.turnList[j].speaker == scoring.Agent {
			return n.turnList[j].utts
		}
	}
	return nil
}

func (n *naive) agentAfter(i int) []int {
	var out []int
	for _, a := range n.agent {
		if a > i {
			out = append(out, a)
		}
	}
	return out
}

func (n *naive) has(i int, list string) bool {
	text := n.t.Utterances[i].Text
	for _, p := range n.lex.Lists[list].Phrases {
		if strings.Contains(text, p.Text) {
			return true
		}
	}
	return false
}

func (n *naive) anyIn(idx []int, list string) bool {
	for _, i := range idx {
		if n.has(i, list) {
			return true
		}
	}
	return false
}

func (n *naive) anyAlias(idx []int) bool {
	for _, i := range idx {
		for _, a := range n.aliases {
			if strings.Contains(n.t.Utterances[i].Text, a) {
				return true
			}
		}
	}
	return false
}
