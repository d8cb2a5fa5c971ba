package callgen

import "callqa/lexicon"

// Branches of the outage topics.
const (
	branchNetwork    = 0 // a current outage of the network: outage.eta applies
	branchOwnCause   = 1 // the cause is on the customer's side
	branchNotCurrent = 2 // a planned or past outage, asked about
)

// outageBranches picks the variant of an outage call and whether the
// customer threatens a complaint.
func outageBranches(c *call) int {
	switch {
	case c.exempt(c.g.exempt.NotCurrentOutage):
		return branchNotCurrent
	case c.exempt(c.g.exempt.OwnCause):
		return branchOwnCause
	}
	c.meta.Outage = true
	if c.r.chance(0.12) {
		c.threat = true
		c.meta.Complaint = true
	}
	return branchNetwork
}

func complaintBranches(c *call) int {
	c.meta.Complaint = true
	return 0
}

func notCurrentBranch(c *call) int {
	if c.exempt(c.g.exempt.NotCurrentOutage) {
		return branchNotCurrent
	}
	return 0
}

var powerInbound = []topicDef{
	{id: TopicOutageRepair, weight: 25, callback: true, branches: outageBranches, more: outageMore, script: outageRepair},
	{id: TopicBill, weight: 22, routine: true, more: billMore, branches: notCurrentBranch, script: bill},
	{id: TopicArrearsOutage, weight: 8, more: outageMore, script: arrearsOutage},
	{id: TopicTransfer, weight: 8, routine: true, more: transferMore, script: transfer},
	{id: TopicMeterReading, weight: 9, routine: true, callback: true, more: meterMore, script: meterReading},
	{id: TopicTimeOfUse, weight: 8, routine: true, more: touMore, script: timeOfUse},
	{id: TopicPowerComplaint, weight: 7, callback: true, more: complaintMore, branches: complaintBranches, script: complaint},
}

// Clauses customers run on with, by topic (see topicDef.more).
var (
	outageMore    = []string{"我刚下班回家就发现了", "家里老人孩子都在", "邻居家好像也一样", "我一大早就发现了", "冰箱里还有好多东西", "孩子晚上还要写作业"}
	billMore      = []string{"我平时用得也不多啊", "家里就两个人住", "这个账单我也看不太懂", "以前每个月都差不多", "我年纪大了弄不明白"}
	transferMore  = []string{"房子是刚买的", "原来的房主已经联系不上了", "我下周就要搬进去住", "我也不太懂这些手续"}
	meterMore     = []string{"我每个月都自己看一下表", "以前从来没出过这种问题", "我拍了照片可以给你们看", "这个数差得也太多了"}
	touMore       = []string{"我家晚上用电比较多", "听邻居说这个挺划算的", "我也不太懂这些", "家里刚买了电动车"}
	complaintMore = []string{"这已经不是第一次了", "我等了整整一天", "你们一定要给我一个说法", "我心里真的很不舒服"}
	heatMore      = []string{"家里老人孩子都在", "屋里冷得实在待不住", "邻居家好像也一样", "我一大早就发现了", "晚上睡觉都得穿着毛衣"}
	heatFeeMore   = []string{"我家面积也没多大啊", "去年好像没这么多", "这个单子我也看不太懂", "我年纪大了弄不明白"}
	installMore   = []string{"房子刚装修好", "家里有老人怕冷", "我也不太懂这些手续", "想赶在天冷以前弄好"}
	valveMore     = []string{"水一直往下滴", "地板都泡了", "我自己也不敢乱动", "家里就我一个人在"}
)

