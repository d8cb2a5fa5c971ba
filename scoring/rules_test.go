package scoring_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"callqa/scoring"
)

// dialog builds a transcript from lines "A: …" (agent), "C: …" (customer),
// "S: …" (system) or "?: …" (unknown), timed at 4 Han characters per
// second with 400 ms gaps, ending with hang-up by the customer.
func dialog(unit string, lines ...string) *scoring.Transcript {
	t := &scoring.Transcript{
		CallID: "t-1", Unit: unit, AgentID: "A1", Direction: scoring.Inbound,
		StartedAt: time.Date(2026, 11, 22, 9, 30, 0, 0, time.FixedZone("", 8*3600)),
		HangupBy:  scoring.HangupCustomer,
	}
	var at int64
	for _, l := range lines {
		who, text, _ := strings.Cut(l, ": ")
		sp := map[string]scoring.Speaker{"A": scoring.Agent, "C": scoring.Customer, "S": scoring.System, "?": scoring.UnknownSpeaker}[who]
		dur := int64(len([]rune(text))) * 250
		t.Utterances = append(t.Utterances, scoring.Utterance{Speaker: sp, Timed: true, StartMS: at, EndMS: at + dur, Text: text})
		at += dur + 400
	}
	return t
}

// opening is a compliant first agent turn for sgcc-hz, so a test of some
// other rule is not disturbed by the greeting rules.
const opening = "A: 您好,国网杭州供电公司,请问有什么可以帮您?"
const closing = "A: 好的,感谢您的来电,再见"

func found(rec *scoring.Record, rule string) []int {
	var out []int
	for _, f := range rec.Findings {
		if f.Rule == rule {
			out = append(out, f.Utterance)
		}
	}
	return out
}

func score(t *testing.T, tr *scoring.Transcript) *scoring.Record {
	t.Helper()
	rec, err := testEngine(t).Score(tr)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

type ruleCase struct {
	name  string
	unit  string
	lines []string
	want  []int // utterances where the rule fires
}

func runRuleCases(t *testing.T, rule string, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			unit := tc.unit
			if unit == "" {
				unit = "sgcc-hz"
			}
			rec := score(t, dialog(unit, tc.lines...))
			if got := found(rec, rule); !slices.Equal(got, tc.want) {
				t.Errorf("%s fires at %v, want %v; findings: %s", rule, got, tc.want, summary(rec))
			}
		})
	}
}

func summary(rec *scoring.Record) string {
	var b strings.Builder
	for _, f := range rec.Findings {
		fmt.Fprintf(&b, "[%s #%d %q] ", f.Rule, f.Utterance, f.Evidence)
	}
	return b.String()
}

func TestGreetingRules(t *testing.T) {
	runRuleCases(t, "greeting.missing", []ruleCase{
		{"greeting and unit", "", []string{opening, "C: 我问下电费", closing}, nil},
		{"bare 喂 is no greeting", "", []string{"A: 喂,国网杭州供电公司", "C: 我问下电费", closing}, []int{0}},
		{"喂 then greeting before the customer speaks", "", []string{"A: 喂", "A: 您好,国网杭州供电公司", "C: 我问下电费", closing}, nil},
		{"你好像 is not 你好", "", []string{"A: 你好像打错了,国网杭州", "C: 哦", closing}, []int{0}},
		{"afternoon greeting", "", []string{"A: 下午好,杭州供电公司", "C: 我问下电费", closing}, nil},
		{"customer speaks first", "", []string{"C: 喂?", "A: 您好,国网杭州供电公司", "C: 我问下电费", closing}, nil},
		{"outbound is not judged", "", nil, nil},
	})
	runRuleCases(t, "greeting.unit_missing", []ruleCase{
		{"unit after greeting", "yongheng-heat", []string{"A: 您好,永恒热力", "C: 暖气不热", closing}, nil},
		{"unit before greeting", "yongheng-heat", []string{"A: 永恒热力,您好", "C: 暖气不热", closing}, []int{0}},
		{"station number instead of unit", "yongheng-heat", []string{"A: 您好,三号为您服务", "C: 暖气不热", closing}, []int{0}},
		{"homophone of the unit", "yongheng-heat", []string{"A: 您好,永衡热力", "C: 暖气不热", closing}, nil},
		{"hotline number spoken as digits", "", []string{"A: 您好,九五五九八,请讲", "C: 我问下电费", closing}, nil},
		{"no greeting but unit named", "", []string{"A: 国网杭州供电公司", "C: 我问下电费", closing}, nil},
		{"neither greeting nor unit", "", []string{"A: 喂,请讲", "C: 我问下电费", closing}, []int{0}},
		{"another unit's name", "shengyuan-heat", []string{"A: 您好,永恒热力", "C: 暖气不热", closing}, []int{0}},
	})
}

