package adapt

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"callqa/scoring"
)

// RoleHints is what role detection of diarized mono audio looks for. A
// nil field takes its value from DefaultRoleHints; callers extend the
// defaults (UnitAliases with the unit names of the lexicon, for example)
// rather than replace them.
type RoleHints struct {
	// Greetings open an agent's first utterance (您好, 你好 …).
	Greetings []string
	// UnitAliases are names of the utilities the agents work for
	// (国网杭州供电公司, 95598 …); a speaker who names one is the agent.
	UnitAliases []string
	// WorkNumber matches an agent introducing themself by number or
	// service formula (工号1024, 3号为您服务, 1024为您服务).
	WorkNumber *regexp.Regexp
	// AgentPhrases are things agents say and customers rarely do
	// (请问有什么可以帮您, 请您稍等, 帮您查询, 感谢您的来电 …).
	AgentPhrases []string
	// CustomerPhrases are things callers say (我想, 我家, 为什么 …).
	CustomerPhrases []string
}

// DefaultRoleHints returns the hints used where RoleHints leaves a field
// nil. UnitAliases is empty: the lexicon knows the units.
func DefaultRoleHints() RoleHints {
	return RoleHints{
		Greetings: []string{"您好", "你好", "早上好", "上午好", "中午好", "下午好", "晚上好"},
		WorkNumber: regexp.MustCompile(`工号|[0-9零一二三四五六七八九十幺两]+\s*号\s*(为|位)|` +
			`[0-9]{2,5}\s*(为|位)?\s*(您|你)?\s*服务|(为|位)\s*(您|你)\s*服务|(您|你)\s*服务`),
		AgentPhrases: []string{
			"有什么可以帮", "有什么能帮", "有什么能够帮", "有什么需要帮", "有什么可以为", "有什么能为",
			"请您稍等", "请稍等", "您稍等", "稍等", "请稍候", "稍候",
			"耐心等待", "感谢您的来电", "感谢来电", "稍后评价",
			"还有其他", "还有什么", "还有别的",
			"帮您查", "帮您核实", "帮您处理", "帮您记录", "帮您开通", "帮您反馈", "帮您登记", "帮您转", "帮您进行",
			"给您做", "给您开通", "给您处理", "给您记录", "给您反馈", "给您补发", "给您回电", "给您答复",
			"请您提供", "您提供", "提供一下", "请您查收", "注意查收",
			"先生", "女士", "抢修", "工作人员",
		},
		CustomerPhrases: []string{
			"我想", "我要", "问一下", "我家", "我的", "我这", "我刚", "我手机",
			"为什么", "怎么回事", "你们", "停电", "没电", "不热", "投诉",
		},
	}
}

// defaultHints is DefaultRoleHints compiled once.
var defaultHints = sync.OnceValue(DefaultRoleHints)

func (h RoleHints) withDefaults() RoleHints {
	d := defaultHints()
	if h.Greetings == nil {
		h.Greetings = d.Greetings
	}
	if h.WorkNumber == nil {
		h.WorkNumber = d.WorkNumber
	}
	if h.AgentPhrases == nil {
		h.AgentPhrases = d.AgentPhrases
	}
	if h.CustomerPhrases == nil {
		h.CustomerPhrases = d.CustomerPhrases
	}
	return h
}

// Weights of the evidence for and against a speaker being the agent, and
// how clear the winner must be. They were set on the real calls in
// testdata/realcalls, where the agent wins by 6 points or more.
const (
	cueOpeningGreeting = 3 // the call's first utterance starts with a greeting
	cueOpeningService  = 2 // … and mentions 服务
	cueWorkNumber      = 3
	cueUnit            = 3
	cueAgentPhrase     = 2 // per distinct phrase, at most agentPhraseCap per utterance
	agentPhraseCap     = 3
	cuePolite          = 1 // 您 outside a greeting
	cueHelloAfterWei   = 2 // 喂/唉 + greeting opening: how callers answer
	cueWei             = 2 // an utterance opening with 喂
	cueCustomerPhrase  = 1 // per distinct phrase

	// minAgentScore and minAgentMargin: the agent must have at least this
	// score and lead every other speaker by at least this much.
	minAgentScore  = 4
	minAgentMargin = 4
)

// leadFillers are the interjections that may precede a greeting.
const leadFillers = "嗯啊呃唉哎噢哦喂额诶"

// roleDecision is the outcome of role detection for diarized audio.
type roleDecision struct {
	agent  string         // the agent's label, "" when undecided
	note   string         // why the roles are unknown, when they are
	scores map[string]int // evidence per label
}