var (
	powerReports = []string{
		"我家突然停电了,怎么回事啊?", "你好,我们家现在没电了。", "我们整栋楼都停电了,到现在还没来电。",
		"家里突然断电了,邻居家好像也没电。", "我家从早上开始就一直没电。",
	}
	powerThreats = []string{
		"我家停电两个小时了,再不来修我就要投诉了!", "家里一直没电,你们再不管我就投诉你们!",
	}
	faultFound = []string{
		"查到了,您那一片是线路故障,抢修人员已经在处理了。",
		"系统显示您那边的变压器出了故障,已经派人去抢修了。",
		"查到您所在的区域因为线路故障停电了,已经安排抢修。",
	}
	waitAfterETA   = []string{"好的,那我等着。", "那行,麻烦快一点。", "好吧,那我等着吧。", "行,知道了。"}
	askSwitch      = []string{"请您先看一下家里的空开或者总闸有没有跳闸?", "麻烦您看一下家里的总闸是不是跳了?"}
	switchTripped  = []string{"我看一下啊……哎,还真是跳了。", "等一下我去看看……是跳了。"}
	pushSwitch     = []string{"那您把它推上去试试。", "您把空开推上去再试一下。"}
	powerBack      = []string{"好了好了,来电了。", "行了,有电了。"}
	ownWiring      = []string{"好的,如果总是跳闸,可能是您家里的线路有问题,建议您找电工检查一下。", "好的,那应该是您家里的线路有点问题,建议请电工看一下。"}
	plannedAsk     = []string{"听说明天要停电,是真的吗?", "我看到通知说后天要停电,是我们这吗?"}
	plannedFound   = []string{"是的,您那一片因为线路检修计划停电,时间是上午八点到下午五点。", "查到了,您所在的区域有计划检修停电,上午八点开始,下午五点结束。"}
	plannedWorry   = []string{"那冰箱里的东西怎么办啊?", "一整天啊?那也太久了。"}
	plannedSorry   = []string{"建议您提前做好准备,给您带来不便,请您谅解。", "检修是为了保证供电安全,给您带来不便非常抱歉。"}
	billAsk        = []string{"我想查一下我家{month}的电费。", "我家这个月电费怎么这么高啊?", "帮我查一下电费,看看交了没有。"}
	billPast       = []string{"上个月停电了好几次,电费怎么还涨了?"}
	billFound      = []string{"您家{month}用电两百一十度,电费是{amount}。", "查到了,您家{month}的电费是{amount},已经缴清了。", "您家{month}电费{amount},目前还没有缴纳。", "{month}电费{amount}。"}
	billWhy        = []string{"怎么比上个月多这么多?", "这个数对吗?感觉比平时多。"}
	billExplain    = []string{"主要是天气冷了用电量增加了,您家执行的是阶梯电价,超过第一档以后电价会高一些。", "您家这个月用电量比上个月多,阶梯电价超档了。", "用电量多了,超档了。"}
	payHow         = []string{"那我怎么交?", "在哪交啊?"}
	payWays        = []string{"您可以通过手机APP、微信公众号或者到营业厅缴纳。", "手机APP和微信都能交,营业厅也可以。"}
	understood     = []string{"哦,好的,明白了。", "行,知道了。", "好的。"}
	arrearsReports = []string{"我家突然停电了,是不是你们停的?", "我家没电了,邻居家都有电。"}
	arrearsFound   = []string{"查到您家目前欠费{amount},系统已经自动停电了。", "您家欠费{amount},所以停电了。"}
	arrearsPay     = []string{"那我现在就交,交了多久能来电?", "啊?我忘交了,交完马上能来电吗?"}
	arrearsAfter   = []string{"您交清电费以后,一般两个小时以内会恢复供电。", "缴费以后两个小时以内自动复电。"}
	transferAsk    = []string{"我买了个二手房,想把电表过户到我名下。", "我想办一下电表过户,需要什么材料?"}
	transferNeed   = []string{"过户需要带上买卖双方的身份证和房产证原件到营业厅办理。", "带上双方身份证、房产证去营业厅办。"}
	onlineAsk      = []string{"网上能办吗?", "不去营业厅行不行?"}
	onlineYes      = []string{"也可以在手机APP上申请,上传证件照片就行。", "APP上也能办,传照片就行。"}
	howLong        = []string{"要多长时间啊?", "多久能办好?"}
	transferTime   = []string{"资料齐全的话一般三个工作日左右。", "三个工作日。"}
	meterAsk       = []string{"我家电表的读数好像不对,跟账单上差了好多。", "这个月抄表的数跟我家表上的不一样。"}
	meterFound     = []string{"系统显示您家这个月的读数是一二三四五。", "系统里这个月的读数是一二三五零。"}
	meterMine      = []string{"我看表上才一万二千多。", "我家表上明明少一些。"}
	meterVisit     = []string{"可能是抄表的时候有误差,我这边给您登记一下,安排工作人员上门核对,{callback}。", "登记了,会安排人上门看。"}
	touAsk         = []string{"我想问一下峰谷电价怎么申请?", "峰谷电价是怎么算的?"}
	touExplain     = []string{"峰谷电价是晚上十点到第二天早上八点按谷段电价计费,您可以在APP上申请,也可以到营业厅办理。", "晚上十点到早上八点是谷段,便宜一些,APP上就能办。"}
	touWorth       = []string{"那划算吗?", "对我家合适吗?"}
	touAnswer      = []string{"如果您家晚上用电比较多,会比较划算。", "晚上用电多就划算。"}
)

func outageRepair(c *call) {
	switch c.branch {
	case branchOwnCause:
		c.report(powerReports)
		c.reply(askSwitch)
		c.custSays(pick(&c.r, switchTripped))
		c.reply(pushSwitch)
		c.custSays(pick(&c.r, powerBack))
		c.reply(ownWiring)
		c.ownCause()
		c.custSays(pick(&c.r, understood))
	case branchNotCurrent:
		i := c.state(plannedAsk, true)
		c.hardNegative("not_current_outage", lexicon.RuleOutageETA, i)
		c.identify(true)
		c.lookup(plannedFound)
		c.custSays(pick(&c.r, plannedWorry))
		c.reply(plannedSorry)
	default:
		bank := powerReports
		if c.threat {
			bank = powerThreats
		}
		c.report(bank)
		c.identify(true)
		c.lookup(faultFound)
		c.etaStep()
		c.custSays(pick(&c.r, waitAfterETA))
	}
}

