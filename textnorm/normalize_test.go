package textnorm

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// kindLetters writes kinds compactly, one letter a rune.
var kindLetters = map[Kind]byte{Other: 'O', Han: 'H', Digit: 'D', Latin: 'L', Boundary: 'B', Filler: 'F'}

func kindsString(ks []Kind) string {
	b := make([]byte, len(ks))
	for i, k := range ks {
		b[i] = kindLetters[k]
	}
	return string(b)
}

func mustNew(t testing.TB, opts Options) *Normalizer {
	t.Helper()
	n, err := New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	return n
}

// identity returns the Src of a text whose runes map one to one.
func identity(n int) []int32 {
	src := make([]int32, n+1)
	for i := range src {
		src[i] = int32(i)
	}
	return src
}

func TestNormalizeSteps(t *testing.T) {
	n := mustNew(t, Options{})
	tests := []struct {
		name, in, want, kinds string
	}{
		{"empty", "", "", ""},
		{"full-width latin and digits", "ＡＢＣ１２３", "abc123", "LLLDDD"},
		{"full-width punctuation", "（，）！？：；", "       ", "BBBBBBB"},
		{"ideographic space", "您好\u3000再见", "您好 再见", "HHBHH"},
		{"chinese punctuation", "您好，请问。「是」、…", "您好 请问  是   ", "HHBHHBBHBBB"},
		{"no collapsing of boundaries", "好，，  吗", "好    吗", "HBBBBH"},
		{"traditional", "請問您的電費帳單", "请问您的电费帐单", "HHHHHHHH"},
		{"phrase over characters", "乾坤乾燥", "乾坤干燥", "HHHH"},
		{"latin lower-cased", "VIP Ok ÉTÉ", "vip ok été", "LLLBLLBLLL"},
		{"whitespace and controls", "a\tb\nc\x00d", "a b c d", "LBLBLBL"},
		{"symbols", "+¥$😀©", "     ", "BBBBB"},
		{"halfwidth katakana folds to wide", "ｶﾀ", "カタ", "OO"},
		{"hangul and kana are other", "한カ", "한カ", "OO"},
		{"non-ascii digits are other", "٣①", "٣①", "OO"},
		{"invalid utf-8 is a boundary", "好\xff吗", "好 吗", "HBH"},
		{"ideographic zero is han", "〇", "〇", "H"},
		{"zero-width space", "电\u200b费", "电 费", "HBH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := n.Normalize(tt.in)
			if got.String() != tt.want || kindsString(got.Kinds) != tt.kinds {
				t.Errorf("Normalize(%q) = %q %s, want %q %s", tt.in, got.String(), kindsString(got.Kinds), tt.want, tt.kinds)
			}
			if count := utf8.RuneCountInString(tt.in); !slices.Equal(got.Src, identity(count)) {
				t.Errorf("Normalize(%q).Src = %v, want %v", tt.in, got.Src, identity(count))
			}
		})
	}
}

func TestNormalizeSrcSpans(t *testing.T) {
	n := mustNew(t, DefaultOptions())
	tests := []struct {
		name, in, find, want string
	}{
		{"after width folding", "请报ＶＩＰ号码", "vip", "ＶＩＰ"},
		{"after t2s", "請問您的電費帳單", "电费帐单", "電費帳單"},
		{"phrase", "這是乾坤一擲的事", "乾坤一掷", "乾坤一擲"},
		{"digits", "電話一三八一二三四五六七八，對", "13812345678", "一三八一二三四五六七八"},
		{"mixed digits", "户号３３０一二三四五", "33012345", "３３０一二三四五"},
		{"boundaries", "好的！！再見", "好的  再见", "好的！！再見"},
		{"non-bmp", "㗲電", "𠵾电", "㗲電"},
		{"after invalid byte", "\xff電費", "电费", "電費"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txt := n.Normalize(tt.in)
			i := runeIndex(txt.Runes, []rune(tt.find))
			if i < 0 {
				t.Fatalf("Normalize(%q) = %q, does not hold %q", tt.in, txt.String(), tt.find)
			}
			start, end := txt.SrcSpan(i, i+len([]rune(tt.find)))
			if got := RuneSlice(tt.in, start, end); got != tt.want {
				t.Errorf("span of %q in %q = [%d,%d) %q, want %q", tt.find, tt.in, start, end, got, tt.want)
			}
		})
	}
}

