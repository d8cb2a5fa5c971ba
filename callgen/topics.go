package callgen

import (
	"callqa/lexicon"
	"callqa/scoring"
)

// Topic is what a call is about.
type Topic string

// Topics of power-supply calls.
const (
	TopicOutageRepair   Topic = "停电报修"
	TopicBill           Topic = "电费查询"
	TopicArrearsOutage  Topic = "欠费停电"
	TopicTransfer       Topic = "过户"
	TopicMeterReading   Topic = "抄表"
	TopicTimeOfUse      Topic = "峰谷电价"
	TopicPowerComplaint Topic = "供电投诉"
	TopicOutageNotice   Topic = "停电通知"
	TopicArrearsRemind  Topic = "欠费提醒"
)

// Topics of district-heating calls.
const (
	TopicNotWarm       Topic = "暖气不热"
	TopicNoHeat        Topic = "停热"
	TopicHeatFee       Topic = "热费"
	TopicInstall       Topic = "报装"
	TopicValve         Topic = "阀门"
	TopicHeatComplaint Topic = "供热投诉"
	TopicHeatNotice    Topic = "停热通知"
	TopicHeatFeeRemind Topic = "热费催缴"
	TopicAppointment   Topic = "报装预约"
)

// TopicSurvey is the callback after a repair or a complaint, of either
// kind of unit.
const TopicSurvey Topic = "回访"

// topicDef is a topic with its script.
type topicDef struct {
	id     Topic
	weight float64
	// routine topics may be handled curtly (the polite.phrasing violation).
	routine bool
	// callback topics often end with taking a number to call back on.
	callback bool
	// purposes say why an outbound call is made.
	purposes []string
	// more are clauses a customer may run on with in the statement; nil
	// means the generic elaborations.
	more []string
	// branches picks the variant of the call and says whether it
	// reports a network outage or a complaint; nil means one variant.
	branches func(c *call) int
	script   func(c *call)
}

// pickTopic draws a topic of the kind and direction by weight.
func pickTopic(r *rng, k UnitKind, d scoring.Direction) *topicDef {
	defs := topicTable[topicKey{k, d}]
	return &defs[r.weighted(topicWeights[topicKey{k, d}])]
}

type topicKey struct {
	kind UnitKind
	dir  scoring.Direction
}

var topicTable = map[topicKey][]topicDef{
	{Power, scoring.Inbound}:  powerInbound,
	{Power, scoring.Outbound}: powerOutbound,
	{Heat, scoring.Inbound}:   heatInbound,
	{Heat, scoring.Outbound}:  heatOutbound,
}

var topicWeights = func() map[topicKey][]float64 {
	m := make(map[topicKey][]float64, len(topicTable))
	for k, defs := range topicTable {
		for _, d := range defs {
			m[k] = append(m[k], d.weight)
		}
	}
	return m
}()

// Topics returns the topics calls of a kind and direction are drawn from.
func Topics(k UnitKind, d scoring.Direction) []Topic {
	var out []Topic
	for _, t := range topicTable[topicKey{k, d}] {
		out = append(out, t.id)
	}
	return out
}

// fallbackMore lengthens a statement a topic's own clauses left short.
var fallbackMore = []string{"我就想问问清楚", "麻烦你们给我说说", "我也是头一回遇到这种事"}

var elaborations = []string{
	"我刚下班回家就发现了", "家里老人孩子都在", "这个电话我打了好几次才打进来", "我也不太懂这些",
	"能不能帮我看看到底是怎么回事", "我想问问具体是什么情况", "邻居家好像也一样", "我一大早就发现了",
	"我年纪大了弄不明白", "你们给我好好查一查",
}

