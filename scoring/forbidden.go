package scoring

import (
	"unicode/utf8"

	"callqa/lexicon"
)

// reported reports whether h stands in words the agent attributes to
// someone else: inside quotation marks, or after a reported-speech marker
// (您是说…, 他骂您…) in its sentence.
func (c *call) reported(u *utt, h hit) bool {
	from := u.sentenceStart(h.start)
	for m := range u.each(c.ids.reportedSpeech) {
		if m.start < from || m.end > h.start {
			continue
		}
		// 您说的这个问题 is a relative clause, not speech.
		if int(m.end) < len(u.view) && u.view[m.end] == '的' {
			continue
		}
		return true
	}
	return u.quoted(from, h.start)
}

// quoted reports whether view offset at lies inside an open quotation in
// the original text of the sentence starting at view offset from.
func (x *utt) quoted(from, at int32) bool {
	s, _ := x.origSpan(from, from)
	e, _ := x.origSpan(at, at)
	var curly, corner, white, single, ascii, asciiSingle int
	i := 0
	for _, r := range x.src.Text {
		if i >= e {
			break
		}
		if i >= s {
			switch r {
			case '“':
				curly++
			case '”':
				curly--
			case '「':
				corner++
			case '」':
				corner--
			case '『':
				white++
			case '』':
				white--
			case '‘':
				single++
			case '’':
				single--
			case '"':
				ascii ^= 1
			case '\'':
				asciiSingle ^= 1
			}
		}
		i++
	}
	return curly > 0 || corner > 0 || white > 0 || single > 0 || ascii == 1 || asciiSingle == 1
}

// subjectIsOther reports whether the nearest subject before h in its clause
// is not the agent (您不知道, 他们不清楚). A pronoun right after a preposition
// (帮您, 跟您) is an object and does not count.
func (c *call) subjectIsOther(u *utt, h hit) bool {
	cs, _ := u.clause(h.start)
	nearest, found := hit{}, false
	for s := range u.each(c.ids.otherSubjects, c.ids.agentSubjects) {
		if s.start < cs || s.end > h.start {
			continue
		}
		if s.start > 0 && isPreposition(u.view[s.start-1]) {
			continue
		}
		if !found || s.start > nearest.start {
			nearest, found = s, true
		}
	}
	return found && nearest.list == c.ids.otherSubjects
}

func isPreposition(r rune) bool {
	switch r {
	case '给', '跟', '和', '帮', '为', '对', '向', '让', '替', '同', '与', '把', '被':
		return true
	}
	return false
}

// politeQuestion reports whether h (不知道) opens a polite question: 不知道您
// 这周哪天方便?
func (c *call) politeQuestion(u *utt, h hit) bool {
	opens := false
	for o := range u.each(c.ids.politeQuestion) {
		if o.start == h.start {
			opens = true
			break
		}
	}
	if !opens {
		return false
	}
	_, ce := u.clause(h.start)
	for o := range u.each(c.ids.questionEndings) {
		if o.start >= h.end && o.end <= ce {
			return true
		}
	}
	return u.clauseEndsInQuestion(ce)
}

// asksToRepeat reports whether the utterances hold a request to repeat.
func (c *call) asksToRepeat(idx []int) bool {
	return c.anyHit(idx, c.ids.repeatRequests)
}

// sameOrNextAgentUtt returns utterance i and the agent's next utterance.
func (c *call) sameOrNextAgentUtt(i int) []int {
	if j := c.nextAgentUtt(i); j >= 0 {
		return []int{i, j}
	}
	return []int{i}
}

// uncertaintyExempt reports whether an uncertainty phrase is not the agent
// evading: someone else's words or subject, a polite question, or a request
// to repeat. The remedy exemption of forbidden.evasive is checked apart,
// since unable.commitment asks more of a remedy.
func (c *call) uncertaintyExempt(u *utt, h hit) bool {
	return c.reported(u, h) || c.subjectIsOther(u, h) || c.politeQuestion(u, h) ||
		c.asksToRepeat(c.sameOrNextAgentUtt(u.index))
}

