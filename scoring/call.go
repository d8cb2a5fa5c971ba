package scoring

import (
	"strings"

	"callqa/lexicon"
)

// call is one transcript being scored: its analyzed utterances, its turns
// and the findings so far.
type call struct {
	e      *Engine
	t      *Transcript
	unit   *lexicon.Unit
	scheme *lexicon.Scheme
	ids    *listIDs
	// unitList is the list of the call's unit's aliases.
	unitList listID

	// utts holds every utterance by index; system utterances are nil.
	utts  []*utt
	turns []turn
	// turnOf maps an utterance index to its turn, -1 for system ones.
	turnOf []int

	timed        bool
	rolesUnknown bool
	hasAgent     bool

	findings  []Finding
	na        []string
	naReasons map[string]string
}

// turn is a run of consecutive utterances by one speaker, system
// utterances skipped.
type turn struct {
	speaker Speaker
	utts    []int
}

func (e *Engine) newCall(a *analyzer, t *Transcript, unit *lexicon.Unit, scheme *lexicon.Scheme) *call {
	c := &call{
		e: e, t: t, unit: unit, scheme: scheme, ids: e.ids,
		unitList: e.c.unitLists[unit.ID],
		utts:     make([]*utt, len(t.Utterances)),
		turnOf:   make([]int, len(t.Utterances)),
		timed:    t.Timed(),
	}
	for i := range t.Utterances {
		u := &t.Utterances[i]
		c.turnOf[i] = -1
		switch u.Speaker {
		case Agent:
			c.hasAgent = true
		case Customer:
		case UnknownSpeaker:
			// Not judged, but analyzed: timing.dead_air gives an
			// unknown speaker's hold request the benefit of the doubt.
			c.rolesUnknown = true
			c.utts[i] = a.analyze(i, u, Agent, e.fillerAcks)
			continue
		default:
			continue
		}
		c.utts[i] = a.analyze(i, u, u.Speaker, e.fillerAcks)
		if n := len(c.turns); n > 0 && c.turns[n-1].speaker == u.Speaker {
			c.turns[n-1].utts = append(c.turns[n-1].utts, i)
		} else {
			c.turns = append(c.turns, turn{speaker: u.Speaker, utts: []int{i}})
		}
		c.turnOf[i] = len(c.turns) - 1
	}
	return c
}

// rolesReason says why agent-speech rules cannot be judged, or "".
func (c *call) rolesReason() string {
	switch {
	case c.rolesUnknown:
		if c.t.RolesNote != "" {
			return "speaker roles unknown: " + c.t.RolesNote
		}
		return "speaker roles unknown"
	case !c.hasAgent:
		return "no agent speech in the transcript"
	}
	return ""
}

func (c *call) notAssessable(rule, reason string) {
	c.na = append(c.na, rule)
	if c.naReasons == nil {
		c.naReasons = map[string]string{}
	}
	c.naReasons[rule] = reason
}

// firstAgentTurn returns the utterances of the first agent turn: the
// agent's utterances before the customer first speaks, or the agent's first
// turn if the customer spoke first.
func (c *call) firstAgentTurn() []int {
	for _, t := range c.turns {
		if t.speaker == Agent {
			return t.utts
		}
	}
	return nil
}

// lastAgentTurn returns the utterances of the agent's last turn.
func (c *call) lastAgentTurn() []int {
	for i := len(c.turns) - 1; i >= 0; i-- {
		if c.turns[i].speaker == Agent {
			return c.turns[i].utts
		}
	}
	return nil
}

// agentTurnsAfter returns up to n agent turns that start after utterance i,
// flattened into their utterance indexes.
func (c *call) agentTurnsAfter(i, n int) []int {
	var out []int
	start := 0
	if ti := c.turnOf[i]; ti >= 0 {
		start = ti + 1
	} else {
		for start < len(c.turns) && c.turns[start].utts[0] < i {
			start++
		}
	}
	for t := start; t < len(c.turns) && n > 0; t++ {
		if c.turns[t].speaker != Agent {
			continue
		}
		out = append(out, c.turns[t].utts...)
		n--
	}
	return out
}

// agentUtts returns the indexes of every agent utterance.
func (c *call) agentUtts() []int {
	var out []int
	for i, u := range c.utts {
		if u != nil && u.speaker == Agent {
			out = append(out, i)
		}
	}
	return out
}

// nextAgentUtt returns the index of the first agent utterance after i, or -1.
func (c *call) nextAgentUtt(i int) int {
	for j := i + 1; j < len(c.utts); j++ {
		if u := c.utts[j]; u != nil && u.speaker == Agent {
			return j
		}
	}
	return -1
}

// anyHit reports whether any of the utterances holds a hit of list l.
func (c *call) anyHit(idx []int, l listID) bool {
	for _, i := range idx {
		if c.utts[i].has(l) {
			return true
		}
	}
	return false
}

// finding adds a finding of rule at utterance ui (-1 for the call), with
// the evidence of view span h when given, and the detail the message adds.
func (c *call) finding(rule string, ui int, h *hit, detail string) {
	f := Finding{Rule: rule, Utterance: ui}
	if ui >= 0 {
		u := &c.t.Utterances[ui]
		if u.Timed {
			s, e := u.StartMS, u.EndMS
			f.StartMS, f.EndMS = &s, &e
		}
		if h != nil && c.utts[ui] != nil {
			ev, span := c.utts[ui].evidence(h.start, h.end)
			f.Evidence, f.Span = ev, &span
			f.Homophone = h.homophone
		}
	}
	info, _ := c.e.lex.Rule(rule)
	f.Clause = info.Clause
	f.Message = strings.NewReplacer("{evidence}", f.Evidence, "{detail}", detail).Replace(info.Message)
	c.findings = append(c.findings, f)
}