// state makes the customer's main statement, a line of bank. For the
// listening.acknowledge violation it runs on past the scheme's 40
// characters and the agent's reply (the next reply) does not acknowledge
// it; some clean calls have long statements too, acknowledged. exact keeps
// the statement one utterance with no ASR noise; it returns its index.
func (c *call) state(bank []string, exact bool) int {
	text := c.say(bank)
	long := c.drawn[vAck] && !c.realized[vAck] || c.r.chance(0.15)
	target := 46
	if !long && c.drawn[vInterrupt] {
		target = minInterruptedChars + 2
	}
	if long || hanCount(text) < target && c.drawn[vInterrupt] {
		more := c.topic.more
		if more == nil {
			more = elaborations
		}
		off := c.r.intn(len(more))
		for k := 0; hanCount(text) < target && k < len(more); k++ {
			text = trimEnd(text) + "," + more[(off+k)%len(more)] + "。"
		}
		for k := 0; hanCount(text) < target && k < len(fallbackMore); k++ {
			text = trimEnd(text) + "," + fallbackMore[k] + "。"
		}
	}
	var i int
	if exact || c.drawn[vAck] || c.drawn[vInterrupt] {
		i = c.custExact(text)
	} else {
		i = c.custSays(text)
	}
	if c.drawn[vAck] && !c.realized[vAck] {
		c.noAckAt, c.noAckPending = i, true
	}
	if c.drawn[vInterrupt] && !c.realized[vInterrupt] {
		c.interruptPending = true
	}
	return i
}

func trimEnd(s string) string {
	for len(s) > 0 {
		switch {
		case len(s) >= 3 && (s[len(s)-3:] == "。" || s[len(s)-3:] == "?" || s[len(s)-3:] == "!"):
			s = s[:len(s)-3]
		case s[len(s)-1] == '.' || s[len(s)-1] == '?' || s[len(s)-1] == '!':
			s = s[:len(s)-1]
		default:
			return s
		}
	}
	return s
}

// report makes the customer's statement that reports a loss of supply.
// For a network outage it arms the outage.eta violation: from here on the
// agent says no expected time, or no apology, or neither.
func (c *call) report(bank []string) int {
	i := c.state(bank, true)
	c.reportAt = append(c.reportAt, i)
	if c.drawn[vOutage] {
		switch c.r.intn(3) {
		case 0:
			c.banETA = true
		case 1:
			c.banApology = true
		default:
			c.banETA, c.banApology = true, true
		}
	}
	if c.threat {
		c.complained(i)
	}
	return i
}

// complained records that the customer's utterance i complains; for the
// complaint.thanks violation the agent thanks no more from here on.
func (c *call) complained(i int) {
	c.complaintAt = append(c.complaintAt, i)
	if c.drawn[vComplaint] {
		c.banThanks = true
	}
}

var (
	etaLines = []string{
		"非常抱歉给您带来不便,{eta}。",
		"给您带来不便非常抱歉,抢修人员{crew},{eta}。",
		"实在不好意思,{eta},请您耐心等待。",
		"非常抱歉,抢修人员已经在现场处理了,{eta}。",
		// Without an apology or an expected time, for the violation.
		"抢修人员{crew},{eta}。",
		"非常抱歉给您带来不便,抢修人员会尽快过去处理,请您耐心等待。",
		"不好意思,已经给您派单了,请您耐心等待。",
		"已经给您派单了,抢修人员会尽快过去处理。",
	}
	etaLinesHeat = []string{
		"非常抱歉给您带来不便,{eta}。",
		"给您带来不便非常抱歉,维修人员正在抢修,{eta}。",
		"实在不好意思,{eta},请您耐心等待。",
		// Without an apology or an expected time, for the violation.
		"维修人员正在抢修,{eta}。",
		"非常抱歉给您带来不便,维修人员会尽快处理,请您耐心等待。",
		"不好意思,已经安排维修了,请您耐心等待。",
		"已经安排维修了,会尽快处理。",
	}
	threatThanks = []string{"也感谢您的监督,我们会督促抢修人员尽快处理。", "您的心情我们理解,感谢您的监督。"}
	sickFirst    = []string{"家里有病人,能不能快一点啊?", "我家里有病人,离不开电。"}
	sickReply    = "有病人的话我们会优先安排,请您放心。"
)

