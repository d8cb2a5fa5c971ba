package scoring

import (
	"fmt"

	"callqa/lexicon"
)

func checkInterrupt(c *call) {
	threshold := c.scheme.Thresholds.InterruptOverlapMS
	us := c.t.Utterances
	for _, i := range c.agentUtts() {
		a := &us[i]
		var worst int64
		// Utterances are in time order: only those starting before a can
		// be running when it starts.
		for j := 0; j < len(us) && us[j].StartMS < a.StartMS; j++ {
			cu := &us[j]
			if cu.Speaker != Customer || a.StartMS >= cu.EndMS {
				continue
			}
			worst = max(worst, min(a.EndMS, cu.EndMS)-a.StartMS)
		}
		if worst < threshold || c.backchannel(c.utts[i]) {
			continue
		}
		c.finding(lexicon.RuleTimingInterrupt, i, nil, seconds(worst)+"秒")
	}
}

// backchannel reports whether an agent utterance is nothing but
// acknowledgements (嗯嗯, 对对, 好的): listening, not interrupting.
func (c *call) backchannel(u *utt) bool {
	covered := make([]bool, len(u.view))
	acked := u.hasFillerAck
	for h := range u.each(c.ids.acks, c.ids.ackAnywhere) {
		for k := h.start; k < h.end; k++ {
			covered[k] = true
		}
		acked = true
	}
	if !acked {
		return false
	}
	for k, r := range u.view {
		if r != ' ' && !covered[k] {
			return false
		}
	}
	return true
}

// agentSpeech sums the agent's spoken characters and milliseconds.
func (c *call) agentSpeech() (chars int, ms int64) {
	for _, i := range c.agentUtts() {
		u := &c.t.Utterances[i]
		chars += c.utts[i].hanDigits
		ms += u.EndMS - u.StartMS
	}
	return chars, ms
}

func needsSpeechRate(c *call) string {
	if r := needsTimesAndRoles(c); r != "" {
		return r
	}
	if _, ms := c.agentSpeech(); ms < c.scheme.Thresholds.SpeechRateMinAgentMS {
		return fmt.Sprintf("only %s s of agent speech, under the %s s needed", seconds(ms), seconds(c.scheme.Thresholds.SpeechRateMinAgentMS))
	}
	return ""
}

func checkSpeechRate(c *call) {
	th := c.scheme.Thresholds
	chars, ms := c.agentSpeech()
	rate := float64(chars) / (float64(ms) / 1000)
	var detail string
	switch {
	case rate < th.SpeechRateMin:
		detail = "过慢"
	case rate > th.SpeechRateMax:
		detail = "过快"
	default:
		return
	}
	c.finding(lexicon.RuleTimingSpeechRate, -1, nil,
		fmt.Sprintf("%s(每秒%.1f字,适中为%.1f–%.1f字)", detail, rate, th.SpeechRateMin, th.SpeechRateMax))
}

func checkDeadAir(c *call) {
	limit := c.scheme.Thresholds.DeadAirMS
	us := c.t.Utterances
	latestEnd := us[0].EndMS
	// The speaker who may have asked the customer to hold: the agent, or
	// a speaker whose role is unknown.
	holder := func(s Speaker) bool { return s == Agent || s == UnknownSpeaker }
	lastAgent := -1
	if holder(us[0].Speaker) {
		lastAgent = 0
	}
	for k := 1; k < len(us); k++ {
		u := &us[k]
		if gap := u.StartMS - latestEnd; gap > limit {
			held := lastAgent >= 0 && c.utts[lastAgent].has(c.ids.holdRequests)
			if !held {
				c.finding(lexicon.RuleTimingDeadAir, k, nil, seconds(gap)+"秒")
			}
		}
		latestEnd = max(latestEnd, u.EndMS)
		if holder(u.Speaker) {
			lastAgent = k
		}
	}
}