func TestOutboundIntro(t *testing.T) {
	cases := []struct {
		name  string
		first string
		fires bool
	}{
		{"complete", "您好!我是国网杭州供电公司95598的工作人员,不好意思,可以打扰您一下吗?", false},
		{"identity check only", "喂,请问是陈先生吗?", true},
		{"generic company names no unit", "您好,我是热力公司客服,打扰您一下", true},
		{"no purpose", "您好,我是国网杭州供电公司的", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := dialog("sgcc-hz", "A: "+tc.first, "C: 嗯你说", closing)
			tr.Direction = scoring.Outbound
			rec := score(t, tr)
			if got := len(found(rec, "outbound.intro")) > 0; got != tc.fires {
				t.Errorf("fires = %v, want %v: %s", got, tc.fires, summary(rec))
			}
			if len(found(rec, "greeting.missing"))+len(found(rec, "greeting.unit_missing")) > 0 {
				t.Errorf("greeting rules judged an outbound call: %s", summary(rec))
			}
		})
	}
}

func TestLateApology(t *testing.T) {
	ring := func(ms int64) *int64 { return &ms }
	cases := []struct {
		name  string
		unit  string
		ring  *int64
		first string
		fires bool
		na    bool
	}{
		{"within 4 rings", "sgcc-hz", ring(12000), "您好,国网杭州供电公司", false, false},
		{"over 4 rings, no apology", "sgcc-hz", ring(12500), "您好,国网杭州供电公司", true, false},
		{"over 4 rings, apology", "sgcc-hz", ring(15000), "您好,国网杭州供电公司,让您久等了", false, false},
		{"heat: over 3 rings", "yongheng-heat", ring(9500), "您好,永恒热力", true, false},
		{"no ring time", "sgcc-hz", nil, "您好,国网杭州供电公司", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := dialog(tc.unit, "A: "+tc.first, "C: 我问下费用", closing)
			tr.RingMS = tc.ring
			rec := score(t, tr)
			if got := len(found(rec, "answer.late_apology")) > 0; got != tc.fires {
				t.Errorf("fires = %v, want %v: %s", got, tc.fires, summary(rec))
			}
			if got := slices.Contains(rec.NotAssessable, "answer.late_apology"); got != tc.na {
				t.Errorf("not assessable = %v, want %v", got, tc.na)
			}
		})
	}
}

func TestPoliteness(t *testing.T) {
	runRuleCases(t, "closing.farewell", []ruleCase{
		{"farewell", "", []string{opening, "C: 好", "A: 好的,再见"}, nil},
		{"no farewell", "", []string{opening, "C: 好", "A: 嗯行"}, []int{2}},
		{"farewell only earlier", "", []string{opening, "C: 好的谢谢", "A: 不客气,再见", "C: 等一下", "A: 您说"}, []int{4}},
	})
	runRuleCases(t, "polite.phrasing", []ruleCase{
		{"请 in 请问 counts", "", []string{opening, "C: 好", "A: 好的再见"}, nil},
		{"greeting and farewell only", "", []string{"A: 您好,国网杭州供电公司", "C: 查下电费", "A: 一百二十块", "C: 好", "A: 谢谢您,再见"}, []int{-1}},
		{"申请 is not 请", "", []string{"A: 您好,国网杭州供电公司", "C: 怎么办过户", "A: 要申请,带上证件去营业厅", "C: 好", "A: 再见"}, []int{-1}},
		{"您 in 为您服务 counts", "", []string{"A: 您好,国网杭州供电公司,三号为您服务", "C: 查下电费", "A: 好的再见"}, nil},
	})
	runRuleCases(t, "polite.informal_address", []ruleCase{
		{"你 addresses the customer", "", []string{opening, "C: 电费多少", "A: 你家户号多少", closing}, []int{2}},
		{"你好像", "", []string{opening, "C: 电费多少", "A: 你好像没说户号", closing}, []int{2}},
		{"你们 is plural", "", []string{opening, "C: 电费多少", "A: 您问一下你们物业", closing}, nil},
		{"你好 greets", "", []string{"A: 你好,国网杭州供电公司", "C: 电费多少", closing}, nil},
		{"quoted system prompt", "", []string{opening, "C: 短信说什么", "A: 短信上写的是“你的电费余额不足”,请您及时缴费", closing}, nil},
		{"customer's own 你", "", []string{opening, "C: 你帮我查一下", closing}, nil},
		{"one finding per utterance", "", []string{opening, "C: 电费多少", "A: 你的户号你记得吗", closing}, []int{2}},
	})
}

