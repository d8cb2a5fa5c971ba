package callgen

import (
	"slices"
	"strings"
	"time"

	"callqa/lexicon"
	"callqa/scoring"
)

// Violation kinds by index; the order is that of lexicon.RuleIDs.
const (
	vGreeting = iota
	vUnit
	vOutbound
	vLate
	vFarewell
	vPolite
	vInformal
	vEvasive
	vProfanity
	vRhetorical
	vHangup
	vAck
	vConfirm
	vUnable
	vOutage
	vComplaint
	vInterrupt
	vRate
	vDeadAir
	nKinds
)

// utt is an utterance being built, with the hints the timing pass reads.
type utt struct {
	sp   scoring.Speaker
	text string
	// protect keeps ASR noise (fillers, lost punctuation, splits, slips)
	// and the informal-address swap off an utterance whose exact words a
	// violation or a hard negative depends on.
	protect bool
	// silence is a fixed silence before the utterance in ms; 0 draws a
	// normal gap.
	silence int64
	// interrupt starts this agent utterance over the customer's before.
	interrupt bool
	// backchannel is an agent 嗯嗯 spoken over the customer's utterance
	// before it.
	backchannel bool
	start, end  int64
}

// customer is one caller of the pool.
type customer struct {
	name  string // 陈先生
	phone string // digits
	acct  string // digits
	addr  string // as said
}

// call is the state of one call being generated.
type call struct {
	g       *Generator
	r       rng
	meta    Meta
	unit    *unitInfo
	agent   *agent
	cust    customer
	topic   *topicDef
	branch  int // the topic's variant, 0 the main one
	started time.Time
	alias   string // the unit name of the opening
	utts    []utt

	// The call's setting around the dialogue.
	ring     int64 // ring_ms; -1 when not recorded
	late     bool  // answered after the unit's ring limit
	hangup   scoring.HangupSide
	duration int64 // duration_ms
	threat   bool  // the customer threatens a complaint

	// drawn are the violations decided for the call, realized the ones the
	// dialogue has injected so far; at the end they are the same.
	drawn, realized [nKinds]bool

	// Bans on the agent's wording, switched on as violations need them
	// (see allowed).
	curt, banETA, banApology, banThanks, banOwnCause bool
	banCommit, banApologyNext                        bool

	// Violations waiting for their place in the dialogue.
	informalLeft     int  // utterances still to say 你 in
	noAckPending     bool // the next answer leaves the statement unacknowledged
	noAckAt          int  // the statement's index
	interruptPending bool // the next answer talks over the customer
	wantBackchannel  bool // a backchannel goes over the next long customer utterance
	exactNext        bool // the next reply is kept free of ASR noise
	closed           bool // the closing has begun

	reportAt, complaintAt []int // the customer's outage reports and complaints

	// misses counts lines picked although no line of their bank passed the
	// bans, missed names their banks: a call with misses may not hold what
	// its Meta says, which the tests rule out.
	misses int
	missed []string
}

func newCall(g *Generator, i int) *call {
	c := &call{g: g}
	c.r.seed(g.seed, saltCall, uint64(i))
	c.meta.Index = i
	c.utts = make([]utt, 0, 24)
	return c
}

// run makes the whole call: its setting, the draws, the dialogue, the
// timing and the meta.
func (c *call) run() {
	g := c.g
	c.agent = &g.agents[c.r.intn(len(g.agents))]
	c.unit = &g.units[c.agent.unit]
	c.meta.Unit = c.unit.id
	c.meta.Kind = c.unit.kind
	c.meta.Direction = scoring.Inbound
	if c.r.chance(g.mix.Outbound) {
		c.meta.Direction = scoring.Outbound
	}
	c.topic = pickTopic(&c.r, c.unit.kind, c.meta.Direction)
	c.meta.Topic = c.topic.id
	c.cust = g.customer(c.r.intn(max(g.custN, 1)))
	c.pickStart()
	c.meta.CallID = g.callID(c.unit.id, c.started, c.meta.Index)
	c.alias = pick(&c.r, c.unit.aliases)

	c.branch = 0
	if c.topic.branches != nil {
		c.branch = c.topic.branches(c)
	}
	c.eligibility()
	c.draw()
	// A backchannel would take the customer utterance an interrupt needs,
	// and its slow 嗯嗯 would blur a speech-rate violation.
	c.wantBackchannel = c.exempt(c.g.exempt.Backchannel) && !c.drawn[vRate] && !c.drawn[vInterrupt]
	c.ringAndHangup()

	c.opening()
	c.topic.script(c)
	c.sides()
	c.callback()
	c.closing()
	c.endComplaints()
	c.informal()
	c.timing()
	c.finish()
}