func bill(c *call) {
	if c.branch == branchNotCurrent {
		i := c.state(billPast, true)
		c.hardNegative("not_current_outage", lexicon.RuleOutageETA, i)
	} else {
		c.state(billAsk, false)
	}
	c.identify(false)
	c.lookup(billFound)
	if c.room(2) && c.r.chance(0.5) {
		c.custSays(pick(&c.r, billWhy))
		c.reply(billExplain)
	}
	c.custSays(pick(&c.r, payHow))
	c.reply(payWays)
	c.custSays(pick(&c.r, understood))
}

func arrearsOutage(c *call) {
	c.report(arrearsReports)
	c.identify(false)
	c.lookup(arrearsFound)
	c.ownCause()
	c.custSays(pick(&c.r, arrearsPay))
	c.reply(arrearsAfter)
	c.custSays(pick(&c.r, understood))
}

func transfer(c *call) {
	c.state(transferAsk, false)
	c.reply(transferNeed)
	c.custSays(pick(&c.r, onlineAsk))
	c.reply(onlineYes)
	if c.room(2) && c.r.chance(0.5) {
		c.custSays(pick(&c.r, howLong))
		c.reply(transferTime)
	}
	if c.room(8) && c.r.chance(0.5) {
		c.identify(false)
		c.lookup([]string{"查到了,您这个户可以办理过户。", "这个户可以过户。"})
	}
	c.custSays(pick(&c.r, understood))
}

func meterReading(c *call) {
	c.state(meterAsk, false)
	c.identify(false)
	c.lookup(meterFound)
	c.custSays(pick(&c.r, meterMine))
	c.reply(meterVisit)
	c.custSays(pick(&c.r, understood))
}

func timeOfUse(c *call) {
	c.state(touAsk, false)
	c.reply(touExplain)
	c.custSays(pick(&c.r, touWorth))
	c.reply(touAnswer)
	if c.room(8) && c.r.chance(0.5) {
		c.identify(false)
		c.lookup([]string{"您家目前还没有开通峰谷电价。", "您家已经是峰谷电价了。", "还没开通峰谷电价。"})
	}
	c.custSays(pick(&c.r, understood))
}

var (
	complaintsPower = []string{
		"我要投诉你们的抄表员,根本就没上门,每次都是估的。",
		"我要反映一个问题,你们营业厅的工作人员态度太差了。",
		"我对你们的服务有意见,报修以后等了一整天都没人来。",
	}
	complaintsHeat = []string{
		"我要投诉你们的维修师傅,约好了上午来,结果下午才到。",
		"我要反映一个问题,你们的客服电话老是打不通。",
		"我对你们收费有意见,面积算得不对。",
	}
	// quotes are what the customer says the staff said, and the agent's
	// restating of it, by the rule the restating must not fire.
	quotes = []struct{ cust, agent, rule string }{
		{"他还跟我说“不归我们管,爱找谁找谁”!", "您是说工作人员跟您说“不归我们管”,对吗?", lexicon.RuleForbiddenEvasive},
		{"他还骂我神经病!", "您是说他骂您“神经病”,是吗?", lexicon.RuleForbiddenProfanity},
		{"他还跟我说“说了多少遍了”,特别不耐烦。", "您是说他跟您讲“说了多少遍了”,是吗?", lexicon.RuleForbiddenRhetorical},
	}
	quoteYes      = []string{"对,就是这么说的。", "是啊,你说气不气人。"}
	complaintTake = []string{
		"非常抱歉给您带来不好的体验,感谢您的反映,我这边详细记录一下。",
		"实在抱歉,感谢您的监督,您反映的情况我都记下来了。",
		"非常抱歉给您带来不好的体验,我这边详细记录一下。",
		"不好意思,您反映的情况我都记下来了。",
	}
	complaintPromise = []string{"我们会尽快核实处理,处理结果会在三个工作日内回复您。", "我们会转给相关部门核实,三个工作日内给您答复。"}
	complaintOK      = []string{"好,我等你们电话。", "行,尽快啊。", "好吧。"}
)

func complaint(c *call) {
	bank := complaintsPower
	if c.unit.kind == Heat {
		bank = complaintsHeat
	}
	i := c.state(bank, true)
	c.complained(i)
	// The restating needs the agent's reply right after the quote, so it
	// leaves alone a statement that a violation answers.
	if !c.drawn[vAck] && !c.drawn[vInterrupt] && c.exempt(c.g.exempt.ReportedSpeech) {
		q := quotes[c.r.intn(len(quotes))]
		c.custExact(q.cust)
		j := c.respond(q.agent, true)
		c.hardNegative("reported_speech", q.rule, j)
		c.custSays(pick(&c.r, quoteYes))
	}
	if c.drawn[vComplaint] {
		c.reply(complaintTake)
	} else {
		c.replyWhere(complaintTake, func(t string) bool { return containsAny(t, c.g.bans.thanks) })
	}
	c.identify(c.r.chance(0.5))
	c.respond(c.line(complaintPromise), false)
	c.custSays(pick(&c.r, complaintOK))
}
