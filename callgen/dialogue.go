package callgen

import (
	"strings"

	"callqa/lexicon"
	"callqa/scoring"
)

// This file holds the parts every call shares: the opening, looking
// something up, the side exchanges that carry most agent-speech violations,
// the callback number, the closing and the informal-address swap.

var (
	offers      = []string{"请问有什么可以帮您?", "请问您有什么需要?", "请讲。", "很高兴为您服务,请讲。", "请问有什么可以帮到您?"}
	offersCurt  = []string{"什么事?", "说吧。", "哪里的事?"}
	workNos     = []string{"{no}号为您服务", "工号{no}为您服务", "我是{no}号客服"}
	lateSorry   = []string{"让您久等了", "不好意思让您久等了", "抱歉让您久等了", "对不起让您久等了"}
	unitForms   = []string{"%s", "%s", "这里是%s", "欢迎致电%s"}
	custFillers = []string{"嗯,", "那个,", "呃,", "啊,", "嗯嗯,"}

	ackPrefixes     = []string{"好的,", "嗯,", "嗯好的,", "明白,", "好的{cust},", "嗯嗯,", "好的好的,"}
	ackPrefixesCurt = []string{"嗯,", "行,", "好,"}
)

// opening makes the agent's first turn, and for an outbound call the
// customer's answer to it.
func (c *call) opening() {
	if c.meta.Direction == scoring.Outbound {
		c.outboundOpening()
		return
	}
	var parts []string
	var exempts []string
	greet := !c.drawn[vGreeting]
	named := !c.drawn[vUnit]
	apologize := c.late && !c.drawn[vLate]

	word := "您好"
	switch {
	case c.exempt(c.g.exempt.NiHao) || c.curt && c.r.chance(0.6):
		word = "你好"
		exempts = append(exempts, "nihao_greeting")
	case !c.curt && c.r.chance(0.15):
		word = "{tod}好"
	}
	unit := c.unitMention(&exempts)
	sorry := ""
	if apologize {
		sorry = pick(&c.r, lateSorry)
		if c.curt {
			sorry = "久等了"
		}
	}
	var no string
	if c.r.chance(0.5) {
		no = pick(&c.r, workNos)
		if c.curt {
			no = "{no}号"
		}
	}
	offer := pick(&c.r, offers)
	if c.curt {
		offer = pick(&c.r, offersCurt)
	}

	switch {
	case greet && named:
		if c.r.chance(0.1) {
			parts = append(parts, "喂")
			exempts = append(exempts, "wei_then_greeting")
		}
		parts = append(parts, word, unit)
	case greet:
		if c.r.chance(0.5) {
			parts = append(parts, c.alias, word) // the unit before the greeting
		} else {
			parts = append(parts, word)
		}
	case named:
		if c.r.chance(0.5) {
			parts = append(parts, "喂")
		}
		parts = append(parts, unit)
	default:
		parts = append(parts, "喂")
	}
	parts = append(parts, sorry, no, offer)

	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(",")
		}
		b.WriteString(p)
	}
	text := c.fill(b.String())
	protect := !greet || !named || c.late || len(exempts) > 0
	var i int
	if protect {
		i = c.agentExact(text)
	} else {
		i = c.agentSays(text)
	}
	if !greet {
		c.violate(vGreeting, lexicon.RuleGreetingMissing, i)
	}
	if !named {
		c.violate(vUnit, lexicon.RuleGreetingUnitMissing, i)
	}
	if c.late && !apologize {
		c.violate(vLate, lexicon.RuleAnswerLateApology, i)
	}
	if c.late && apologize {
		c.hardNegative("late_with_apology", lexicon.RuleAnswerLateApology, i)
	}
	for _, e := range exempts {
		rule := lexicon.RuleGreetingUnitMissing
		switch e {
		case "nihao_greeting":
			if !greet {
				continue // no greeting was said after all
			}
			rule = lexicon.RulePoliteInformalAddress
		case "wei_then_greeting":
			rule = lexicon.RuleGreetingMissing
		}
		if e == "unit_homophone" || e == "spoken_hotline" {
			if !named {
				continue
			}
		}
		c.hardNegative(e, rule, i)
	}
}