func checkEvasive(c *call) {
	for _, i := range c.agentUtts() {
		u := c.utts[i]
		for h := range u.each(c.ids.evasive, c.ids.uncertain) {
			switch h.list {
			case c.ids.evasive:
				if c.reported(u, h) {
					continue
				}
			case c.ids.uncertain:
				if c.uncertaintyExempt(u, h) {
					continue
				}
				scope := c.sameOrNextAgentUtt(i)
				if c.anyHit(scope, c.ids.apologies) && c.anyHit(scope, c.ids.remedyActions) {
					continue
				}
			}
			c.finding(lexicon.RuleForbiddenEvasive, i, &h, "")
			break
		}
	}
}

func checkProfanity(c *call) {
	for _, i := range c.agentUtts() {
		u := c.utts[i]
		for h := range u.each(c.ids.profanity) {
			if c.reported(u, h) {
				continue
			}
			detail := ""
			if h.homophone {
				detail = "(同音)"
			}
			c.finding(lexicon.RuleForbiddenProfanity, i, &h, detail)
			break
		}
	}
}

func checkRhetorical(c *call) {
	for _, i := range c.agentUtts() {
		u := c.utts[i]
		if h, ok := c.firstRhetorical(u); ok {
			c.finding(lexicon.RuleForbiddenRhetorical, i, &h, "")
		}
	}
}

// firstRhetorical finds the first rhetorical phrase or pattern in u that
// is the agent's own.
func (c *call) firstRhetorical(u *utt) (hit, bool) {
	best, found := hit{}, false
	consider := func(h hit) {
		if c.reported(u, h) {
			return
		}
		if !found || h.start < best.start {
			best, found = h, true
		}
	}
	for h := range u.each(c.ids.rhetorical) {
		consider(h)
	}
	for _, h := range patternHits(u, c.e.c.patterns[lexicon.PatternRhetorical]) {
		consider(h)
	}
	return best, found
}

// patternHits runs regular expressions over u's match view.
func patternHits(u *utt, ps []*pattern) []hit {
	var out []hit
	for _, p := range ps {
		if !p.mayMatch(u.view) {
			continue
		}
		for _, m := range p.re.FindAllStringIndex(u.viewStr, -1) {
			s := int32(utf8.RuneCountInString(u.viewStr[:m[0]]))
			e := s + int32(utf8.RuneCountInString(u.viewStr[m[0]:m[1]]))
			out = append(out, hit{list: -1, start: s, end: e})
		}
	}
	return out
}

func checkUnableCommitment(c *call) {
	for _, i := range c.agentUtts() {
		u := c.utts[i]
		for h := range u.each(c.ids.unable) {
			if c.uncertaintyExempt(u, h) {
				continue
			}
			scope := c.turnAndNextAgentTurn(i)
			apology := c.anyHit(scope, c.ids.apologies)
			// The trigger's own words promise nothing: 答复您 in 暂时无法答复您.
			commit := c.anyHitBesides(scope, c.ids.commitments, i, h) || c.anyPattern(scope, lexicon.PatternCommitmentTime)
			if apology && commit {
				break
			}
			detail := "没有致歉"
			switch {
			case !apology && !commit:
				detail = "既没有致歉,也没有承诺答复时间或回电"
			case !commit:
				detail = "没有承诺答复时间或回电"
			}
			c.finding(lexicon.RuleUnableCommitment, i, &h, detail)
			break
		}
	}
}

// anyHitBesides reports whether any of the utterances holds a hit of list
// l that does not overlap hit h of utterance ui.
func (c *call) anyHitBesides(idx []int, l listID, ui int, h hit) bool {
	for _, i := range idx {
		for o := range c.utts[i].each(l) {
			if !(i == ui && o.overlaps(h)) {
				return true
			}
		}
	}
	return false
}

// turnAndNextAgentTurn returns the utterances of i's turn and of the
// agent's next turn.
func (c *call) turnAndNextAgentTurn(i int) []int {
	ti := c.turnOf[i]
	out := append([]int(nil), c.turns[ti].utts...)
	return append(out, c.agentTurnsAfter(c.turns[ti].utts[len(c.turns[ti].utts)-1], 1)...)
}

// anyPattern reports whether a pattern of the named set matches in any of
// the utterances.
func (c *call) anyPattern(idx []int, set string) bool {
	for _, i := range idx {
		for _, p := range c.e.c.patterns[set] {
			if u := c.utts[i]; p.mayMatch(u.view) && p.re.MatchString(u.viewStr) {
				return true
			}
		}
	}
	return false
}
