package textnorm

import "slices"

// fillerSet is a list of filler words, longest first, with a quick filter on
// their first runes so most positions are rejected by one bit test.
type fillerSet struct {
	words [][]rune
	first [4]uint64 // bit r&255 is set when some word starts with such an r
}

// add adds a normalized word unless the set has it already.
func (f *fillerSet) add(w []rune) {
	if slices.ContainsFunc(f.words, func(x []rune) bool { return slices.Equal(x, w) }) {
		return
	}
	f.words = append(f.words, slices.Clone(w))
	slices.SortStableFunc(f.words, func(a, b []rune) int { return len(b) - len(a) })
	b := uint8(w[0])
	f.first[b/64] |= 1 << (b % 64)
}

// may reports whether some word of f might start with r. It is the cheap
// test that lets most positions skip at.
func (f *fillerSet) may(r rune) bool {
	b := uint8(r)
	return f.first[b/64]&(1<<(b%64)) != 0
}

// at returns the length of the longest word of f standing at position i of
// t, or 0 if none does.
func (f *fillerSet) at(t *Text, i int) int {
	if i < 0 || i >= len(t.Runes) || !f.may(t.Runes[i]) {
		return 0
	}
	for _, w := range f.words {
		if wordAt(t, i, w) {
			return len(w)
		}
	}
	return 0
}

// wordAt reports whether w stands at position i of t: its runes are there,
// none of them a boundary, and a Latin word is not part of a longer one.
func wordAt(t *Text, i int, w []rune) bool {
	j := i + len(w)
	if i < 0 || j > len(t.Runes) {
		return false
	}
	for k, r := range w {
		if t.Runes[i+k] != r || t.Kinds[i+k] == Boundary {
			return false
		}
	}
	if t.Kinds[i] == Latin && i > 0 && t.Kinds[i-1] == Latin {
		return false
	}
	if t.Kinds[j-1] == Latin && j < len(t.Runes) && t.Kinds[j] == Latin {
		return false
	}
	return true
}

// mark marks the runes [i, j) of t as a filler.
func mark(t *Text, i, j int) {
	for k := i; k < j; k++ {
		t.Kinds[k] = Filler
	}
}

// markFillers marks the fillers of t: every word of Fillers, then in each
// clause the ClauseFillers that are doubled or stand at its edges.
func (n *Normalizer) markFillers(t *Text) {
	if len(n.fillers.words) > 0 {
		for i := 0; i < len(t.Runes); {
			if !n.fillers.may(t.Runes[i]) {
				i++
				continue
			}
			if l := n.fillers.at(t, i); l > 0 {
				mark(t, i, i+l)
				i += l
				continue
			}
			i++
		}
	}
	if len(n.clauseFillers.words) == 0 {
		return
	}
	for a := 0; a < len(t.Runes); {
		if t.Kinds[a] == Boundary {
			a++
			continue
		}
		b := a + 1
		for b < len(t.Runes) && t.Kinds[b] != Boundary {
			b++
		}
		n.clauseEdges(t, a, n.doubled(t, a, b))
		a = b
	}
}

// doubled marks clause fillers repeated in a row (那个那个) in the clause
// [a, b) and returns b.
func (n *Normalizer) doubled(t *Text, a, b int) int {
	for i := a; i < b; {
		if !n.clauseFillers.may(t.Runes[i]) {
			i++
			continue
		}
		l := n.clauseFillers.at(t, i)
		if l == 0 {
			i++
			continue
		}
		w := t.Runes[i : i+l]
		j := i + l
		for j+l <= b && wordAt(t, j, w) {
			j += l
		}
		if j == i+l {
			i++
			continue
		}
		mark(t, i, j)
		i = j
	}
	return b
}

// clauseEdges marks clause fillers at the start and the end of the clause
// [a, b), skipping fillers already marked, until neither edge holds one. A
// single-rune clause filler counts only when it is all that is left of the
// clause, so 额 in 金额 or 额度 stays.
func (n *Normalizer) clauseEdges(t *Text, a, b int) {
	cf := &n.clauseFillers
	for {
		s, e := a, b // the clause without the fillers at its edges
		for s < e && t.Kinds[s] == Filler {
			s++
		}
		for e > s && t.Kinds[e-1] == Filler {
			e--
		}
		if s == e {
			return
		}
		if l := cf.at(t, s); l > 0 && (l > 1 || s+l >= e) {
			mark(t, s, s+l)
			continue
		}
		found := false
		for _, w := range cf.words {
			st := e - len(w)
			if st >= s && (len(w) > 1 || st == s) && wordAt(t, st, w) {
				mark(t, st, e)
				found = true
				break
			}
		}
		if !found {
			return
		}
	}
}