// unitMention says the unit's name in the opening, now and then as ASR
// misheard it.
func (c *call) unitMention(exempts *[]string) string {
	name := c.alias
	switch {
	case strings.Trim(name, "0123456789") == "" && c.r.chance(0.3):
		name = hanDigits(name, false)
		*exempts = append(*exempts, "spoken_hotline")
	case c.exempt(c.g.exempt.UnitHomophone):
		if h, ok := homophoneOf(name); ok {
			name = h
			*exempts = append(*exempts, "unit_homophone")
		}
	}
	form := pick(&c.r, unitForms)
	return strings.Replace(form, "%s", name, 1)
}

var (
	obGreet    = []string{"您好", "{cust}您好", "喂,您好"}
	obSelf     = []string{"我是{unit}的客服人员", "我这边是{unit}客服中心的", "我是{unit}的工作人员,工号{no}"}
	obIdentity = []string{"请问是{cust}吗?", "请问您是{cust}吧?"}
	obAsk      = []string{"请问您现在方便接听吗?", "不好意思打扰您一下。", "耽误您两分钟可以吗?", "请问现在方便说话吗?"}
	obAnswer   = []string{"嗯,你说。", "方便,什么事?", "哦,好的,你说吧。", "可以,你说。", "是我,你说。"}
	obWho      = []string{"是我,你哪位?", "对,哪位啊?", "是的,你是?"}
	obWhat     = []string{"是我,什么事?", "对,有什么事吗?", "嗯,怎么了?"}
)

// outboundOpening makes the agent's introduction on an outbound call: a
// greeting, who is calling (我是 + the unit), and the purpose or a request
// for permission.
func (c *call) outboundOpening() {
	purpose := pick(&c.r, c.topic.purposes)
	full := func(greet string) string {
		var b strings.Builder
		b.WriteString(greet)
		b.WriteString(",")
		b.WriteString(pick(&c.r, obSelf))
		b.WriteString(",")
		b.WriteString(purpose)
		b.WriteString(",")
		b.WriteString(pick(&c.r, obAsk))
		return c.fill(b.String())
	}
	if !c.drawn[vOutbound] {
		greet := pick(&c.r, obGreet)
		if c.r.chance(0.3) {
			greet = "您好," + strings.TrimSuffix(pick(&c.r, obIdentity), "?")
		}
		c.agentSays(full(greet))
		c.custSays(pick(&c.r, obAnswer))
		return
	}
	generic := "供电公司"
	if c.unit.kind == Heat {
		generic = "热力公司"
	}
	variant := c.r.intn(4)
	if variant == 1 && containsAny(generic, c.unit.aliases) {
		variant = 2
	}
	var i int
	switch variant {
	case 0: // an identity check alone; the introduction comes later
		i = c.agentExact(c.fill("喂,您好," + pick(&c.r, obIdentity)))
		c.custSays(pick(&c.r, obWho))
		c.agentSays(full("{cust}您好"))
		c.custSays(pick(&c.r, obAnswer))
	case 1: // a generic name instead of the unit's
		i = c.agentExact(c.fill("您好,我是" + generic + "客服," + purpose + "," + pick(&c.r, obAsk)))
		c.custSays(pick(&c.r, obAnswer))
	case 2: // no purpose and no permission
		i = c.agentExact(c.fill("您好," + pick(&c.r, obSelf) + "," + pick(&c.r, obIdentity)))
		c.custSays(pick(&c.r, obWhat))
		c.agentSays(c.fill("是这样的," + purpose + "。"))
	default: // no greeting
		i = c.agentExact(c.fill("喂,我是{unit}的," + purpose + "," + pick(&c.r, obAsk)))
		c.custSays(pick(&c.r, obAnswer))
	}
	c.violate(vOutbound, lexicon.RuleOutboundIntro, i)
}

