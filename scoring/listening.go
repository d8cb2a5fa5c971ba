package scoring

import (
	"fmt"
	"strings"

	"callqa/lexicon"
)

func checkAcknowledge(c *call) {
	th := c.scheme.Thresholds
	for _, t := range c.turns {
		if t.speaker != Customer {
			continue
		}
		chars := 0
		for _, i := range t.utts {
			chars += c.utts[i].hanDigits
		}
		first, last := &c.t.Utterances[t.utts[0]], &c.t.Utterances[t.utts[len(t.utts)-1]]
		// The customer's speaking time, not the turn's span: a turn may
		// hold a long hold between its utterances.
		var dur int64
		if c.timed {
			for _, i := range t.utts {
				dur += c.t.Utterances[i].EndMS - c.t.Utterances[i].StartMS
			}
		}
		if chars < th.LongTurnChars && (!c.timed || dur < th.LongTurnMS) {
			continue
		}
		// The agent may acknowledge while the customer talks (a timed
		// backchannel) or in the next turn.
		candidates := c.agentTurnsAfter(t.utts[len(t.utts)-1], 1)
		if c.timed {
			for _, i := range c.agentUtts() {
				a := &c.t.Utterances[i]
				if a.StartMS >= first.StartMS && a.StartMS < last.EndMS {
					candidates = append(candidates, i)
				}
			}
		}
		if len(candidates) == 0 {
			continue // the call ended on the customer's words
		}
		acked := false
		for _, i := range candidates {
			if c.acknowledges(c.utts[i]) {
				acked = true
				break
			}
		}
		if acked {
			continue
		}
		detail := fmt.Sprintf("(%d字)", chars)
		if c.timed && dur >= th.LongTurnMS {
			detail = fmt.Sprintf("(%s秒)", seconds(dur))
		}
		c.finding(lexicon.RuleListeningAcknowledge, t.utts[len(t.utts)-1], nil, detail)
	}
}

// acknowledges reports whether an agent utterance holds an acknowledgement
// standing as a word of its own: 嗯 anywhere; 明白了 and the like anywhere
// but after a negation; any other acknowledgement opening a clause, not
// turned into a question tag (对吧, 是吗), and — when it is a single
// character such as 是 or 对 — standing alone or before another
// acknowledgement, so the copula of 是户主吗 is no acknowledgement.
func (c *call) acknowledges(u *utt) bool {
	if u.hasFillerAck {
		return true
	}
	for h := range u.each(c.ids.ackAnywhere, c.ids.acks) {
		switch h.list {
		case c.ids.ackAnywhere:
			if !c.negated(u, h) && !c.tagged(u, h) {
				return true
			}
		case c.ids.acks:
			if h.start > 0 && u.view[h.start-1] != ' ' {
				continue
			}
			if c.tagged(u, h) {
				continue
			}
			if h.end-h.start > 1 || int(h.end) == len(u.view) || u.view[h.end] == ' ' || c.ackAt(u, h.end) {
				return true
			}
		}
	}
	return false
}

// tagged reports whether a question tag follows h right away (对吗).
func (c *call) tagged(u *utt, h hit) bool {
	for o := range u.each(c.ids.questionTags) {
		if o.start == h.end {
			return true
		}
	}
	return false
}

// ackAt reports whether an acknowledgement starts at view offset p.
func (c *call) ackAt(u *utt, p int32) bool {
	for o := range u.each(c.ids.acks) {
		if o.start == p {
			return true
		}
	}
	return false
}

// negated reports whether a negation ends at most two runes before h in
// its clause (没有意见, 不是要投诉, 没有停电).
func (c *call) negated(u *utt, h hit) bool {
	cs, _ := u.clause(h.start)
	for o := range u.each(c.ids.negations) {
		if o.start >= cs && o.end <= h.start && h.start-o.end <= 2 {
			return true
		}
	}
	// 不明白 is one word for gse, so its 不 is no hit of its own.
	return h.start > 0 && (u.view[h.start-1] == '不' || u.view[h.start-1] == '没')
}

// confirmItem is something the customer gave that the agent must repeat or
// confirm: a phone or account number, or an address.
type confirmItem struct {
	kind   string
	span   hit
	digits string // the number's digits; "" for an address
	text   string // the matched view text
}

func checkConfirm(c *call) {
	within := c.scheme.Thresholds.ConfirmWithinTurns
	for i, u := range c.utts {
		if u == nil || u.speaker != Customer {
			continue
		}
		items := c.confirmItems(u)
		if len(items) == 0 {
			continue
		}
		scope := c.agentTurnsAfter(i, within)
		if len(scope) == 0 {
			continue // nobody was left to confirm it
		}
		if c.anyHit(scope, c.ids.confirm) {
			continue
		}
		missed := items[:0]
		for _, it := range items {
			if !c.repeated(it, scope) {
				missed = append(missed, it)
			}
		}
		if len(missed) < len(items) || len(missed) == 0 {
			// Repeating one of what the customer gave confirms the
			// utterance: agents read back the number that matters.
			continue
		}
		it := missed[0]
		c.finding(lexicon.RuleListeningConfirm, i, &it.span, it.kind)
	}
}

// confirmItems finds the numbers and addresses in a customer utterance.
func (c *call) confirmItems(u *utt) []confirmItem {
	var items []confirmItem
	taken := func(h hit) bool {
		for _, it := range items {
			if it.span.overlaps(h) {
				return true
			}
		}
		return false
	}
	sets := []struct{ set, kind string }{
		{lexicon.PatternAccount, "户号"},
		{lexicon.PatternPhone, "电话号码"},
		{lexicon.PatternAddress, "地址"},
	}
	for _, s := range sets {
		if s.set != lexicon.PatternAddress && u.digits == 0 {
			continue // numbers need digits
		}
		for _, h := range patternHits(u, c.e.c.patterns[s.set]) {
			if taken(h) {
				continue
			}
			text := string(u.view[h.start:h.end])
			it := confirmItem{kind: s.kind, span: h, text: text}
			if s.set != lexicon.PatternAddress {
				it.digits = digitsOf(text)
			}
			items = append(items, it)
		}
	}
	return items
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// repeated reports whether the agent read the item back in the scope: a
// run of the number's digits, or the end of the address (阳光小区 of 我家住在
// 阳光小区).
func (c *call) repeated(it confirmItem, scope []int) bool {
	n := c.scheme.Thresholds.RepeatMinDigits
	for _, i := range scope {
		view := c.utts[i].viewStr
		if it.digits != "" {
			agent := digitsOf(view)
			if len(it.digits) <= n {
				if strings.Contains(agent, it.digits) {
					return true
				}
				continue
			}
			for k := 0; k+n <= len(it.digits); k++ {
				if strings.Contains(agent, it.digits[k:k+n]) {
					return true
				}
			}
			continue
		}
		r := []rune(it.text)
		tail := string(r[max(len(r)-4, 0):])
		if strings.Contains(view, tail) {
			return true
		}
	}
	return false
}
