package textnorm

import (
	"strings"
	"testing"
)

func TestToSimplified(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"already simplified", "请问有什么可以帮您", "请问有什么可以帮您"},
		{"ascii", "95598 ok", "95598 ok"},
		// OpenCC's TSCharacters maps 帳 to 帐, not 账.
		{"bill", "請問您的電費帳單", "请问您的电费帐单"},
		{"乾 as dry by character", "乾燥", "干燥"},
		{"髮 as hair", "頭髮", "头发"},
		{"phrase keeps 乾", "乾坤", "乾坤"},
		{"longest phrase wins", "乾坤一擲", "乾坤一掷"},
		{"phrase then characters", "乾坤頭髮乾了", "乾坤头发干了"},
		{"phrase 瞭", "一目瞭然", "一目了然"},
		{"phrase 傢俱", "傢俱", "家具"},
		{"phrase 反覆", "反反覆覆", "反反复复"},
		{"punctuation kept", "「電費」，謝謝！", "「电费」，谢谢！"},
		{"outside the dense range", "㗲", "𠵾"},
		{"invalid bytes kept", "電\xff費", "电\xff费"},
		{"invalid bytes only", "\xff\xfe", "\xff\xfe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ToSimplified(tt.in); got != tt.want {
				t.Errorf("ToSimplified(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestToSimplifiedWholeTable checks every entry of the embedded table: a
// phrase alone converts to its replacement (not to what its characters
// would give), a character alone to its simplified form.
func TestToSimplifiedWholeTable(t *testing.T) {
	tab := t2s()
	phrases := 0
	for _, ps := range tab.groups {
		for _, p := range ps {
			phrases++
			if got := ToSimplified(string(p.from)); got != string(p.to) {
				t.Errorf("ToSimplified(%q) = %q, want %q", string(p.from), got, string(p.to))
			}
		}
	}
	chars := 0
	for i, s := range tab.dense {
		if s == 0 {
			continue
		}
		chars++
		r := rune(denseLo + i)
		if got := ToSimplified(string(r)); got != string(s) {
			t.Errorf("ToSimplified(%q) = %q, want %q", string(r), got, string(s))
		}
	}
	for r, s := range tab.sparse {
		chars++
		if got := ToSimplified(string(r)); got != string(s) {
			t.Errorf("ToSimplified(%q) = %q, want %q", string(r), got, string(s))
		}
	}
	// opencc-js 1.4.2 holds 3222 changing characters and 477 phrases.
	if chars < 3000 || phrases < 400 {
		t.Errorf("embedded table has %d characters and %d phrases, want at least 3000 and 400", chars, phrases)
	}
}

func TestToSimplifiedUnchangedAllocatesNothing(t *testing.T) {
	s := "您好，国网杭州供电公司，请问有什么可以帮您？乾坤"
	if got := testing.AllocsPerRun(100, func() { _ = ToSimplified(s) }); got != 0 {
		t.Errorf("ToSimplified of simplified text: %v allocs, want 0", got)
	}
}

func TestParseT2S(t *testing.T) {
	const good = "# comment\n[TSCharacters]\n電\t电\n𠁞\t𠀾\n[TSPhrases]\n乾坤\t乾坤\n丙丁戊\t己\n"
	tab, err := parseT2S(good)
	if err != nil {
		t.Fatalf("parseT2S(good): %v", err)
	}
	if got := tab.char('電'); got != '电' {
		t.Errorf("char(電) = %q, want 电", got)
	}
	if got := tab.char('𠁞'); got != '𠀾' {
		t.Errorf("char(𠁞) = %q, want 𠀾", got)
	}
	if got := tab.char('a'); got != 'a' {
		t.Errorf("char(a) = %q, want a", got)
	}
	if len(tab.phrasesFrom('丙')) != 1 || tab.phrasesFrom('丁') != nil {
		t.Errorf("phrasesFrom(丙), (丁) = %v, %v; want one phrase, none", tab.phrasesFrom('丙'), tab.phrasesFrom('丁'))
	}

	bad := []struct{ name, data string }{
		{"empty", ""},
		{"no phrases", "[TSCharacters]\n電\t电\n"},
		{"no characters", "[TSPhrases]\n乾坤\t乾坤\n"},
		{"entry before section", "電\t电\n[TSCharacters]\n[TSPhrases]\n乾坤\t乾坤\n"},
		{"unknown section", "[TSCharacters]\n電\t电\n[Other]\n乾坤\t乾坤\n"},
		{"no tab", "[TSCharacters]\n電 电\n[TSPhrases]\n乾坤\t乾坤\n"},
		{"empty target", "[TSCharacters]\n電\t\n[TSPhrases]\n乾坤\t乾坤\n"},
		{"three fields", "[TSCharacters]\n電\t电\tx\n[TSPhrases]\n乾坤\t乾坤\n"},
		{"character of two runes", "[TSCharacters]\n電費\t电费\n[TSPhrases]\n乾坤\t乾坤\n"},
		{"phrase of one rune", "[TSCharacters]\n電\t电\n[TSPhrases]\n乾\t干\n"},
		{"phrase too long", "[TSCharacters]\n電\t电\n[TSPhrases]\n" + strings.Repeat("乾", maxPhraseRunes+1) + "\t干\n"},
		{"duplicate", "[TSCharacters]\n電\t电\n電\t电\n[TSPhrases]\n乾坤\t乾坤\n"},
		{"invalid utf-8", "[TSCharacters]\n\xff\t电\n[TSPhrases]\n乾坤\t乾坤\n"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseT2S(tt.data); err == nil {
				t.Errorf("parseT2S(%q) succeeded, want an error", tt.data)
			}
		})
	}
}