func runeIndex(s, sub []rune) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if slices.Equal(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// TestNormalizePhraseOfOtherLength covers replacements longer and shorter
// than their source, which the shipped table lacks but a newer one may hold.
func TestNormalizePhraseOfOtherLength(t *testing.T) {
	tab, err := parseT2S("[TSCharacters]\n電\t电\n[TSPhrases]\n丙丁戊\t己\n庚辛\t壬癸子\n")
	if err != nil {
		t.Fatal(err)
	}
	n := &Normalizer{t2s: tab, minDigitRun: DefaultMinDigitRun}
	tests := []struct {
		in, want string
		src      []int32
	}{
		{"a丙丁戊b", "a己b", []int32{0, 1, 4, 5}},
		{"a庚辛b", "a壬癸子b", []int32{0, 1, 1, 2, 3, 4}},
		{"庚辛丙丁戊電", "壬癸子己电", []int32{0, 0, 1, 2, 5, 6}},
		{"丙丁", "丙丁", []int32{0, 1, 2}},
	}
	for _, tt := range tests {
		got := n.Normalize(tt.in)
		if got.String() != tt.want || !slices.Equal(got.Src, tt.src) {
			t.Errorf("Normalize(%q) = %q %v, want %q %v", tt.in, got.String(), got.Src, tt.want, tt.src)
		}
	}
	got := n.Normalize("a庚辛b")
	if s, e := got.SrcSpan(1, 4); RuneSlice("a庚辛b", s, e) != "庚辛" {
		t.Errorf("span of 壬癸子 = %q, want 庚辛", RuneSlice("a庚辛b", s, e))
	}
}

func TestNormalizeDigits(t *testing.T) {
	tests := []struct {
		name, in, want, kinds string
		min                   int
	}{
		{"phone number", "一三八一二三四五六七八", "13812345678", "DDDDDDDDDDD", 0},
		{"hotline", "九五五九八", "95598", "DDDDD", 0},
		{"yao is one", "幺零幺", "101", "DDD", 0},
		{"ideographic and spoken zero", "三〇零", "300", "DDD", 0},
		{"mixed with ascii", "1三8", "138", "DDD", 0},
		{"full-width mixed", "１三８", "138", "DDD", 0},
		{"yixia untouched", "我查一下", "我查一下", "HHHH", 0},
		{"ershi untouched", "二十", "二十", "HH", 0},
		{"ten breaks the run", "三百五十二", "三百五十二", "HHHHH", 0},
		{"two digits too short", "一二号", "一二号", "HHH", 0},
		{"run within text", "户号三三零一二号楼", "户号33012号楼", "HHDDDDDHH", 0},
		{"ascii only untouched", "95598", "95598", "DDDDD", 0},
		{"boundary splits runs", "一二，三四", "一二 三四", "HHBHH", 0},
		{"min digit run 2", "一二号", "12号", "DDH", 2},
		{"min digit run 5", "一二三四", "一二三四", "HHHH", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := mustNew(t, Options{MinDigitRun: tt.min})
			got := n.Normalize(tt.in)
			if got.String() != tt.want || kindsString(got.Kinds) != tt.kinds {
				t.Errorf("Normalize(%q) = %q %s, want %q %s", tt.in, got.String(), kindsString(got.Kinds), tt.want, tt.kinds)
			}
			if count := utf8.RuneCountInString(tt.in); !slices.Equal(got.Src, identity(count)) {
				t.Errorf("Normalize(%q).Src = %v, want %v", tt.in, got.Src, identity(count))
			}
		})
	}
}

func TestNormalizeFillers(t *testing.T) {
	tests := []struct {
		name, in, kinds string
	}{
		{"always fillers", "嗯好的啊", "FHHF"},
		{"filler between clauses", "嗯，啊。", "FBFB"},
		{"clause filler at start", "那个我想问一下", "FFHHHHH"},
		{"clause filler after a filler", "嗯那个我想问", "FFFHHH"},
		{"clause filler at end", "我家停电了那个", "HHHHHFF"},
		{"clause filler inside stays", "在那个小区", "HHHHH"},
		{"clause filler in second clause", "您好，那个小区停电了", "HHBFFHHHHH"},
		{"doubled", "在那个那个小区", "HFFFFHH"},
		{"tripled", "我那个那个那个想", "HFFFFFFH"},
		{"longer clause filler", "就是说我家没电", "FFFHHHH"},
		{"two clause fillers at start", "就是说那个我家", "FFFFFHH"},
		{"both edges", "那个我想问那个", "FFHHHFF"},
		{"jin'e never", "您的欠费金额", "HHHHHH"},
		{"jin'e before boundary", "查一下金额。", "HHHHHB"},
		{"e'du at start", "额度不够", "HHHH"},
		{"e alone", "额，我想问", "FBHHH"},
		{"e doubled", "额额我想问", "FFHHH"},
		{"e after filler alone", "嗯额。", "FFB"},
		{"traditional clause filler", "那個我想問", "FFHHH"},
		{"full-width boundary", "那个　我", "FFBH"},
	}
	n := mustNew(t, DefaultOptions())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := n.Normalize(tt.in)
			if kindsString(got.Kinds) != tt.kinds {
				t.Errorf("Normalize(%q) = %q %s, want kinds %s", tt.in, got.String(), kindsString(got.Kinds), tt.kinds)
			}
		})
	}
}