var (
	holdLines   = []string{"请您稍等,我帮您查询一下。", "好的,请稍等,我这边帮您查一下。", "请您稍等,我看一下系统。", "麻烦您稍等一下,我帮您查询。"}
	holdCurt    = []string{"稍等。", "稍等一下,查一下。"}
	holdAnswers = []string{"好的。", "好。", "嗯,行。"}
	lookLines   = []string{"我帮您查一下。", "我这边看一下系统。", "我帮您看一下记录。", "我查一下。"}
	lookCurt    = []string{"我查一下。", "我看一下系统。"}
	waitThanks  = []string{"感谢您的耐心等待,", "让您久等了,", "", "", "{cust},"}
	mutters     = []string{"哎这破系统又卡住了,妈的。", "这系统怎么又崩了,卧槽。", "他吗的,又卡了。", "真是有病,这系统。"}
)

// lookup makes the agent look something up: a hold request (or a plain
// "let me check"), a silence, and what it found, one of found. It returns
// the index of the found line. The dead-air violation, the hold-silence hard
// negative and the agent's muttered profanity live here.
func (c *call) lookup(found []string) int {
	deadAir := c.drawn[vDeadAir] && !c.realized[vDeadAir]
	hold := !deadAir && c.r.chance(0.6)
	var silence int64
	holdSilence := false
	if hold {
		holdSilence = c.exempt(c.g.exempt.HoldSilence)
		bank := holdLines
		if c.curt {
			bank = holdCurt
		}
		if holdSilence {
			c.respond(c.line(bank), true)
			silence = c.r.between64(16000, 45000)
		} else {
			c.respond(c.line(bank), false)
			silence = c.r.between64(2000, 9000)
		}
		if c.room(1) && c.r.chance(0.4) {
			c.custSays(pick(&c.r, holdAnswers))
		}
	} else {
		bank := lookLines
		if c.curt {
			bank = lookCurt
		}
		c.respond(c.line(bank), true)
		silence = c.r.between64(800, 4000)
		if deadAir {
			silence = c.r.between64(16000, 40000)
		}
	}
	after := -1
	if c.drawn[vProfanity] && !c.realized[vProfanity] {
		after = c.agentExact(pick(&c.r, mutters))
		c.violate(vProfanity, lexicon.RuleForbiddenProfanity, after)
	}
	prefix := ""
	if hold {
		prefix = c.line(waitThanks)
	}
	i := c.agentSays(prefix + c.line(found))
	if after < 0 {
		after = i
	}
	c.utts[after].silence = silence
	switch {
	case deadAir:
		c.violate(vDeadAir, lexicon.RuleTimingDeadAir, after)
	case holdSilence:
		c.hardNegative("hold_silence", lexicon.RuleTimingDeadAir, after)
	}
	return i
}