func (c *call) pickStart() {
	g := c.g
	day := g.start
	if len(g.dayStart) > 0 {
		day = g.dayStart[c.r.intn(len(g.dayStart))]
	}
	// Calls peak mid-morning and mid-afternoon.
	hour := 8 + c.r.weighted(hourWeights)
	sec := c.r.intn(3600)
	c.started = day.Add(time.Duration(hour)*time.Hour + time.Duration(sec)*time.Second)
}

// hourWeights weight the hours 08 to 19.
var hourWeights = []float64{6, 10, 11, 9, 5, 4, 8, 9, 8, 6, 4, 3}

func (c *call) hour() int { return c.started.Hour() }

// eligibility decides which rules the call's setting lets apply.
func (c *call) eligibility() {
	m := &c.meta
	for k, id := range lexicon.RuleIDs {
		ok := true
		switch k {
		case vGreeting, vUnit, vLate:
			ok = m.Direction == scoring.Inbound
		case vOutbound:
			ok = m.Direction == scoring.Outbound
		case vPolite:
			ok = m.Direction == scoring.Inbound && c.topic.routine
		case vOutage:
			ok = m.Outage
		case vComplaint:
			ok = m.Complaint
		}
		if ok {
			m.setEligible(id)
		}
	}
}

// draw decides the violations. Every rule consumes one draw whether it
// applies or not, so the draws of one rule do not shift another's.
func (c *call) draw() {
	f := c.agent.factor
	for k, id := range lexicon.RuleIDs {
		p, _ := c.g.rates.Of(id)
		u := c.r.float()
		c.drawn[k] = c.meta.Eligible(id) && u < min(p*f, 1)
	}
	c.curt = c.drawn[vPolite]
	if c.drawn[vOutage] {
		c.banOwnCause = true
	}
	if c.drawn[vInformal] {
		c.informalLeft = 1
		if c.r.chance(0.3) {
			c.informalLeft = 2
		}
	}
}

// exempt draws a hard negative of probability p.
func (c *call) exempt(p float64) bool { return c.r.chance(p) }

// violate records a finding of rule expected at utterance u for an
// injection of kind k.
func (c *call) violate(k int, rule string, u int) {
	c.realized[k] = true
	c.meta.Violations = append(c.meta.Violations, Violation{Kind: lexicon.RuleIDs[k], Rule: rule, Utterance: u})
}

// hardNegative records that rule must not fire at utterance u.
func (c *call) hardNegative(kind, rule string, u int) {
	c.meta.Exempt = append(c.meta.Exempt, Exempt{Kind: kind, Rule: rule, Utterance: u})
}

// allowed reports whether an agent line passes the call's bans.
func (c *call) allowed(t string) bool {
	b := &c.g.bans
	switch {
	case c.curt && containsAny(t, b.polite):
		return false
	case c.banETA && (containsAny(t, b.eta) || matchesAny(t, b.etaRe)):
		return false
	case (c.banApology || c.banApologyNext) && containsAny(t, b.apology):
		return false
	case c.banThanks && containsAny(t, b.thanks):
		return false
	case c.banOwnCause && containsAny(t, b.ownCause):
		return false
	case c.banCommit && (containsAny(t, b.commit) || matchesAny(t, b.commitRe)):
		return false
	}
	return true
}