func TestForbidden(t *testing.T) {
	runRuleCases(t, "forbidden.evasive", []ruleCase{
		{"refusal", "", []string{opening, "C: 楼道灯坏了", "A: 这个不归我们管", closing}, []int{2}},
		{"homophone refusal", "", []string{opening, "C: 楼道灯坏了", "A: 这个不规我管", closing}, []int{2}},
		{"quoting a complaint", "", []string{opening, "C: 他们说不归他们管", "A: 您是说物业跟您说不归我们管?", closing}, nil},
		{"prescribed phrasing", "", []string{opening, "C: 补贴怎么算", "A: 对不起,这个问题我不是很清楚,我马上和相关部门联系,核实后回复您", closing}, nil},
		{"request to repeat", "", []string{opening, "C: 我住那个小区", "A: 不知道您说的是哪个小区,麻烦您再说一遍", closing}, nil},
		{"polite question", "", []string{opening, "C: 要上门吗", "A: 要的,不知道您这周哪天方便?", closing}, nil},
		{"polite question by its question mark", "", []string{opening, "C: 要上门吗", "A: 要的,不知道您这周哪天有空？我们安排师傅", closing}, nil},
		{"不知道您 without a question", "", []string{opening, "C: 要上门吗", "A: 不知道您家在哪", closing}, []int{2}},
		{"customer is the subject", "", []string{opening, "C: 嗯", "A: 您不知道户号吗", closing}, nil},
		{"plain uncertainty", "", []string{opening, "C: 补贴怎么算", "A: 这个我不知道", closing}, []int{2}},
		{"remedy two turns later does not count", "", []string{opening, "C: 补贴怎么算", "A: 我不清楚", "C: 啊?", "A: 嗯", "C: 那怎么办", "A: 对不起,我帮您核实一下"}, []int{2}},
	})
	runRuleCases(t, "forbidden.profanity", []ruleCase{
		{"swearing at the system", "", []string{opening, "C: 查好了吗", "A: 这破系统,妈的", closing}, []int{2}},
		{"homophone", "", []string{opening, "C: 查好了吗", "A: 他吗的又卡了", closing}, []int{2}},
		{"有病人 is no insult", "", []string{opening, "C: 家里有病人", "A: 明白,家里有病人我们优先安排", closing}, nil},
		{"滚动 is no insult", "", []string{opening, "C: 好", "A: 屏幕上会滚动显示停电通知", closing}, nil},
		{"restating the customer", "", []string{opening, "C: 他骂我", "A: 您是说他骂您“有病”,对吗?", closing}, nil},
		{"insult", "", []string{opening, "C: 你们什么破公司", "A: 你有病吧", closing}, []int{2}},
	})
	runRuleCases(t, "forbidden.rhetorical", []ruleCase{
		{"listed phrase", "", []string{opening, "C: 怎么交", "A: 我不是跟你说过了吗", closing}, []int{2}},
		{"pattern variant", "", []string{opening, "C: 怎么交", "A: 刚才不是告诉您了吗", closing}, []int{2}},
		{"customer's own words", "", []string{opening, "C: 你到底想怎么样", "A: 对不起,我帮您看一下", closing}, nil},
	})
}

func TestProfanityIsFatal(t *testing.T) {
	rec := score(t, dialog("sgcc-hz", opening, "C: 好了没", "A: 妈的又卡了", closing))
	if rec.Score != 0 || !rec.Fatal || rec.Passed {
		t.Errorf("score %d fatal %v passed %v, want 0 true false", rec.Score, rec.Fatal, rec.Passed)
	}
}