var (
	sideQuestions = []string{
		"对了,我们楼道的灯坏了好几天了,你们能不能派人来修一下?",
		"还有个事,我家门口那个下水道堵了,你们管不管?",
		"顺便问一下,我们楼下的路灯不亮了找谁啊?",
		"另外燃气费能不能也在你们这交啊?",
		"还有,楼上装修吵得不行,你们能不能管一管?",
	}
	evasiveLines = []string{
		"这个不归我们管,您找物业去。",
		"这个不归我们管。",
		"这事跟我们没关系,您问物业吧。",
		"这个我们管不了。",
		"这个不是我们管的,找别人去。",
		"这个不规我们管。",
		"这跟我们没关系,爱找谁找谁。",
	}
	hardQuestionsPower = []string{
		"那我想问一下,今年电价会不会调整啊?",
		"我家这个电表到底准不准啊?",
		"那个光伏发电的补贴什么时候能发下来?",
		"充电桩报装要多长时间能批下来?",
	}
	hardQuestionsHeat = []string{
		"那明年的热费标准会不会涨啊?",
		"我们楼什么时候能改成按热计量收费啊?",
		"那个老旧管网改造什么时候能轮到我们这片?",
		"退休老人的热费有没有补贴啊?",
	}
	// unableLines are answers the agent cannot give, by what they lack:
	// both the apology and the commitment, the commitment, the apology,
	// and an uncertainty with no remedy (also evasive).
	unableNeither  = []string{"这个需要核实一下,我现在答复不了。", "这个暂时无法答复。"}
	unableNoCommit = []string{"不好意思,这个需要核实。", "抱歉,这个我们暂时无法答复。"}
	unableNoSorry  = []string{"这个需要核实,核实以后会回复您。", "这个暂时无法答复,有消息会通知您。"}
	unableUnsure   = []string{"这个我也不清楚。", "这个我不知道。"}
	remedied       = []string{
		"对不起,这个问题我不是很清楚,我马上联系相关部门核实,核实后回复您。",
		"不好意思,这个我不太清楚,我帮您记录下来,{callback}。",
	}
	rhetoricalQs = []string{"啊?你刚才说啥?", "那我到底该怎么弄啊?", "你再说一遍,我没记住。"}
	rhetoricals  = []string{
		"不是跟您说过了吗,按刚才说的办就行。",
		"说了多少遍了,您按我刚才说的做就行。",
		"您没听清楚吗?我再说最后一遍。",
		"有完没完啊,刚才都说清楚了。",
		"说了多少遍了,按刚才说的办。",
	}
	reactions    = []string{"啊?那好吧。", "行吧。", "哦,那算了。", "这样啊。", "好吧。"}
	scrollNotice = []string{"另外您可以关注我们的公众号,上面会滚动发布{supply}方面的通知。"}
	okThanks     = []string{"好的,谢谢。", "行,知道了。", "好。"}
)

// sides adds the side exchanges: a customer's extra question and the
// agent's answer, which carry the evasive, unable and rhetorical
// violations and their hard negatives. Exchanges that need later agent
// turns to be clean come last.
func (c *call) sides() {
	if c.drawn[vDeadAir] && !c.realized[vDeadAir] || c.drawn[vProfanity] && !c.realized[vProfanity] {
		c.custSays("那你帮我看看吧。")
		c.lookup([]string{"记录我这边看到了。", "系统里有您的信息了。"})
	}
	hard := hardQuestionsPower
	if c.unit.kind == Heat {
		hard = hardQuestionsHeat
	}
	if !c.curt && c.exempt(c.g.exempt.RemediedUncertainty) && c.room(3) {
		t := pick(&c.r, remedied)
		if c.allowed(t) {
			c.custSays(pick(&c.r, hard))
			i := c.respond(c.fill(t), true)
			c.hardNegative("remedied_uncertainty", lexicon.RuleForbiddenEvasive, i)
			c.hardNegative("remedied_uncertainty", lexicon.RuleUnableCommitment, i)
			c.custSays(pick(&c.r, okThanks))
		}
	}
	if c.unit.kind == Power && c.exempt(c.g.exempt.WordBoundary) && c.room(2) {
		t := scrollNotice[0]
		if c.allowed(t) {
			i := c.respond(c.fill(t), true)
			c.hardNegative("word_boundary", lexicon.RuleForbiddenProfanity, i)
			c.custSays(pick(&c.r, okThanks))
		}
	}
	if c.drawn[vRhetorical] {
		c.custSays(pick(&c.r, rhetoricalQs))
		i := c.respond(c.line(rhetoricals), true)
		c.violate(vRhetorical, lexicon.RuleForbiddenRhetorical, i)
		c.react()
	}
	if c.drawn[vEvasive] {
		c.custSays(pick(&c.r, sideQuestions))
		i := c.respond(c.line(evasiveLines), true)
		c.violate(vEvasive, lexicon.RuleForbiddenEvasive, i)
		c.react()
	}
	if c.drawn[vUnable] {
		c.custExact(pick(&c.r, hard))
		variant := c.r.intn(4)
		if c.curt && (variant == 1 || variant == 2) || c.banApology && variant == 1 {
			variant = 0 // apologies and 您 are polite forms; an outage left without apology stays so
		}
		var bank []string
		switch variant {
		case 0:
			bank = unableNeither
		case 1:
			bank = unableNoCommit
		case 2:
			bank = unableNoSorry
		default:
			bank = unableUnsure
		}
		i := c.respond(c.line(bank), true)
		c.violate(vUnable, lexicon.RuleUnableCommitment, i)
		if variant == 3 {
			c.violate(vUnable, lexicon.RuleForbiddenEvasive, i)
		}
		// The agent's next turn must not make up for what is missing.
		c.banCommit = c.banCommit || variant != 2
		c.banApologyNext = true
		c.react()
	}
}