func TestNormalizeLatinFillers(t *testing.T) {
	n := mustNew(t, Options{Fillers: []string{"UM"}, ClauseFillers: []string{"so"}})
	tests := []struct{ in, kinds string }{
		{"um ok", "FFBLL"},
		{"UM ok", "FFBLL"},
		{"umbrella", "LLLLLLLL"},
		{"so 好", "FFBH"},
		{"sofa", "LLLL"},
		{"also", "LLLL"},
	}
	for _, tt := range tests {
		if got := n.Normalize(tt.in); kindsString(got.Kinds) != tt.kinds {
			t.Errorf("Normalize(%q) kinds = %s, want %s", tt.in, kindsString(got.Kinds), tt.kinds)
		}
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"zero value", Options{}, ""},
		{"defaults", DefaultOptions(), ""},
		{"duplicates", Options{Fillers: []string{"嗯", "嗯"}}, ""},
		{"negative digit run", Options{MinDigitRun: -1}, "MinDigitRun"},
		{"empty filler", Options{Fillers: []string{""}}, "Fillers: empty"},
		{"punctuation in filler", Options{Fillers: []string{"嗯，"}}, "punctuation"},
		{"space in clause filler", Options{ClauseFillers: []string{"那 个"}}, "ClauseFillers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := New(tt.opts)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.wantErr == "" && n == nil:
				t.Error("New returned nil without an error")
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("New error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNormalizeIntoReuse(t *testing.T) {
	n := mustNew(t, DefaultOptions())
	var txt Text
	n.NormalizeInto(&txt, "嗯，那个我家的电话是一三八一二三四五六七八，帳單地址是幸福小區三號樓")
	for _, s := range []string{"請問", "", "ＡＢ額", "那个那个"} {
		n.NormalizeInto(&txt, s)
		want := n.Normalize(s)
		if txt.String() != want.String() || !slices.Equal(txt.Kinds, want.Kinds) || !slices.Equal(txt.Src, want.Src) {
			t.Errorf("NormalizeInto(reused, %q) = %q %v %v, want %q %v %v",
				s, txt.String(), txt.Kinds, txt.Src, want.String(), want.Kinds, want.Src)
		}
	}
}

func TestNormalizeIntoAllocatesNothing(t *testing.T) {
	n := mustNew(t, DefaultOptions())
	s := benchUtterance
	var txt Text
	n.NormalizeInto(&txt, s)
	if got := testing.AllocsPerRun(100, func() { n.NormalizeInto(&txt, s) }); got != 0 {
		t.Errorf("NormalizeInto with a warm Text: %v allocs, want 0", got)
	}
}

func TestNormalizeConcurrent(t *testing.T) {
	n := mustNew(t, DefaultOptions())
	want := n.Normalize(benchUtterance)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			var txt Text
			for range 50 {
				n.NormalizeInto(&txt, benchUtterance)
				if txt.String() != want.String() || !slices.Equal(txt.Kinds, want.Kinds) {
					errs <- txt.String()
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent Normalize = %q, want %q", got, want.String())
	}
}

// TestFoldWidth checks the fast path of foldWidth against x/text/width for
// every rune.
func TestFoldWidth(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		want := r
		if f := width.LookupRune(r).Folded(); f != 0 {
			want = f
		}
		if got := foldWidth(r); got != want {
			t.Fatalf("foldWidth(%U) = %U, want %U", r, got, want)
		}
	}
}

func TestSrcSpan(t *testing.T) {
	txt := mustNew(t, Options{}).Normalize("ａ電b")
	tests := []struct{ i, j, start, end int }{
		{0, 3, 0, 3},
		{1, 2, 1, 2},
		{-5, 1, 0, 1},
		{2, 99, 2, 3},
		{2, 1, 2, 2},
		{99, 100, 3, 3},
	}
	for _, tt := range tests {
		if s, e := txt.SrcSpan(tt.i, tt.j); s != tt.start || e != tt.end {
			t.Errorf("SrcSpan(%d, %d) = %d, %d; want %d, %d", tt.i, tt.j, s, e, tt.start, tt.end)
		}
	}
	var empty Text
	if s, e := empty.SrcSpan(0, 1); s != 0 || e != 0 {
		t.Errorf("empty SrcSpan = %d, %d; want 0, 0", s, e)
	}
}

func TestRuneSlice(t *testing.T) {
	tests := []struct {
		s          string
		start, end int
		want       string
	}{
		{"電費帳單", 1, 3, "費帳"},
		{"電費帳單", 0, 4, "電費帳單"},
		{"電費帳單", 2, 99, "帳單"},
		{"電費帳單", -1, 1, "電"},
		{"電費帳單", 3, 3, ""},
		{"電費帳單", 3, 2, ""},
		{"電費帳單", 4, 5, ""},
		{"a\xffb", 1, 2, "\xff"},
		{"", 0, 1, ""},
	}
	for _, tt := range tests {
		if got := RuneSlice(tt.s, tt.start, tt.end); got != tt.want {
			t.Errorf("RuneSlice(%q, %d, %d) = %q, want %q", tt.s, tt.start, tt.end, got, tt.want)
		}
	}
}

func TestKindString(t *testing.T) {
	tests := map[Kind]string{Other: "Other", Han: "Han", Filler: "Filler", Kind(42): "Kind(42)"}
	for k, want := range tests {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
}