func TestEvidenceSpansPointAtTheOriginal(t *testing.T) {
	rec := score(t, dialog("sgcc-hz", opening, "C: 樓道燈壞了", "A: 嗯,這個，不歸我們管啊", closing))
	var f *scoring.Finding
	for i := range rec.Findings {
		if rec.Findings[i].Rule == "forbidden.evasive" {
			f = &rec.Findings[i]
		}
	}
	if f == nil {
		t.Fatalf("no evasive finding: %s", summary(rec))
	}
	if f.Evidence != "不歸我們管" || f.Span == nil || *f.Span != (scoring.Span{Start: 5, End: 10}) {
		t.Errorf("evidence %q span %+v, want 不歸我們管 [5,10)", f.Evidence, f.Span)
	}
	if f.Homophone {
		t.Error("an exact match is marked homophone")
	}
	if f.Clause == "" || f.Message == "" || f.StartMS == nil {
		t.Errorf("finding lacks clause, message or times: %+v", f)
	}
}

func TestHomophoneIsMarked(t *testing.T) {
	rec := score(t, dialog("sgcc-hz", opening, "C: 楼道灯坏了", "A: 这个不规我管", closing))
	for _, f := range rec.Findings {
		if f.Rule == "forbidden.evasive" {
			if !f.Homophone || f.Evidence != "不规我管" {
				t.Errorf("homophone %v evidence %q, want true 不规我管", f.Homophone, f.Evidence)
			}
			return
		}
	}
	t.Fatalf("no evasive finding: %s", summary(rec))
}

func TestListening(t *testing.T) {
	long := "C: 我家这个月电费突然涨到六百多块,平时也就两百来块钱,家里也没有添什么新电器,就我跟老伴两个人住"
	runRuleCases(t, "listening.acknowledge", []ruleCase{
		{"acknowledged", "", []string{opening, long, "A: 是的,我帮您查一下", closing}, nil},
		{"嗯 acknowledges", "", []string{opening, long, "A: 嗯,我帮您查一下", closing}, nil},
		{"copula 是 is no acknowledgement", "", []string{opening, long, "A: 您是户主本人吗", "C: 是", closing}, []int{1}},
		{"tag 对吧 is no acknowledgement", "", []string{opening, long, "A: 户号是三三零一对吧", "C: 对", closing}, []int{1}},
		{"short customer turn", "", []string{opening, "C: 查电费", "A: 您户号多少", closing}, nil},
	})
	runRuleCases(t, "listening.confirm", []ruleCase{
		{"read back", "", []string{opening, "C: 我电话是13800001234", "A: 好的,13800001234,已经登记了", closing}, nil},
		{"tail read back", "", []string{opening, "C: 我电话是一三八零零零零一二三四", "A: 尾号1234是吧", closing}, nil},
		{"asked to confirm", "", []string{opening, "C: 户号是3301234567", "A: 我跟您确认一下号码", closing}, nil},
		{"not confirmed", "", []string{opening, "C: 我电话是13800001234", "A: 好的,我们会派人过去", closing}, []int{1}},
		{"address confirmed", "", []string{opening, "C: 我住在阳光花园三号楼", "A: 阳光花园三号楼是吧", closing}, nil},
		{"address not confirmed", "", []string{opening, "C: 我住在阳光花园三号楼", "A: 好的,我们会派人过去", closing}, []int{1}},
	})
}

func TestUnableCommitment(t *testing.T) {
	runRuleCases(t, "unable.commitment", []ruleCase{
		{"apology and callback", "", []string{opening, "C: 补贴怎么算", "A: 对不起,这个需要核实,明天下午五点前给您回电", closing}, nil},
		{"no apology", "", []string{opening, "C: 补贴怎么算", "A: 这个需要核实,核实后回复您", closing}, []int{2}},
		{"no commitment", "", []string{opening, "C: 补贴怎么算", "A: 不好意思,这个暂时无法答复", closing}, []int{2}},
		{"refusal is only evasive", "", []string{opening, "C: 楼道灯坏了", "A: 这个不归我们管", closing}, nil},
		{"commitment in the next turn", "", []string{opening, "C: 补贴怎么算", "A: 抱歉我不太清楚", "C: 那怎么办", "A: 我核实后两个小时内给您回电"}, nil},
	})
}