// react has the customer react to a side answer, when the call has room.
func (c *call) react() {
	if c.room(1) {
		c.custSays(pick(&c.r, reactions))
	}
}

var (
	askPhone      = []string{"麻烦您留一个联系电话。", "方便留个联系电话吗?", "您留个电话吧,后面有情况方便找到您。"}
	askPhoneCurt  = []string{"留个电话。", "电话多少?"}
	givePhone     = []string{"{phone}。", "我电话是{phone}。", "就打这个号吧,{phone}。", "{phone},这个号码就行。"}
	confirmPhone  = []string{"好的,{phoneA},对吗?", "跟您确认一下,号码是{phoneA},对吧?", "好的,{phoneA},没错吧?", "{phoneA}是吧?"}
	confirmedYes  = []string{"对。", "对的。", "没错。", "嗯对。"}
	phoneNoted    = []string{"好的,记下了。", "行。", "嗯,好。", "好,知道了。"}
	askMore       = []string{"请问还有其他可以帮您的吗?", "您还有其他问题吗?", "还有别的需要帮忙的吗?", "请问还有什么需要吗?"}
	askMoreCurt   = []string{"还有别的事吗?", "还有事吗?"}
	noMore        = []string{"没有了,谢谢。", "没了。", "没有了,麻烦你们了。", "好的,没有了。"}
	farewells     = []string{"好的,感谢您的来电,再见!", "不客气,感谢您的来电,祝您生活愉快,再见。", "谢谢您,再见。", "嗯好的,再见。", "好的,感谢您的耐心,再见。"}
	farewellsOut  = []string{"好的,那就不打扰您了,再见。", "好的,感谢您的配合,祝您生活愉快,再见。", "谢谢您,再见。"}
	farewellsCurt = []string{"再见。", "行,再见。", "好,拜拜。"}
	noFarewells   = []string{"好的。", "嗯,那就这样。", "行,好的。", "好,那您注意查收短信。"}
	custBye       = []string{"好,再见。", "拜拜。", "嗯,再见。", "好的,谢谢,再见。"}
	surveyPrompt  = "请您对本次服务进行评价,满意请按1,不满意请按2。"
)

// callback asks the customer for a number to call back on and confirms it,
// or, for the listening.confirm violation, does not.
func (c *call) callback() {
	if !c.drawn[vConfirm] && (!c.room(4) || !(c.topic.callback && c.r.chance(0.5)) && !c.r.chance(0.1)) {
		return
	}
	if c.curt {
		c.respond(c.line(askPhoneCurt), false)
	} else {
		c.reply(askPhone)
	}
	if c.drawn[vConfirm] {
		i := c.custExact(c.say(givePhone))
		c.respond(c.lineWhere(phoneNoted, c.plainAck), true)
		c.violate(vConfirm, lexicon.RuleListeningConfirm, i)
		return
	}
	c.custSays(c.say(givePhone))
	c.respond(c.line(confirmPhone), false)
	c.custSays(pick(&c.r, confirmedYes))
}

// plainAck keeps lines free of confirmation phrases.
func (c *call) plainAck(t string) bool { return !containsAny(t, c.g.bans.confirm) }

