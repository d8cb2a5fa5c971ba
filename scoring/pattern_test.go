package scoring

import (
	"regexp"
	"testing"
)

func TestRequiredRunes(t *testing.T) {
	cases := []struct {
		re   string
		want []rune // nil: no required set
	}{
		{`不是(?:跟|和)(?:你|您)说过了吗`, []rune{'不'}},
		{`(?:说|讲)了(?:多少|几)(?:遍|次)了`, []rune{'了'}},
		{`(?:你|您)?到底(?:想|要)(?:怎么样|干什么)`, []rune{'到'}},
		{`\d{7,}`, []rune("0123456789")},
		{`\p{Han}+`, nil},
		{`(?:\d+|[一二三])点`, []rune{'点'}},
		{`(?:小区|花园)`, []rune{'小', '花'}},
		{`\p{Han}{2,6}?路\d+号`, []rune{'路'}},
		{`a*`, nil},
	}
	for _, tc := range cases {
		p := newPattern(regexp.MustCompile(tc.re))
		if tc.want == nil {
			if p.need != nil {
				t.Errorf("%s: a required set was found where none holds", tc.re)
			}
			continue
		}
		if p.need == nil {
			t.Errorf("%s: no required set, want one of %q", tc.re, string(tc.want))
			continue
		}
		for _, r := range tc.want {
			if !p.need.has(r) {
				t.Errorf("%s: required set lacks %q", tc.re, r)
			}
		}
	}
}

// TestPatternPrecheckNeverHidesAMatch checks the pre-check against the
// lexicon's own patterns on texts that match them.
func TestPatternPrecheckNeverHidesAMatch(t *testing.T) {
	texts := []string{"我不是跟你说过了吗", "说了多少遍了", "你到底想怎么样", "预计三点恢复", "两个小时", "下午3点", "阳光花园三号楼", "文一路88号", "户号3301234567", "13800001234", "明天下午之前", "反映一个停电问题"}
	for _, src := range []string{`不是(?:跟|和|给|告诉)(?:你|您)(?:说|讲)?过?了吗`, `(?:\d{1,2}|[两三四五六七八九十]|十[一二]|[一二]十[一二三四]?)点(?:钟|半|前|之前|以前|左右)?`,
		`\p{Han}{2,6}?(?:小区|花园|公寓|大厦|家园|新村|苑|社区|广场)`, `(?:今天|明天|后天)(?:上午|下午|晚上)?(?:之前|以前|前)`, `反映(?:一下|一个|个)?\p{Han}{0,6}问题`} {
		p := newPattern(regexp.MustCompile(src))
		for _, text := range texts {
			if p.re.MatchString(text) && !p.mayMatch([]rune(text)) {
				t.Errorf("%s matches %q but the pre-check says it cannot", src, text)
			}
		}
	}
}