// etaStep is the agent's answer to a network outage: an apology and an
// expected time, or, under the violation's bans, less.
func (c *call) etaStep() {
	bank := etaLines
	if c.unit.kind == Heat {
		bank = etaLinesHeat
	}
	if !c.drawn[vOutage] {
		// Clean: lines that carry both an apology and a time.
		c.replyWhere(bank, func(t string) bool {
			return containsAny(t, c.g.bans.apology) && containsAny(t, c.g.bans.eta)
		})
	} else {
		c.reply(bank)
	}
	if c.threat && !c.drawn[vComplaint] {
		c.agentSays(c.line(threatThanks))
	}
	if c.unit.kind == Power && c.exempt(c.g.exempt.WordBoundary) {
		c.custSays(pick(&c.r, sickFirst))
		i := c.respond(sickReply, true)
		c.hardNegative("word_boundary", lexicon.RuleForbiddenProfanity, i)
	}
	for _, i := range c.reportAt {
		if c.drawn[vOutage] {
			c.violate(vOutage, lexicon.RuleOutageETA, i)
		}
	}
}

// ownCause records the hard negative of an outage report whose cause the
// agent finds on the customer's side.
func (c *call) ownCause() {
	for _, i := range c.reportAt {
		c.hardNegative("own_cause", lexicon.RuleOutageETA, i)
	}
}

// endComplaints records the complaint.thanks violation once the call is
// built.
func (c *call) endComplaints() {
	if !c.drawn[vComplaint] {
		return
	}
	for _, i := range c.complaintAt {
		c.violate(vComplaint, lexicon.RuleComplaintThanks, i)
	}
}

var (
	askAcct      = []string{"请问您的户号是多少?", "麻烦您报一下户号。", "请您提供一下户号。", "户号多少?", "户号报一下。"}
	giveAcct     = []string{"户号是{acct}。", "{acct}。", "我看一下啊,户号是{acct}。"}
	confirmAcct  = []string{"户号{acctA},对吗?", "{acctA},是吧?", "跟您核对一下,户号是{acctA},没错吧?", "{acctA}对吧?"}
	askAddr      = []string{"请问您的具体地址是?", "麻烦您说一下详细地址。", "请您提供一下详细地址。", "地址在哪?"}
	giveAddr     = []string{"{addr}。", "我家在{addr}。", "地址是{addr}。"}
	confirmAddr  = []string{"{addrA},对吗?", "{addrA},是吧?", "跟您确认一下,地址是{addrA},对吧?", "{addrA}对吧?"}
	noAcct       = []string{"户号我不知道啊,在哪看?", "户号啊?我不记得了。"}
	otherSubject = "您不清楚户号也没关系,报一下地址也可以。"
)

// identify has the agent ask who the customer is: by account number (or,
// when the customer does not know it, by address), or by address, and
// confirm what the customer gives.
func (c *call) identify(byAddress bool) {
	if !byAddress && !c.curt && c.exempt(c.g.exempt.OtherSubject) && c.allowed(otherSubject) && c.room(2) {
		c.reply(askAcct)
		c.custSays(pick(&c.r, noAcct))
		i := c.respond(otherSubject, true)
		c.hardNegative("other_subject", lexicon.RuleForbiddenEvasive, i)
		c.hardNegative("other_subject", lexicon.RuleUnableCommitment, i)
		byAddress = true
	} else if byAddress {
		c.reply(askAddr)
	} else {
		c.reply(askAcct)
	}
	if byAddress {
		c.custSays(c.say(giveAddr))
		c.reply(confirmAddr)
	} else {
		c.custSays(c.say(giveAcct))
		c.reply(confirmAcct)
	}
	c.custSays(pick(&c.r, confirmedYes))
}
