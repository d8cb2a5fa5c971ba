package api

import (
	"callqa/lexicon"
	"callqa/textnorm"
)

// Masker hides customer phone numbers, ID-card numbers and account numbers
// in text shown to callers without the pii grant. It reads numbers on the
// normalized text, so spoken digits (一三八…, 幺) are found like written
// ones, and masks the original runes one for one: the masked text has the
// rune count of the original, so evidence spans stay valid.
//
// A run of digits (separated at most by spaces, punctuation or fillers)
// is masked when it is
//   - 17 digits and an X, or 18 digits: an ID-card number; all but the
//     first 3 and the last 4 are masked;
//   - of 4 or more digits right after an account marker (户号, 用户编号 …,
//     the lexicon's account_markers, optionally with 是/为/:): an account
//     number; all but the last 4 are masked;
//   - of 11 or more digits: a phone number with area code or a mobile
//     number (138****5678): all but the first 3 and the last 4;
//   - of 7 to 10 digits: a local phone number: all but the last 4.
type Masker struct {
	norm    *textnorm.Normalizer
	markers [][]rune
}

// NewMasker returns a Masker with the fillers and account markers of lex.
func NewMasker(lex *lexicon.Lexicon) (*Masker, error) {
	n, err := textnorm.New(textnorm.Options{Fillers: lex.Fillers, ClauseFillers: lex.ClauseFillers})
	if err != nil {
		return nil, err
	}
	m := &Masker{norm: n}
	if l := lex.Lists[lexicon.ListAccountMarkers]; l != nil {
		for _, p := range l.Phrases {
			t := n.Normalize(p.Text)
			m.markers = append(m.markers, t.Runes)
		}
	}
	if len(m.markers) == 0 {
		m.markers = [][]rune{[]rune("户号")}
	}
	return m, nil
}

// maxGap is the most separator runes allowed between two digits of one
// number.
const maxGap = 2

// Mask returns s with its sensitive numbers masked by '*'.
func (m *Masker) Mask(s string) string {
	if s == "" {
		return s
	}
	t := m.norm.Normalize(s)
	var hide []int // normalized positions to mask
	for i := 0; i < len(t.Runes); {
		if t.Kinds[i] != textnorm.Digit {
			i++
			continue
		}
		start := i
		digits := []int{i}
		j := i + 1
		for j < len(t.Runes) {
			if t.Kinds[j] == textnorm.Digit {
				digits = append(digits, j)
				j++
				continue
			}
			gap := j
			for gap < len(t.Runes) && gap-j < maxGap && (t.Kinds[gap] == textnorm.Boundary || t.Kinds[gap] == textnorm.Filler) {
				gap++
			}
			if gap > j && gap < len(t.Runes) && t.Kinds[gap] == textnorm.Digit {
				j = gap
				continue
			}
			break
		}
		// An ID card may end in X.
		if len(digits) == 17 && j < len(t.Runes) && (t.Runes[j] == 'x') {
			digits = append(digits, j)
			j++
		}
		hide = append(hide, m.classify(t, start, digits)...)
		i = j
	}
	if len(hide) == 0 {
		return s
	}
	orig := []rune(s)
	for _, p := range hide {
		from, to := t.SrcSpan(p, p+1)
		for k := from; k < to && k < len(orig); k++ {
			orig[k] = '*'
		}
	}
	return string(orig)
}

// classify returns the positions of digits to mask in one number.
func (m *Masker) classify(t textnorm.Text, start int, digits []int) []int {
	n := len(digits)
	switch {
	case n == 18:
		return digits[3 : n-4]
	case n >= 4 && m.afterMarker(t, start):
		return digits[:n-4]
	case n >= 11:
		return digits[3 : n-4]
	case n >= 7:
		return digits[:n-4]
	}
	return nil
}

// afterMarker reports whether an account marker ends just before start,
// allowing 是, 为, separators and fillers in between.
func (m *Masker) afterMarker(t textnorm.Text, start int) bool {
	end := start
	for k := 0; k < 3 && end > 0; k++ {
		r, kind := t.Runes[end-1], t.Kinds[end-1]
		if kind == textnorm.Boundary || kind == textnorm.Filler || r == '是' || r == '为' || r == ':' {
			end--
			continue
		}
		break
	}
	for _, mk := range m.markers {
		if end >= len(mk) && string(t.Runes[end-len(mk):end]) == string(mk) {
			return true
		}
	}
	return false
}