func TestRaised(t *testing.T) {
	runRuleCases(t, "outage.eta", []ruleCase{
		{"apology and ETA", "", []string{opening, "C: 我家停电了", "A: 非常抱歉,线路检修,预计下午三点恢复", closing}, nil},
		{"no ETA", "", []string{opening, "C: 我家停电了", "A: 不好意思,我们派人过去看看", closing}, []int{1}},
		{"past outage in passing", "", []string{opening, "C: 上个月停电的时候表坏了", "A: 好的,我帮您登记换表", closing}, nil},
		{"arrears", "", []string{opening, "C: 家里没电了", "A: 查到您家欠费了,缴费后会自动恢复", closing}, nil},
		{"still out since yesterday", "", []string{opening, "C: 昨天到现在一直没电", "A: 好的我们派人过去", closing}, []int{1}},
		{"heat", "yongheng-heat", []string{"A: 您好,永恒热力", "C: 暖气不热了", "A: 抱歉,换热站检修,大约两个小时恢复", closing}, nil},
	})
	runRuleCases(t, "complaint.thanks", []ruleCase{
		{"thanked", "", []string{opening, "C: 我要投诉你们抄表员", "A: 非常感谢您的反映,我们会核实处理", closing}, nil},
		{"not thanked", "", []string{opening, "C: 我要投诉你们抄表员", "A: 好的,我们会核实处理", "C: 嗯", "A: 再见"}, []int{1}},
		{"没意见 is no complaint", "", []string{opening, "C: 我对你们没有意见", "A: 好的,再见"}, nil},
		{"farewell thanks count", "", []string{opening, "C: 我要举报有人偷电", "A: 好的已记录", closing}, nil},
	})
}

func TestTiming(t *testing.T) {
	at := func(tr *scoring.Transcript, i int, start, end int64) {
		tr.Utterances[i].StartMS, tr.Utterances[i].EndMS = start, end
	}
	t.Run("interrupt", func(t *testing.T) {
		tr := dialog("sgcc-hz", opening, "C: 我家的电表一直在跳字,晚上不用电也在走", "A: 您户号多少", closing)
		at(tr, 1, 3000, 9000)
		at(tr, 2, 7000, 8500)
		at(tr, 3, 9500, 11000)
		rec := score(t, tr)
		if got := found(rec, "timing.interrupt"); !slices.Equal(got, []int{2}) {
			t.Errorf("interrupt at %v, want [2]: %s", got, summary(rec))
		}
	})
	t.Run("backchannel is no interrupt", func(t *testing.T) {
		tr := dialog("sgcc-hz", opening, "C: 我家的电表一直在跳字,晚上不用电也在走", "A: 嗯嗯", closing)
		at(tr, 1, 3000, 9000)
		at(tr, 2, 6000, 7500)
		at(tr, 3, 9500, 11000)
		if got := found(score(t, tr), "timing.interrupt"); got != nil {
			t.Errorf("interrupt at %v, want none", got)
		}
	})
	t.Run("dead air", func(t *testing.T) {
		tr := dialog("sgcc-hz", opening, "C: 查下电费", "A: 好的", "C: 嗯", closing)
		at(tr, 4, 30000, 32000)
		if got := found(score(t, tr), "timing.dead_air"); !slices.Equal(got, []int{4}) {
			t.Errorf("dead air at %v, want [4]", got)
		}
	})
	t.Run("hold request covers the silence", func(t *testing.T) {
		tr := dialog("sgcc-hz", opening, "C: 查下电费", "A: 好的,请您稍等", "C: 好", closing)
		at(tr, 4, 40000, 42000)
		if got := found(score(t, tr), "timing.dead_air"); got != nil {
			t.Errorf("dead air at %v, want none", got)
		}
	})
	t.Run("speech rate", func(t *testing.T) {
		tr := dialog("sgcc-hz", opening, "C: 查下电费", "A: 您这个月电费是一百二十三块五,上个月是一百一十块,已经自动扣款了", closing)
		for i, u := range tr.Utterances {
			if u.Speaker == scoring.Agent {
				at(tr, i, u.StartMS, u.StartMS+(u.EndMS-u.StartMS)/2) // 8 chars/s
			}
		}
		rec := score(t, tr)
		if got := found(rec, "timing.speech_rate"); !slices.Equal(got, []int{-1}) {
			t.Errorf("speech rate at %v, want [-1]: %s", got, summary(rec))
		}
	})
	t.Run("untimed", func(t *testing.T) {
		tr := dialog("sgcc-hz", opening, "C: 查下电费", closing)
		for i := range tr.Utterances {
			tr.Utterances[i].Timed = false
		}
		rec := score(t, tr)
		for _, r := range []string{"timing.interrupt", "timing.speech_rate", "timing.dead_air"} {
			if !slices.Contains(rec.NotAssessable, r) {
				t.Errorf("%s is not reported as not assessable on an untimed call: %v", r, rec.NotAssessable)
			}
		}
	})
}

