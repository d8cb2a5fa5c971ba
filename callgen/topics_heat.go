package callgen

import "callqa/lexicon"

var heatInbound = []topicDef{
	{id: TopicNotWarm, weight: 30, callback: true, more: heatMore, branches: outageBranches, script: notWarm},
	{id: TopicNoHeat, weight: 12, callback: true, more: heatMore, branches: noHeatBranches, script: noHeat},
	{id: TopicHeatFee, weight: 20, routine: true, more: heatFeeMore, branches: notCurrentBranch, script: heatFee},
	{id: TopicInstall, weight: 10, routine: true, more: installMore, script: install},
	{id: TopicValve, weight: 13, callback: true, more: valveMore, script: valve},
	{id: TopicHeatComplaint, weight: 10, callback: true, more: complaintMore, branches: complaintBranches, script: complaint},
}

// noHeatBranches is outageBranches without the customer's own cause: a
// whole building without heat is the network's.
func noHeatBranches(c *call) int {
	if c.exempt(c.g.exempt.NotCurrentOutage) {
		return branchNotCurrent
	}
	c.meta.Outage = true
	if c.r.chance(0.12) {
		c.threat = true
		c.meta.Complaint = true
	}
	return branchNetwork
}

var (
	heatReports = []string{
		"我家暖气不热,摸着是凉的。", "我们家暖气一直不热,屋里才十几度。", "暖气片一点都不热,家里冷得不行。",
		"你好,我家暖气是凉的,一点都不热。",
	}
	heatThreats = []string{
		"暖气不热好几天了,再不解决我就投诉你们!", "我家暖气一直不热,你们再不管我就要投诉了!",
	}
	heatFaultFound = []string{
		"查到您那一片的换热站循环泵出了故障,维修人员正在抢修。",
		"系统显示您所在区域的供热管网在抢修,所以温度上不来。",
		"查到了,您那边的管道出了故障,已经安排人员抢修。",
	}
	askValve     = []string{"请问您家暖气的阀门都打开了吗?", "麻烦您先看一下暖气的阀门是不是开着的?"}
	valveOpen    = []string{"阀门是开着的啊。", "开着呢,我看了。"}
	bleedAir     = []string{"那可能是暖气片里有空气,您可以试着放一下气。", "那应该是暖气片里有空气,需要排气。"}
	howBleed     = []string{"怎么放啊?", "这个我自己能弄吗?"}
	bleedHow     = []string{"暖气片上面有个小阀门,拧开等有水流出来再关上就行。", "您拧开暖气片上的放气阀,出水了再拧紧就行。"}
	tryIt        = []string{"好,我试试。", "行,我试一下。"}
	noHeatRpts   = []string{"我们整栋楼都停暖了,怎么回事?", "我家现在没有暖气了,整栋楼都是。", "家里突然没暖气了,邻居家也一样。"}
	noHeatThreat = []string{"整栋楼都没暖气了,再不修我就要投诉!"}
	heatPlanned  = []string{"听说下周要停热检修,是真的吗?", "我看到通知说明天要停暖,是我们这片吗?"}
	heatPlanFnd  = []string{"是的,因为管网检修,您那一片会暂停供热一天,早上八点开始。", "查到了,您所在的区域有计划检修,会暂停供热一天。"}
	heatPlanWry  = []string{"一整天啊?那家里多冷啊。", "那老人怎么办啊?"}
	heatPlanSry  = []string{"检修是为了保证整个冬天的供热安全,给您带来不便,请您谅解。", "给您带来不便非常抱歉,建议您提前做好保暖。"}
	feeAsk       = []string{"我想查一下今年的热费交了没有。", "今年热费是怎么算的?", "我家热费怎么比去年多了?"}
	feePast      = []string{"去年冬天停暖那几天的热费能退吗?"}
	feeFound     = []string{"您家今年的采暖费是{amount},已经缴清了。", "查到您家今年采暖费{amount},还没有缴纳。", "今年采暖费{amount}。"}
	feePastAns   = []string{"去年停暖期间的费用已经按天数退到您的账户里了。", "去年停暖那几天的费用已经退到账户里了。"}
	feeRule      = []string{"热费是按您家的建筑面积乘以单价计算的。", "按建筑面积算的。"}
	installAsk   = []string{"我家新房子想开通暖气,怎么办理?", "我想申请开通供暖,要什么手续?"}
	installNeed  = []string{"需要带上房产证和身份证到营业厅申请,我们会安排人员上门勘察。", "带房产证、身份证去营业厅办,会有人上门勘察。"}
	installWhen  = []string{"不知道您这周哪天方便?我们先给您预约一下上门时间。", "不知道您这周哪天方便上门勘察?"}
	installWhen2 = []string{"请问您这周哪天有空?我们先给您预约一下。", "这周哪天有空?"}
	installDay   = []string{"周四下午吧。", "周六上午可以吗?"}
	installOK    = []string{"可以的,师傅上门前会先给您打电话。", "好的,那就这么定了,师傅去之前会先给您打电话。", "行,到时候有人联系。"}
	valveAsk     = []string{"我家暖气阀门关不上了,一直在滴水。", "暖气的阀门坏了,拧不动。"}
	valveVisit   = []string{"我给您登记报修,维修师傅{crew}。", "已经给您派单了,维修师傅会先联系您再上门。"}
)