// closing asks whether there is anything else and says goodbye, or, for
// the closing.farewell violation, does not; a survey prompt follows when
// the system ends the call.
func (c *call) closing() {
	// The question is always asked when the informal-address violation
	// may need it as the utterance to say 你 in, and before a missing
	// farewell, so the agent's last turn is not the thanks of the script.
	c.closed = true
	if c.r.chance(0.7) || c.drawn[vInformal] || c.drawn[vFarewell] {
		switch {
		case c.curt:
			c.respond(c.line(askMoreCurt), false)
		case c.drawn[vInformal]:
			c.replyWhere(askMore, func(t string) bool { return strings.Contains(t, "您") })
		default:
			c.reply(askMore)
		}
		c.custSays(pick(&c.r, noMore))
	}
	switch {
	case c.drawn[vFarewell]:
		i := c.respond(c.lineWhere(noFarewells, func(t string) bool { return !containsAny(t, c.g.bans.farewell) }), true)
		c.violate(vFarewell, lexicon.RuleClosingFarewell, i)
	case c.curt:
		c.respond(c.line(farewellsCurt), false)
	case c.meta.Direction == scoring.Outbound:
		c.respond(c.line(farewellsOut), false)
	default:
		c.respond(c.line(farewells), false)
	}
	if c.room(1) && c.r.chance(0.55) {
		c.custSays(pick(&c.r, custBye))
	}
	if c.hangup == scoring.HangupSystem {
		c.add(utt{sp: scoring.System, text: surveyPrompt, protect: true})
	}
}

// informal swaps 您 for 你 in one or two agent utterances of the body, or
// has a curt agent say 你, for the polite.informal_address violation. An
// utterance qualifies when the swap leaves every phrase another rule reads
// (apology, commitment, confirmation, hold, thanks) in place.
func (c *call) informal() {
	if c.informalLeft == 0 {
		return
	}
	first, last := c.firstAgentTurnEnd(), c.lastAgentTurnStart()
	b := &c.g.bans
	n := len(c.utts)
	off := c.r.intn(max(n, 1))
	for k := 0; k < n && c.informalLeft > 0; k++ {
		i := (off + k) % n
		u := &c.utts[i]
		if u.sp != scoring.Agent || u.protect || u.backchannel || i <= first || i >= last {
			continue
		}
		var t string
		if c.curt {
			t = strings.TrimRight(u.text, "。?!,") + ",你记一下。"
		} else {
			t = swapNin(u.text)
			if t == u.text {
				continue
			}
			same := true
			for _, l := range [][]string{b.apology, b.commit, b.confirm, b.hold, b.thanks, b.greetings} {
				if containsAny(u.text, l) != containsAny(t, l) {
					same = false
				}
			}
			if !same {
				continue
			}
		}
		u.text = t
		u.protect = true
		c.informalLeft--
		c.violate(vInformal, lexicon.RulePoliteInformalAddress, i)
	}
}

// swapNin replaces by 你 every 您 that is not the greeting 您好 or part of
// the polite 麻烦您, which says 麻烦你 politely too.
func swapNin(s string) string {
	if !strings.Contains(s, "您") {
		return s
	}
	rs := []rune(s)
	for i, r := range rs {
		if r == '您' && (i+1 >= len(rs) || rs[i+1] != '好') && (i < 2 || string(rs[i-2:i]) != "麻烦") {
			rs[i] = '你'
		}
	}
	return string(rs)
}

// firstAgentTurnEnd returns the index of the last utterance of the first
// agent turn.
func (c *call) firstAgentTurnEnd() int {
	for i, u := range c.utts {
		if u.sp == scoring.Customer {
			return i - 1
		}
	}
	return len(c.utts) - 1
}

// lastAgentTurnStart returns the index of the first utterance of the last
// agent turn.
func (c *call) lastAgentTurnStart() int {
	i := len(c.utts) - 1
	for i >= 0 && c.utts[i].sp != scoring.Agent {
		i--
	}
	for i > 0 && c.utts[i-1].sp != scoring.Customer {
		i--
	}
	return i
}

var (
	crewETAs         = []string{"预计四十分钟左右到达现场", "大约一个小时以内到您那里", "预计半个小时左右到"}
	callbacks        = []string{"两个小时内给您回电", "今天下午五点之前回复您", "核实后回复您", "明天上午之前给您答复"}
	callbacksUntimed = []string{"核实后回复您", "有结果了马上联系您"}
	comingDays       = []string{"明天", "后天", "本周六", "下周一"}
	pastDays         = []string{"前天", "上周三", "昨天"}
)