// line picks an agent line of bank that passes the bans and fills it in.
func (c *call) line(bank []string) string {
	n := len(bank)
	off := c.r.intn(n)
	for k := 0; k < n; k++ {
		if t := bank[(off+k)%n]; c.allowed(t) {
			return c.fill(t)
		}
	}
	c.miss(bank)
	return c.fill(bank[off])
}

// miss counts a bank that had no line passing the call's bans.
func (c *call) miss(bank []string) {
	c.misses++
	if len(bank) > 0 {
		c.missed = append(c.missed, bank[0])
	}
}

// lineWhere picks an agent line of bank that passes the bans and keep.
func (c *call) lineWhere(bank []string, keep func(string) bool) string {
	n := len(bank)
	off := c.r.intn(n)
	for k := 0; k < n; k++ {
		if t := bank[(off+k)%n]; c.allowed(t) && keep(t) {
			return c.fill(t)
		}
	}
	c.miss(bank)
	return c.fill(bank[off])
}

// say picks a customer line of bank and fills it in.
func (c *call) say(bank []string) string { return c.fill(pick(&c.r, bank)) }

// maxUtterances is the most utterances a call has.
const maxUtterances = 30

// room reports whether the call has room for n more utterances besides
// the ones it still needs for its drawn violations and its closing:
// optional exchanges and ASR splits keep a call within maxUtterances.
func (c *call) room(n int) bool { return len(c.utts)+n+c.reserve() <= maxUtterances }

// reserve counts the utterances the call still needs: a side exchange per
// pending agent-speech violation, the unconfirmed callback number, a
// lookup for pending dead air or profanity, and the closing.
func (c *call) reserve() int {
	n := 0
	for _, k := range []int{vRhetorical, vEvasive, vUnable} {
		if c.drawn[k] && !c.realized[k] {
			n += 2
		}
	}
	if c.drawn[vConfirm] && !c.realized[vConfirm] {
		n += 3
	}
	if c.drawn[vDeadAir] && !c.realized[vDeadAir] || c.drawn[vProfanity] && !c.realized[vProfanity] {
		n += 4
	}
	if !c.closed {
		n += 3
	}
	return n
}

// add appends an utterance and returns its index.
func (c *call) add(u utt) int {
	if c.noAckPending && u.sp == scoring.Agent {
		// A script let the agent speak after a long statement without
		// going through reply: the violation is lost.
		c.noAckPending = false
		c.miss([]string{"(agent spoke after a long statement without reply)"})
	}
	c.utts = append(c.utts, u)
	return len(c.utts) - 1
}

// agentSays appends an agent utterance with ASR noise and returns the
// index of its first piece.
func (c *call) agentSays(text string) int {
	if c.r.chance(0.03) {
		text = "那个," + text
	}
	if c.r.chance(0.06) {
		text = dropPunct(text, c.r.chance(0.5))
	}
	if c.room(1) && c.r.chance(0.08) {
		if a, b, ok := splitClause(text); ok && !c.g.bans.onlyAcks(a) {
			i := c.add(utt{sp: scoring.Agent, text: a})
			c.add(utt{sp: scoring.Agent, text: b})
			return i
		}
	}
	return c.add(utt{sp: scoring.Agent, text: text})
}

// agentExact appends an agent utterance exactly as given.
func (c *call) agentExact(text string) int {
	return c.add(utt{sp: scoring.Agent, text: text, protect: true})
}

// custSays appends a customer utterance with ASR noise and returns the
// index of its last piece.
func (c *call) custSays(text string) int {
	if c.r.chance(0.25) {
		text = pick(&c.r, custFillers) + text
	}
	if c.r.chance(0.08) {
		s := asrSlips[c.r.intn(len(asrSlips))]
		text = strings.Replace(text, s[0], s[1], 1)
	}
	if c.r.chance(0.1) {
		text = dropPunct(text, c.r.chance(0.5))
	}
	if c.room(1) && c.r.chance(0.12) {
		if a, b, ok := splitClause(text); ok {
			c.add(utt{sp: scoring.Customer, text: a})
			return c.add(utt{sp: scoring.Customer, text: b})
		}
	}
	return c.add(utt{sp: scoring.Customer, text: text})
}

