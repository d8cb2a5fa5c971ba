package scoring

import "callqa/lexicon"

// This file holds the rules about what the customer raises: a current
// outage, a complaint.

func checkOutageETA(c *call) {
	for i, u := range c.utts {
		if u == nil || u.speaker != Customer {
			continue
		}
		h, ok := c.currentOutage(u)
		if !ok {
			continue
		}
		// The first current report decides; later ones are the same outage.
		after := c.agentUttsAfter(i)
		if c.anyHit(after, c.ids.outageOwnCauses) {
			return
		}
		apology := c.anyHit(after, c.ids.apologies)
		eta := c.anyHit(after, c.ids.etaWords) || c.anyPattern(after, lexicon.PatternETA)
		if apology && eta {
			return
		}
		detail := "没有致歉"
		switch {
		case !apology && !eta:
			detail = "既没有致歉,也没有告知预计恢复或到达时间"
		case !eta:
			detail = "没有告知预计恢复或到达时间"
		}
		c.finding(lexicon.RuleOutageETA, i, &h, detail)
		return
	}
}

// currentOutage finds a report of a current loss of supply in a customer
// utterance: not negated, and not in a clause that places it in the past
// or future (上个月停过电, 明天停电吗) unless the clause also says it is
// still going on (昨天到现在一直没电).
func (c *call) currentOutage(u *utt) (hit, bool) {
	for h := range u.each(c.ids.outageReports) {
		if c.negated(u, h) {
			continue
		}
		cs, ce := u.clause(h.start)
		notCurrent, current := false, false
		for o := range u.each(c.ids.outageNotCurrent, c.ids.outageCurrent) {
			if !o.within(cs, ce) {
				continue
			}
			switch o.list {
			case c.ids.outageNotCurrent:
				notCurrent = true
			case c.ids.outageCurrent:
				current = true
			}
		}
		if notCurrent && !current {
			continue
		}
		return h, true
	}
	return hit{}, false
}

// agentUttsAfter returns every agent utterance after utterance i.
func (c *call) agentUttsAfter(i int) []int {
	var out []int
	for j := i + 1; j < len(c.utts); j++ {
		if u := c.utts[j]; u != nil && u.speaker == Agent {
			out = append(out, j)
		}
	}
	return out
}

func checkComplaintThanks(c *call) {
	for i, u := range c.utts {
		if u == nil || u.speaker != Customer {
			continue
		}
		h, ok := c.complaint(u)
		if !ok {
			continue
		}
		if c.anyHit(c.agentUttsAfter(i), c.ids.complaintThanks) {
			return
		}
		c.finding(lexicon.RuleComplaintThanks, i, &h, "")
		return
	}
}

// complaint finds a complaint or report (投诉, 举报, 反映…问题, 有意见) in a
// customer utterance that no negation undoes (没有意见, 不是要投诉).
func (c *call) complaint(u *utt) (hit, bool) {
	for h := range u.each(c.ids.complaintTriggers) {
		if !c.negated(u, h) {
			return h, true
		}
	}
	for _, h := range patternHits(u, c.e.c.patterns[lexicon.PatternComplaint]) {
		if !c.negated(u, h) {
			return h, true
		}
	}
	return hit{}, false
}
