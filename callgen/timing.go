package callgen

import (
	"callqa/lexicon"
	"callqa/scoring"
)

// Speech rates in Han characters and digits per second. A clean agent
// speaks at 3.5–5/s, well inside the scheme's 2.5–6/s; a violating one at
// more than 7/s or less than 2/s throughout.
const (
	agentRateMin, agentRateMax = 3.5, 5.0
	fastRateMin, fastRateMax   = 7.2, 8.8
	slowRateMin, slowRateMax   = 1.5, 2.0
	custRateMin, custRateMax   = 3.6, 5.5
)

// timing gives every utterance its start and end: 200–900 ms between
// turns, less between the pieces of one turn, the silences the lookups
// asked for, a backchannel over the customer, and the interrupt the
// dialogue placed.
func (c *call) timing() {
	agentLo, agentHi := agentRateMin, agentRateMax
	if c.drawn[vRate] {
		if c.r.chance(0.5) {
			agentLo, agentHi = fastRateMin, fastRateMax
		} else {
			agentLo, agentHi = slowRateMin, slowRateMax
		}
		c.violate(vRate, lexicon.RuleTimingSpeechRate, -1)
	}
	agentRate := c.r.uniform(agentLo, agentHi)
	custRate := c.r.uniform(custRateMin, custRateMax)

	var latest int64 // the latest end so far
	t := c.r.between64(0, 600)
	for i := range c.utts {
		u := &c.utts[i]
		chars := hanCount(u.text)
		var dur int64
		switch u.sp {
		case scoring.Agent:
			// Each utterance varies a little around the call's rate,
			// within the band the call's rate was drawn from.
			rate := min(max(agentRate*c.r.uniform(0.94, 1.06), agentLo), agentHi)
			dur = int64(float64(chars) * 1000 / rate)
		case scoring.System:
			dur = int64(chars) * 1000 / 4
		default:
			dur = int64(float64(chars) * 1000 / (custRate * c.r.uniform(0.95, 1.05)))
		}
		if u.sp == scoring.Agent {
			dur = max(dur, 120)
		} else {
			dur = max(dur, 300)
			if i+1 < len(c.utts) && c.utts[i+1].interrupt {
				dur = max(dur, minInterruptedMS)
			}
		}

		switch {
		case i == 0:
			u.start = t
		case u.backchannel:
			// Spoken inside the customer's utterance before it.
			prev := c.utts[i-1]
			dur = c.r.between64(1100, 1400)
			room := prev.end - prev.start - dur - 200
			u.start = prev.start + 200 + c.r.between64(0, max(room, 0))
		case u.interrupt:
			prev := c.utts[i-1]
			span := prev.end - prev.start
			overlap := c.r.between64(1200, min(2500, span-300, dur-100))
			u.start = prev.end - overlap
		case u.silence > 0:
			u.start = latest + u.silence
		case c.utts[i-1].sp == u.sp:
			u.start = latest + c.r.between64(150, 450)
		default:
			u.start = latest + c.r.between64(200, 900)
		}
		u.end = u.start + dur
		latest = max(latest, u.end)
	}
	c.duration = latest + c.r.between64(300, 1500)
}

// minInterruptedChars is the shortest customer utterance a backchannel is
// spoken over: at the fastest customer rate it lasts over 2.5 s, room for
// 1.1–1.4 s of 嗯嗯 inside it.
const minInterruptedChars = 15

// minInterruptingChars is the shortest agent utterance an interrupt is
// made of: at the fastest rate it still lasts the 1.3 s the overlap needs.
const minInterruptingChars = 12

// minInterruptedMS is how long a customer utterance that the agent
// interrupts lasts at least: the customer drawls a little, room for an
// overlap of 1.2–2.5 s that starts after the customer began.
const minInterruptedMS = 2900
