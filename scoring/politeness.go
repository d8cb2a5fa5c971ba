package scoring

import "callqa/lexicon"

func checkPolitePhrasing(c *call) {
	last := map[int]bool{}
	for _, i := range c.lastAgentTurn() {
		last[i] = true
	}
	for _, i := range c.agentUtts() {
		u := c.utts[i]
		for h := range u.each(c.ids.politeForms, c.ids.politePrefix) {
			if u.inside(h, c.ids.greetings) || (last[i] && u.inside(h, c.ids.farewells)) {
				continue
			}
			return
		}
	}
	c.finding(lexicon.RulePolitePhrasing, -1, nil, "")
}

// inside reports whether h lies within a hit of list l.
func (x *utt) inside(h hit, l listID) bool {
	for o := range x.each(l) {
		if h.within(o.start, o.end) {
			return true
		}
	}
	return false
}

func checkInformalAddress(c *call) {
	for _, i := range c.agentUtts() {
		u := c.utts[i]
		for h := range u.each(c.ids.informal) {
			if u.inside(h, c.ids.greetings) || c.reported(u, h) {
				continue
			}
			if int(h.end) < len(u.view) && u.view[h.end] == '们' {
				continue // plural 你们 addresses no one customer
			}
			c.finding(lexicon.RulePoliteInformalAddress, i, &h, "")
			break
		}
	}
}