func notWarm(c *call) {
	switch c.branch {
	case branchOwnCause:
		c.report(heatReports)
		c.reply(askValve)
		c.custSays(pick(&c.r, valveOpen))
		c.reply(bleedAir)
		c.custSays(pick(&c.r, howBleed))
		c.reply(bleedHow)
		c.ownCause()
		c.custSays(pick(&c.r, tryIt))
	case branchNotCurrent:
		heatPlannedQuery(c)
	default:
		bank := heatReports
		if c.threat {
			bank = heatThreats
		}
		c.report(bank)
		c.identify(true)
		c.lookup(heatFaultFound)
		c.etaStep()
		c.custSays(pick(&c.r, waitAfterETA))
	}
}

func noHeat(c *call) {
	if c.branch == branchNotCurrent {
		heatPlannedQuery(c)
		return
	}
	bank := noHeatRpts
	if c.threat {
		bank = noHeatThreat
	}
	c.report(bank)
	c.identify(true)
	c.lookup(heatFaultFound)
	c.etaStep()
	c.custSays(pick(&c.r, waitAfterETA))
}

func heatPlannedQuery(c *call) {
	i := c.state(heatPlanned, true)
	c.hardNegative("not_current_outage", lexicon.RuleOutageETA, i)
	c.identify(true)
	c.lookup(heatPlanFnd)
	c.custSays(pick(&c.r, heatPlanWry))
	c.reply(heatPlanSry)
}

func heatFee(c *call) {
	if c.branch == branchNotCurrent {
		i := c.state(feePast, true)
		c.hardNegative("not_current_outage", lexicon.RuleOutageETA, i)
		c.identify(false)
		c.lookup(feePastAns)
	} else {
		c.state(feeAsk, false)
		c.identify(false)
		c.lookup(feeFound)
		if c.room(2) && c.r.chance(0.5) {
			c.custSays("这个是怎么算的?")
			c.reply(feeRule)
		}
	}
	c.custSays(pick(&c.r, payHow))
	c.reply(payWays)
	c.custSays(pick(&c.r, understood))
}

func install(c *call) {
	c.state(installAsk, false)
	c.reply(installNeed)
	if c.room(8) && c.r.chance(0.5) {
		if !c.curt && c.exempt(c.g.exempt.PoliteQuestion) {
			i := c.agentExact(pick(&c.r, installWhen))
			c.hardNegative("polite_question", lexicon.RuleForbiddenEvasive, i)
			c.hardNegative("polite_question", lexicon.RuleUnableCommitment, i)
		} else {
			c.agentSays(c.line(installWhen2))
		}
		c.custSays(pick(&c.r, installDay))
		c.reply(installOK)
		c.identify(true)
	}
	c.custSays(pick(&c.r, understood))
}

func valve(c *call) {
	c.state(valveAsk, false)
	c.identify(true)
	c.reply(valveVisit)
	c.custSays(pick(&c.r, understood))
}
