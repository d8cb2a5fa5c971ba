package scoring

import (
	"regexp"
	"regexp/syntax"
)

// pattern is a compiled regular expression of the lexicon with a cheap
// pre-check: need holds runes of which every match contains at least one
// (不 for 不是…了吗), so an utterance without any of them is skipped without
// running the regular expression. need is nil when no such set is known.
type pattern struct {
	re   *regexp.Regexp
	need *runeSet
}

func newPattern(re *regexp.Regexp) *pattern {
	p := &pattern{re: re}
	if tree, err := syntax.Parse(re.String(), syntax.Perl); err == nil {
		if runes, ok := requiredRunes(tree.Simplify()); ok {
			p.need = newRuneSet(runes)
		}
	}
	return p
}

// mayMatch reports whether the pattern can match text made of view.
func (p *pattern) mayMatch(view []rune) bool {
	if p.need == nil {
		return true
	}
	for _, r := range view {
		if p.need.has(r) {
			return true
		}
	}
	return false
}

// maxNeed bounds the size of a required set worth checking.
const maxNeed = 64

// requiredRunes returns a set of runes of which every match of re holds at
// least one, and false when it finds none (re may match text without any
// particular rune, e.g. \d+).
func requiredRunes(re *syntax.Regexp) ([]rune, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 || re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return re.Rune[:1], true
	case syntax.OpCharClass:
		var out []rune
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(out) == maxNeed {
					return nil, false
				}
				out = append(out, r)
			}
		}
		return out, len(out) > 0
	case syntax.OpCapture, syntax.OpPlus:
		return requiredRunes(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredRunes(re.Sub[0])
		}
		return nil, false
	case syntax.OpConcat:
		var best []rune
		found := false
		for _, sub := range re.Sub {
			if s, ok := requiredRunes(sub); ok && (!found || len(s) < len(best)) {
				best, found = s, true
			}
		}
		return best, found
	case syntax.OpAlternate:
		var out []rune
		for _, sub := range re.Sub {
			s, ok := requiredRunes(sub)
			if !ok || len(out)+len(s) > maxNeed {
				return nil, false
			}
			out = append(out, s...)
		}
		return out, len(out) > 0
	}
	return nil, false
}

// runeSet is a set of runes as a bitmap over the Basic Multilingual Plane,
// with anything above it in a short list.
type runeSet struct {
	bits  []uint64
	other []rune
}

func newRuneSet(runes []rune) *runeSet {
	s := &runeSet{}
	for _, r := range runes {
		if r >= 0x10000 {
			s.other = append(s.other, r)
			continue
		}
		w := int(r >> 6)
		if w >= len(s.bits) {
			s.bits = append(s.bits, make([]uint64, w+1-len(s.bits))...)
		}
		s.bits[w] |= 1 << (r & 63)
	}
	return s
}

func (s *runeSet) has(r rune) bool {
	if w := int(r >> 6); r >= 0 && w < len(s.bits) {
		return s.bits[w]&(1<<(r&63)) != 0
	}
	for _, o := range s.other {
		if o == r {
			return true
		}
	}
	return false
}
