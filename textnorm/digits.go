package textnorm

// spokenDigit returns the value of a spoken digit character: 零 and 〇 are 0,
// 幺 (how 1 is read in phone numbers) is 1.
func spokenDigit(r rune) (byte, bool) {
	switch r {
	case '零', '〇':
		return 0, true
	case '一', '幺':
		return 1, true
	case '二':
		return 2, true
	case '三':
		return 3, true
	case '四':
		return 4, true
	case '五':
		return 5, true
	case '六':
		return 6, true
	case '七':
		return 7, true
	case '八':
		return 8, true
	case '九':
		return 9, true
	}
	return 0, false
}

// isDigitRune reports whether r can be part of a digit run: an ASCII digit
// or a spoken one.
func isDigitRune(r rune) bool {
	if r >= '0' && r <= '9' {
		return true
	}
	_, ok := spokenDigit(r)
	return ok
}

// digits turns every run of at least minDigitRun digit runes that holds a
// spoken digit into ASCII digits, one for one, so ASR's 一三八… reads as the
// number it is. Lengths and Src do not change.
func (n *Normalizer) digits(t *Text) {
	rs, ks := t.Runes, t.Kinds
	for i := 0; i < len(rs); {
		if !isDigitRune(rs[i]) {
			i++
			continue
		}
		j, spoken := i, false
		for ; j < len(rs) && isDigitRune(rs[j]); j++ {
			if rs[j] > '9' {
				spoken = true
			}
		}
		if spoken && j-i >= n.minDigitRun {
			for k := i; k < j; k++ {
				if v, ok := spokenDigit(rs[k]); ok {
					rs[k], ks[k] = '0'+rune(v), Digit
				}
			}
		}
		i = j
	}
}