// custExact appends a customer utterance exactly as given.
func (c *call) custExact(text string) int {
	return c.add(utt{sp: scoring.Customer, text: text, protect: true})
}

// custTurnChars counts the Han characters and digits of the customer's
// current turn: their utterances since the agent last spoke.
func (c *call) custTurnChars() int {
	n := 0
	for i := len(c.utts) - 1; i >= 0 && c.utts[i].sp != scoring.Agent; i-- {
		if c.utts[i].sp == scoring.Customer {
			n += hanCount(c.utts[i].text)
		}
	}
	return n
}

// ackLongTurn is the customer turn length from which the agent's reply
// always opens with an acknowledgement, below the scheme's 40 characters
// and 10 s so a clean call never leaves a long turn unacknowledged.
const ackLongTurn = 24

// reply appends the agent's answer to the customer's turn: a line of bank,
// opened by an acknowledgement when the customer spoke at length (and at
// times when not).
func (c *call) reply(bank []string) int { return c.replyWhere(bank, nil) }

// replyExact is reply without ASR noise, for a line a hard negative or a
// violation depends on word for word.
func (c *call) replyExact(bank []string) int {
	c.exactNext = true
	return c.replyWhere(bank, nil)
}

// replyWhere is reply restricted to the lines of bank keep accepts (nil
// keeps all). Right after a statement made long for the
// listening.acknowledge violation it answers without any acknowledgement.
func (c *call) replyWhere(bank []string, keep func(string) bool) int {
	b := &c.g.bans
	if c.noAckPending {
		c.noAckPending, c.exactNext = false, false
		text := c.lineWhere(bank, func(t string) bool { return (keep == nil || keep(t)) && !b.clauseStartsWithAck(t) })
		if c.interruptPending && hanCount(text) < minInterruptingChars {
			text = c.line(interruptLeads) + text
		}
		i := c.agentExact(text)
		c.interruptHere(i)
		c.violate(vAck, lexicon.RuleListeningAcknowledge, c.noAckAt)
		return i
	}
	var text string
	if keep == nil {
		text = c.line(bank)
	} else {
		text = c.lineWhere(bank, keep)
	}
	exact := c.exactNext
	c.exactNext = false
	return c.respond(text, exact)
}

// respond appends the agent's answer text to the customer's turn: after a
// long turn (and at times after a short one) it opens with an
// acknowledgement, and now and then a backchannel goes over the customer's
// words first. exact keeps ASR noise off the answer.
func (c *call) respond(text string, exact bool) int {
	b := &c.g.bans
	if n := len(c.utts); c.wantBackchannel && n > 0 && c.utts[n-1].sp == scoring.Customer &&
		hanCount(c.utts[n-1].text) >= minInterruptedChars {
		c.wantBackchannel = false
		i := c.add(utt{sp: scoring.Agent, text: pick(&c.r, backchannels), protect: true, backchannel: true})
		c.hardNegative("backchannel", lexicon.RuleTimingInterrupt, i)
	}
	afterCustomer := len(c.utts) > 0 && c.utts[len(c.utts)-1].sp == scoring.Customer
	long := afterCustomer && c.custTurnChars() >= ackLongTurn
	if (long || afterCustomer && c.r.chance(0.45)) && !b.clauseStartsWithAck(text) {
		text = c.ackPrefix() + text
	}
	// A needed acknowledgement keeps its punctuation: 好 run into the next
	// word is no word of its own.
	exact = exact || long
	if c.interruptPending && afterCustomer {
		if hanCount(text) < minInterruptingChars {
			text = c.line(interruptLeads) + text
		}
		i := c.agentExact(text)
		c.interruptHere(i)
		return i
	}
	if exact {
		return c.agentExact(text)
	}
	return c.agentSays(text)
}