func TestHangupAndRoles(t *testing.T) {
	tr := dialog("sgcc-hz", opening, "C: 好", closing)
	tr.HangupBy = scoring.HangupAgent
	if got := found(score(t, tr), "hangup.agent_first"); !slices.Equal(got, []int{-1}) {
		t.Errorf("hangup.agent_first at %v, want [-1]", got)
	}
	tr.HangupBy = scoring.HangupUnknown
	rec := score(t, tr)
	if !slices.Contains(rec.NotAssessable, "hangup.agent_first") || rec.NotAssessableReasons["hangup.agent_first"] == "" {
		t.Errorf("unknown hang-up side is not reported as not assessable: %v", rec.NotAssessable)
	}

	tr = dialog("sgcc-hz", "?: 喂你好", "?: 我家停电了", "?: 这个不归我们管")
	tr.RolesNote = "diarized mono: no speaker greeted"
	rec = score(t, tr)
	if len(rec.Findings) != 0 {
		t.Errorf("findings on a call with unknown roles: %s", summary(rec))
	}
	if !slices.Contains(rec.NotAssessable, "forbidden.evasive") || !strings.Contains(rec.NotAssessableReasons["forbidden.evasive"], "no speaker greeted") {
		t.Errorf("not assessable %v, reasons %v", rec.NotAssessable, rec.NotAssessableReasons)
	}
}

func TestDeductions(t *testing.T) {
	// Four informal utterances: 2 points each, capped at 6.
	rec := score(t, dialog("sgcc-hz", opening, "C: 电费", "A: 你家户号", "C: 3301", "A: 你的电费一百", "C: 好", "A: 你交了吗", "C: 没", "A: 你去交吧", closing))
	var ded []int
	for _, f := range rec.Findings {
		if f.Rule == "polite.informal_address" {
			ded = append(ded, f.Deduction)
		}
	}
	if !slices.Equal(ded, []int{2, 2, 2, 0}) {
		t.Errorf("informal deductions %v, want [2 2 2 0]", ded)
	}
	// A rule without a cap deducts once per call.
	rec = score(t, dialog("sgcc-hz", opening, "C: 补贴", "A: 这个需要核实", "C: 那电价", "A: 这个也需要核实", closing))
	ded = nil
	for _, f := range rec.Findings {
		if f.Rule == "unable.commitment" {
			ded = append(ded, f.Deduction)
		}
	}
	if !slices.Equal(ded, []int{10, 0}) {
		t.Errorf("unable.commitment deductions %v, want [10 0]", ded)
	}
	total := 0
	for _, f := range rec.Findings {
		total += f.Deduction
	}
	if rec.Score != 100-total || rec.Passed != (rec.Score >= 80) {
		t.Errorf("score %d passed %v with deductions %d", rec.Score, rec.Passed, total)
	}
	if rec.LexiconVersion == "" || rec.SchemeVersion == "" || rec.Scheme != "power-95598" {
		t.Errorf("versions missing: %+v", rec)
	}
}

func TestUnknownUnitIsInputError(t *testing.T) {
	_, err := testEngine(t).Score(dialog("no-such-unit", opening))
	if !scoring.IsInputError(err) || !strings.Contains(err.Error(), "no-such-unit") {
		t.Errorf("err = %v, want an input error naming the unit", err)
	}
}
