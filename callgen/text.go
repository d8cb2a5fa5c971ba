package callgen

import (
	"strings"
	"unicode"
)

var hanDigit = [10]string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// hanDigits spells a run of ASCII digits digit by digit the way ASR writes
// a spoken number: 一三八零零…; with yao, 1 is read 幺 as in phone numbers.
func hanDigits(s string, yao bool) string {
	var b strings.Builder
	b.Grow(len(s) * 3)
	for _, r := range s {
		switch {
		case r == '1' && yao:
			b.WriteString("幺")
		case r >= '0' && r <= '9':
			b.WriteString(hanDigit[r-'0'])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// hanNumber reads a whole number below 10000 the way it is said:
// 一百二十三, 两千零五, 十二.
func hanNumber(n int) string {
	if n <= 0 || n >= 10000 {
		if n == 0 {
			return "零"
		}
		return hanDigits(itoa(n), false)
	}
	units := []string{"千", "百", "十", ""}
	div := []int{1000, 100, 10, 1}
	var b strings.Builder
	zero, started := false, false
	for k, d := range div {
		q := n / d % 10
		if q == 0 {
			if started {
				zero = true
			}
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		switch {
		case q == 2 && k <= 1:
			b.WriteString("两")
		case q == 1 && k == 2 && !started:
			// 十二, not 一十二
		default:
			b.WriteString(hanDigit[q])
		}
		b.WriteString(units[k])
		started = true
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// hanCount counts the Han characters and digits of s: the units speech
// rate and turn length are measured in.
func hanCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// dropPunct writes s as an ASR engine without punctuation would: clause
// marks become nothing or a space.
func dropPunct(s string, space bool) string {
	rep := ""
	if space {
		rep = " "
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if strings.ContainsRune(",。、;:!", r) {
			b.WriteString(rep)
			continue
		}
		if r == '?' {
			continue
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// splitClause splits s at the clause mark nearest its middle, keeping the
// mark with the first half; ok is false when s has no mark to split at or a
// half would be too short to be an utterance.
func splitClause(s string) (a, b string, ok bool) {
	mid := len(s) / 2
	best := -1
	for i, r := range s {
		if r == ',' || r == '。' || r == '?' {
			end := i + len(string(r))
			if end >= len(s) {
				continue
			}
			if best < 0 || abs(end-mid) < abs(best-mid) {
				best = end
			}
		}
	}
	if best < 0 {
		return "", "", false
	}
	a, b = s[:best], s[best:]
	if hanCount(a) < 4 || hanCount(b) < 4 {
		return "", "", false
	}
	return a, b, true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// homophoneChars are characters ASR often writes for another of the same
// toneless pinyin. Only unit names are misrecognized with them.
var homophoneChars = map[rune]rune{
	'恒': '衡', '杭': '航', '广': '光', '源': '元', '网': '往', '局': '据',
}

// homophoneOf returns alias with its first character that has a homophone
// replaced by it.
func homophoneOf(alias string) (string, bool) {
	rs := []rune(alias)
	for i, r := range rs {
		if h, ok := homophoneChars[r]; ok {
			rs[i] = h
			return string(rs), true
		}
	}
	return "", false
}

// asrSlips are misrecognitions of everyday words ASR makes in customers'
// speech; none touches a word a rule reads.
var asrSlips = [][2]string{
	{"师傅", "师父"}, {"已经", "以经"}, {"物业", "务业"}, {"账单", "帐单"},
	{"怎么", "怎莫"}, {"一下", "一吓"}, {"现在", "线在"}, {"时候", "时后"},
}