// interruptLeads lengthen a short answer that talks over the customer, so
// the overlap lasts; none acknowledges.
var interruptLeads = []string{"您说的这个情况我这边看一下,", "这个情况我这边看一下,"}

// interruptHere makes agent utterance i, the answer to the statement, talk
// over the customer for the timing.interrupt violation.
func (c *call) interruptHere(i int) {
	if !c.interruptPending {
		return
	}
	c.interruptPending = false
	c.utts[i].interrupt = true
	c.violate(vInterrupt, lexicon.RuleTimingInterrupt, i)
}

var backchannels = []string{"嗯嗯", "嗯,对对", "对对对", "嗯嗯,是"}

func (c *call) ackPrefix() string {
	if c.curt {
		return pick(&c.r, ackPrefixesCurt)
	}
	p := pick(&c.r, ackPrefixes)
	if strings.Contains(p, "{") {
		p = c.fill(p)
	}
	return p
}

// lastAgentBefore returns the index of the last agent utterance before i,
// or -1.
func (c *call) lastAgentBefore(i int) int {
	for j := i - 1; j >= 0; j-- {
		if c.utts[j].sp == scoring.Agent {
			return j
		}
	}
	return -1
}

// transcript returns the built call as a transcript. It draws nothing:
// calling it twice gives the same transcript.
func (c *call) transcript() *scoring.Transcript {
	t := &scoring.Transcript{
		CallID:    c.meta.CallID,
		Unit:      c.unit.id,
		AgentID:   c.agent.id,
		Team:      c.agent.team,
		Direction: c.meta.Direction,
		StartedAt: c.started,
		HangupBy:  scoring.HangupCustomer,
	}
	t.Utterances = make([]scoring.Utterance, len(c.utts))
	for i, u := range c.utts {
		t.Utterances[i] = scoring.Utterance{Speaker: u.sp, Timed: true, StartMS: u.start, EndMS: u.end, Text: u.text}
	}
	if c.ring >= 0 {
		ring := c.ring
		t.RingMS = &ring
	}
	t.HangupBy = c.hangup
	d := c.duration
	t.DurationMS = &d
	return t
}

// ringAndHangup decides ring_ms and the hang-up side.
func (c *call) ringAndHangup() {
	mix := c.g.mix
	limit := c.unit.ringLimit
	switch {
	case c.meta.Direction == scoring.Outbound:
		c.ring = c.r.between64(3000, 25000)
	case c.drawn[vLate] || c.exempt(c.g.exempt.LateWithApology):
		c.late = true
		c.ring = c.r.between64(limit+1000, limit+25000)
	case c.r.chance(mix.NoRing):
		c.ring = -1
	default:
		c.ring = c.r.between64(1500, limit-500)
	}
	u := c.r.float()
	switch {
	case c.drawn[vHangup]:
		c.hangup = scoring.HangupAgent
		c.violate(vHangup, lexicon.RuleHangupAgentFirst, -1)
	case u < mix.HangupUnknown:
		c.hangup = scoring.HangupUnknown
	case u < mix.HangupUnknown+mix.HangupSystem:
		c.hangup = scoring.HangupSystem
	default:
		c.hangup = scoring.HangupCustomer
	}
}

// finish completes the meta: findings in utterance order, the rules the
// call cannot be judged on.
func (c *call) finish() {
	if c.curt {
		c.violate(vPolite, lexicon.RulePolitePhrasing, -1)
	}
	if c.ring < 0 && c.meta.Direction == scoring.Inbound {
		c.meta.NotAssessable = append(c.meta.NotAssessable, lexicon.RuleAnswerLateApology)
	}
	if c.hangup == scoring.HangupUnknown {
		c.meta.NotAssessable = append(c.meta.NotAssessable, lexicon.RuleHangupAgentFirst)
	}
	slices.SortStableFunc(c.meta.Violations, func(a, b Violation) int { return a.Utterance - b.Utterance })
	slices.SortStableFunc(c.meta.Exempt, func(a, b Exempt) int { return a.Utterance - b.Utterance })
}
