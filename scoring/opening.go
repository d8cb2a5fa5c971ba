package scoring

import (
	"fmt"
	"strings"

	"callqa/lexicon"
)

// pos orders hits across the utterances of a turn.
type pos struct {
	utt   int
	start int32
	end   int32
}

func (p pos) before(o pos) bool {
	return p.utt < o.utt || (p.utt == o.utt && p.end <= o.start)
}

// hitsIn returns the positions of every hit of list l in the utterances.
func (c *call) hitsIn(idx []int, l listID) []pos {
	var out []pos
	for _, i := range idx {
		for h := range c.utts[i].each(l) {
			out = append(out, pos{i, h.start, h.end})
		}
	}
	return out
}

func checkGreetingMissing(c *call) {
	turn := c.firstAgentTurn()
	if len(c.hitsIn(turn, c.ids.greetings)) > 0 {
		return
	}
	c.finding(lexicon.RuleGreetingMissing, turn[0], nil, "")
}

func checkGreetingUnit(c *call) {
	turn := c.firstAgentTurn()
	greetings := c.hitsIn(turn, c.ids.greetings)
	aliases := c.hitsIn(turn, c.unitList)
	if len(greetings) == 0 {
		// Without a greeting only greeting.missing fires, as long as the
		// unit is named at all.
		if len(aliases) == 0 {
			c.finding(lexicon.RuleGreetingUnitMissing, turn[0], nil, "没有报单位名称")
		}
		return
	}
	first := greetings[0]
	for _, a := range aliases {
		if first.before(a) {
			return
		}
	}
	if len(aliases) > 0 {
		a := aliases[0]
		h := hit{start: a.start, end: a.end}
		c.finding(lexicon.RuleGreetingUnitMissing, a.utt, &h, "先报单位名称后问候,问候后没有报单位名称")
		return
	}
	c.finding(lexicon.RuleGreetingUnitMissing, turn[0], nil, "问候后没有报单位名称")
}

func checkOutboundIntro(c *call) {
	turn := c.firstAgentTurn()
	var missing []string
	if len(c.hitsIn(turn, c.ids.greetings)) == 0 {
		missing = append(missing, "问候")
	}
	if !c.introducesUnit(turn) {
		missing = append(missing, "自报单位(我是…单位名称)")
	}
	if len(c.hitsIn(turn, c.ids.outboundPurpose)) == 0 {
		missing = append(missing, "说明来意或征询是否方便")
	}
	if len(missing) > 0 {
		c.finding(lexicon.RuleOutboundIntro, turn[0], nil, strings.Join(missing, "、"))
	}
}

// introducesUnit reports whether a self-introduction (我是 …) is followed in
// its sentence by one of the unit's names.
func (c *call) introducesUnit(turn []int) bool {
	for _, i := range turn {
		u := c.utts[i]
		for in := range u.each(c.ids.selfIntro) {
			for a := range u.each(c.unitList) {
				if a.start >= in.end && u.sentenceStart(a.start) <= in.start {
					return true
				}
			}
		}
	}
	return false
}

func checkLateApology(c *call) {
	limit := int64(c.unit.RingLimit) * c.scheme.Thresholds.RingMSPerRing
	ring := *c.t.RingMS
	if ring <= limit {
		return
	}
	turn := c.firstAgentTurn()
	if len(c.hitsIn(turn, c.ids.apologies)) > 0 {
		return
	}
	c.finding(lexicon.RuleAnswerLateApology, turn[0], nil,
		fmt.Sprintf("%s秒(超过%d声%s秒)", seconds(ring), c.unit.RingLimit, seconds(limit)))
}

func checkFarewell(c *call) {
	turn := c.lastAgentTurn()
	if len(c.hitsIn(turn, c.ids.farewells)) > 0 {
		return
	}
	c.finding(lexicon.RuleClosingFarewell, turn[len(turn)-1], nil, "")
}

// seconds formats milliseconds as seconds with at most one decimal.
func seconds(ms int64) string {
	if ms%1000 == 0 {
		return fmt.Sprintf("%d", ms/1000)
	}
	return fmt.Sprintf("%.1f", float64(ms)/1000)
}
