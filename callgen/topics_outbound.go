package callgen

import "callqa/lexicon"

var powerOutbound = []topicDef{
	{id: TopicSurvey, weight: 40, purposes: surveyPurposes, more: surveyMore, branches: surveyBranches, script: survey},
	{id: TopicOutageNotice, weight: 30, purposes: outageNoticePurposes, more: noticeMore, script: outageNotice},
	{id: TopicArrearsRemind, weight: 30, purposes: arrearsPurposes, more: remindMore, script: arrearsRemind},
}

var heatOutbound = []topicDef{
	{id: TopicSurvey, weight: 35, purposes: surveyPurposes, more: surveyMore, branches: surveyBranches, script: survey},
	{id: TopicHeatNotice, weight: 20, purposes: heatNoticePurposes, more: noticeMore, script: outageNotice},
	{id: TopicHeatFeeRemind, weight: 25, purposes: heatFeePurposes, more: remindMore, script: arrearsRemind},
	{id: TopicAppointment, weight: 20, purposes: appointmentPurposes, more: appointmentMore, script: appointment},
}

var (
	surveyMore      = []string{"师傅来得还挺快的", "态度也挺好的", "就是中间等了一会儿", "现在用着都正常", "我还跟邻居说了这事", "当时家里人都挺着急的", "师傅还教了我怎么检查"}
	noticeMore      = []string{"我家里有冰箱", "白天家里有老人在", "我在家办公", "家里还养着鱼呢", "这个时间安排得有点不方便", "能不能提前一天再提醒一下"}
	remindMore      = []string{"最近太忙了给忘了", "我还以为是自动扣款的", "平时都是我爱人交的", "我这几天出差刚回来", "之前每个月都是按时交的", "手机上的提醒我没注意看"}
	appointmentMore = []string{"我平时上班", "周末一般都在家", "提前打个电话就行", "我住得有点偏", "楼下不好停车", "去之前最好跟我说一声"}

	surveyPurposes       = []string{"今天给您打电话是想回访一下您{day}报修的问题", "想跟您了解一下您{day}反映的问题处理得怎么样了"}
	outageNoticePurposes = []string{"通知您一下,{date}您所在的区域因为线路检修计划停电", "想提醒您一下,{date}您那一片要检修线路,会计划停电"}
	heatNoticePurposes   = []string{"通知您一下,因为管网维修,{date}您所在的区域暂停供热一天", "想提醒您一下,{date}您那一片供热管道检修,会暂停供热"}
	arrearsPurposes      = []string{"提醒您一下,您家{month}的电费还没有缴纳", "想跟您确认一下,您家{month}的电费是不是还没交"}
	heatFeePurposes      = []string{"提醒您一下,您家今年的采暖费还没有缴纳", "想跟您确认一下今年的采暖费缴纳情况"}
	appointmentPurposes  = []string{"您之前申请的暖气开通需要上门勘察,想跟您约一下时间", "关于您申请的供暖报装,想跟您约一下上门勘察的时间"}

	surveyFixed     = []string{"哦,已经修好了,挺快的。", "早就好了,没什么问题了。", "嗯,弄好了。"}
	surveyPast      = []string{"{day}停电那个啊,已经好了。"}
	surveyAsk       = []string{"请问您对我们的处理还满意吗?", "请问您对这次的服务满意吗?"}
	surveyAnswer    = []string{"挺满意的。", "还行吧,就是来得有点慢。", "满意,师傅挺负责的。"}
	surveyThanks    = []string{"好的,感谢您的反馈,我们会继续改进。", "好的,您的意见我们都记下了,谢谢您的支持。"}
	noticeHowLong   = []string{"哦,停多久啊?", "要停一整天吗?", "几点到几点啊?"}
	noticeHours     = []string{"{date}上午八点到下午五点,请您提前做好准备。", "从早上八点开始,预计下午五点左右结束,请您提前做好准备。"}
	noticeOK        = []string{"好的,知道了。", "行,我提前准备一下。"}
	noticeSorry     = []string{"给您带来不便,敬请谅解。", "给您添麻烦了,谢谢您的理解。"}
	remindHowMuch   = []string{"哦,我忘了,多少钱啊?", "是吗?我以为交过了,多少钱?"}
	remindAmount    = []string{"我这边系统里显示一共是{amount}。", "金额是{amount},您方便的时候交一下就行。"}
	remindWillPay   = []string{"好,我今天就交。", "行,我待会儿就交。"}
	remindWays      = []string{"好的,您可以通过手机APP或者微信公众号缴纳,也可以去营业厅。", "好的,手机上就能交,很方便。"}
	appointmentWhen = []string{"不知道您这周哪天方便?", "不知道您这周什么时候方便?"}
	appointmentAsk  = []string{"请问您这周哪天有空?", "您看这周哪天合适?"}
	appointmentDay  = []string{"周四下午吧。", "周六上午可以吗?", "明天下午我在家。"}
	appointmentOK   = []string{"可以的,那就这么定了,师傅上门前会先给您打电话。", "好的,给您约好了,师傅去之前会联系您。"}
)

func surveyBranches(c *call) int {
	if c.unit.kind == Power && c.exempt(c.g.exempt.NotCurrentOutage) {
		return branchNotCurrent
	}
	return 0
}

func survey(c *call) {
	if c.branch == branchNotCurrent {
		i := c.state(surveyPast, true)
		c.hardNegative("not_current_outage", lexicon.RuleOutageETA, i)
	} else {
		c.state(surveyFixed, false)
	}
	c.reply(surveyAsk)
	c.custSays(pick(&c.r, surveyAnswer))
	c.reply(surveyThanks)
}

func outageNotice(c *call) {
	c.state(noticeHowLong, false)
	c.reply(noticeHours)
	c.custSays(pick(&c.r, noticeOK))
	c.reply(noticeSorry)
}

func arrearsRemind(c *call) {
	c.state(remindHowMuch, false)
	c.reply(remindAmount)
	c.custSays(pick(&c.r, remindWillPay))
	c.reply(remindWays)
}

func appointment(c *call) {
	c.state([]string{"哦,是我申请的。", "对,我是申请了。"}, false)
	if c.exempt(c.g.exempt.PoliteQuestion) {
		i := c.replyExact(appointmentWhen)
		c.hardNegative("polite_question", lexicon.RuleForbiddenEvasive, i)
		c.hardNegative("polite_question", lexicon.RuleUnableCommitment, i)
	} else {
		c.reply(appointmentAsk)
	}
	c.custSays(pick(&c.r, appointmentDay))
	c.reply(appointmentOK)
	c.identify(true)
}