// decideRoles picks the agent among the speaker labels of diarized mono
// audio from what each speaker says: the agent greets first, names the unit
// or a work number, asks how they can help, asks the caller to hold; the
// caller answers 喂, says 我想/我家. The agent is named only when one
// speaker leads clearly; otherwise agent is "" and note says why.
func decideRoles(segs []segment, h RoleHints) roleDecision {
	h = h.withDefaults()
	var labels []string
	seen := map[string]bool{}
	for _, s := range segs {
		if s.hasLabel && !seen[s.label] {
			seen[s.label] = true
			labels = append(labels, s.label)
		}
	}
	switch len(labels) {
	case 0:
		return roleDecision{note: "no speaker labels in the ASR result: agent and customer speech cannot be told apart"}
	case 1:
		return roleDecision{note: fmt.Sprintf("diarized mono: only one speaker label (%s): agent and customer speech cannot be told apart", labels[0])}
	}

	scores := map[string]int{}
	for _, l := range labels {
		scores[l] = 0
	}
	opening := -1
	for i, s := range segs {
		if substantive(s.text) {
			opening = i
			break
		}
	}
	agentRe := phraseRegexp(h.AgentPhrases)
	custRe := phraseRegexp(h.CustomerPhrases)
	for i, s := range segs {
		if !s.hasLabel {
			continue
		}
		t := s.text
		score := 0
		if i == opening {
			rest := strings.TrimLeftFunc(t, func(r rune) bool {
				return strings.ContainsRune(leadFillers, r) || unicode.IsSpace(r) || unicode.IsPunct(r)
			})
			lead := t[:len(t)-len(rest)]
			switch {
			case !hasPrefixAny(rest, h.Greetings):
				if strings.Contains(t, "服务") {
					score += cueOpeningService
				}
			case strings.ContainsAny(lead, "喂唉哎诶"):
				score -= cueHelloAfterWei
			default:
				if tail, ok := mergedReply(rest, h.Greetings); ok {
					// The agent's opening and the caller's reply came out
					// as one sentence under the caller's label: only the
					// reply is this speaker's.
					t = tail
					score -= cueHelloAfterWei
				} else {
					score += cueOpeningGreeting
					if strings.Contains(t, "服务") {
						score += cueOpeningService
					}
				}
			}
		}
		if strings.HasPrefix(strings.TrimSpace(t), "喂") {
			score -= cueWei
		}
		if h.WorkNumber.MatchString(t) {
			score += cueWorkNumber
		}
		if containsAny(t, h.UnitAliases) {
			score += cueUnit
		}
		if n := distinctMatches(agentRe, t); n > 0 {
			score += cueAgentPhrase * min(n, agentPhraseCap)
		}
		if strings.Contains(removeAll(t, h.Greetings), "您") {
			score += cuePolite
		}
		score -= cueCustomerPhrase * distinctMatches(custRe, t)
		scores[s.label] += score
	}

	ranked := append([]string(nil), labels...)
	sort.SliceStable(ranked, func(a, b int) bool {
		if scores[ranked[a]] != scores[ranked[b]] {
			return scores[ranked[a]] > scores[ranked[b]]
		}
		return labelLess(ranked[a], ranked[b])
	})
	best, second := ranked[0], ranked[1]
	d := roleDecision{scores: scores}
	switch {
	case scores[best] < minAgentScore:
		d.note = fmt.Sprintf("diarized mono: no speaker greeted first, named the unit or a work number, or spoke like an agent (best evidence %d for speaker %s, %d needed)",
			scores[best], best, minAgentScore)
	case scores[best]-scores[second] < minAgentMargin:
		d.note = fmt.Sprintf("diarized mono: speakers %s and %s both sound like the agent (evidence %d and %d)",
			best, second, scores[best], scores[second])
	default:
		d.agent = best
	}
	return d
}

// mergedReply finds, in an opening that starts with a greeting, a second
// greeting after the end of a sentence (“……请问有什么能帮您的吗？唉你好，
// 我想问……”): the caller answering. It returns the text after it.
func mergedReply(t string, greetings []string) (string, bool) {
	for i, r := range t {
		if !strings.ContainsRune("？?！!。", r) {
			continue
		}
		rest := strings.TrimLeftFunc(t[i+len(string(r)):], func(r rune) bool {
			return strings.ContainsRune(leadFillers, r) || unicode.IsSpace(r) || r == '，' || r == ','
		})
		for _, g := range greetings {
			if g != "" && strings.HasPrefix(rest, g) {
				return rest[len(g):], true
			}
		}
	}
	return "", false
}

// substantive reports whether an utterance has at least two letters,
// digits or Han characters: "为。" or "嗯" open no conversation.
func substantive(t string) bool {
	n := 0
	for _, r := range strings.TrimLeft(t, leadFillers) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n >= 2
}

func hasPrefixAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if p != "" && strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func containsAny(s string, subs []string) bool {
	for _, p := range subs {
		if p != "" && strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func removeAll(s string, subs []string) string {
	for _, p := range subs {
		if p != "" {
			s = strings.ReplaceAll(s, p, "")
		}
	}
	return s
}

// phraseRegexps caches phraseRegexp by the phrase list: a worker builds
// thousands of calls with the same hints.
var phraseRegexps sync.Map // string → *regexp.Regexp

// phraseRegexp builds one alternation of the phrases, longest first, so
// that 请您稍等 is one match rather than 请您稍等 and 稍等.
func phraseRegexp(phrases []string) *regexp.Regexp {
	key := strings.Join(phrases, "\x00")
	if re, ok := phraseRegexps.Load(key); ok {
		return re.(*regexp.Regexp)
	}
	re := compilePhrases(phrases)
	phraseRegexps.Store(key, re)
	return re
}

func compilePhrases(phrases []string) *regexp.Regexp {
	ps := make([]string, 0, len(phrases))
	for _, p := range phrases {
		if p != "" {
			ps = append(ps, regexp.QuoteMeta(p))
		}
	}
	if len(ps) == 0 {
		return nil
	}
	sort.SliceStable(ps, func(a, b int) bool { return len(ps[a]) > len(ps[b]) })
	return regexp.MustCompile(strings.Join(ps, "|"))
}

func distinctMatches(re *regexp.Regexp, s string) int {
	if re == nil {
		return 0
	}
	seen := map[string]bool{}
	for _, m := range re.FindAllString(s, -1) {
		seen[m] = true
	}
	return len(seen)
}

// labelLess orders labels numerically where both are numbers.
func labelLess(a, b string) bool {
	na, ea := strconv.Atoi(a)
	nb, eb := strconv.Atoi(b)
	if ea == nil && eb == nil {
		return na < nb
	}
	return a < b
}

// channelsOf lists the distinct labels of segs in label order.
func channelsOf(segs []segment) []string {
	var ls []string
	for _, s := range segs {
		if s.hasLabel && !slices.Contains(ls, s.label) {
			ls = append(ls, s.label)
		}
	}
	slices.SortFunc(ls, func(a, b string) int {
		switch {
		case labelLess(a, b):
			return -1
		case labelLess(b, a):
			return 1
		}
		return 0
	})
	return ls
}

// layoutOf says how labels are read for a result under a layout setting.
func layoutOf(kind labelKind, l Layout) labelKind {
	switch l {
	case LayoutDual:
		return labelsChannel
	case LayoutMono:
		return labelsSpeaker
	}
	if kind == labelsEither {
		return labelsSpeaker
	}
	return kind
}

// assignRoles returns the speaker of every segment and, when roles are
// unknown, the note saying why.
func assignRoles(res *asrResult, layout Layout, agentChannel int, hints RoleHints) ([]scoring.Speaker, string) {
	out := make([]scoring.Speaker, len(res.segs))
	switch layoutOf(res.kind, layout) {
	case labelsChannel:
		agent := strconv.Itoa(agentChannel)
		missing := 0
		for i, s := range res.segs {
			switch {
			case !s.hasLabel:
				out[i] = scoring.UnknownSpeaker
				missing++
			case s.label == agent:
				out[i] = scoring.Agent
			default:
				out[i] = scoring.Customer
			}
		}
		if missing > 0 {
			return out, fmt.Sprintf("dual-channel: %d sentences carry no channel", missing)
		}
		if !slices.Contains(out, scoring.Agent) {
			// A channel map that names no channel of the call would make
			// every word the customer's: say so instead of scoring an
			// agent who never spoke.
			for i := range out {
				out[i] = scoring.UnknownSpeaker
			}
			return out, fmt.Sprintf("dual-channel: no sentence on the agent's channel %d (channels present: %s)",
				agentChannel, strings.Join(channelsOf(res.segs), ", "))
		}
		return out, ""
	case labelsSpeaker:
		d := decideRoles(res.segs, hints)
		for i, s := range res.segs {
			switch {
			case d.agent == "" || !s.hasLabel:
				out[i] = scoring.UnknownSpeaker
			case s.label == d.agent:
				out[i] = scoring.Agent
			default:
				out[i] = scoring.Customer
			}
		}
		if d.agent != "" {
			for _, s := range res.segs {
				if !s.hasLabel {
					return out, "diarized mono: some sentences carry no speaker label"
				}
			}
		}
		return out, d.note
	}
	for i := range out {
		out[i] = scoring.UnknownSpeaker
	}
	return out, "no speaker labels in the ASR result: agent and customer speech cannot be told apart"
}
