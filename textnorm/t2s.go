package textnorm

import (
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// maxPhraseRunes bounds the source of an OpenCC phrase; gent2s refuses longer
// ones, so the buffer of a phrase match lives on the stack.
const maxPhraseRunes = 16

// The character table is an array over this range, which holds nearly all
// traditional characters; the few others sit in a map.
const (
	denseLo = 0x3400
	denseHi = 0xA000
)

//go:embed data/t2s.txt
var t2sData string

// t2sTable is OpenCC's t2s dictionary group: phrases (TSPhrases) and
// characters (TSCharacters). It is read-only once built.
type t2sTable struct {
	dense  []rune        // simplified form of rune denseLo+i, 0 if unchanged
	sparse map[rune]rune // characters outside the dense range
	// sparseLo is the smallest key of sparse: runes below it need no lookup.
	sparseLo rune
	// groups holds the phrases by first rune, longest source first;
	// denseGroup and sparseGroup give a first rune's group index + 1.
	groups      [][]phrase
	denseGroup  []uint16
	sparseGroup map[rune]uint16
}

// phrase is one TSPhrases entry.
type phrase struct{ from, to []rune }

// t2s returns the table parsed from the embedded data. The data is generated
// and checked by the package tests, so a parse error is a broken build.
var t2s = sync.OnceValue(func() *t2sTable {
	t, err := parseT2S(t2sData)
	if err != nil {
		panic("textnorm: embedded data/t2s.txt is broken: " + err.Error())
	}
	return t
})

// parseT2S reads the format gent2s writes: comment lines starting with '#',
// section lines [TSCharacters] and [TSPhrases], and "source<TAB>target"
// entries.
func parseT2S(data string) (*t2sTable, error) {
	t := &t2sTable{
		dense:       make([]rune, denseHi-denseLo),
		sparse:      make(map[rune]rune),
		sparseLo:    utf8.MaxRune + 1,
		denseGroup:  make([]uint16, denseHi-denseLo),
		sparseGroup: make(map[rune]uint16),
	}
	section := ""
	seen := make(map[string]bool)
	chars, phrases := 0, 0
	for n, line := range strings.Split(data, "\n") {
		lineNo := n + 1
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case line == "[TSCharacters]" || line == "[TSPhrases]":
			section = line
			continue
		}
		from, to, ok := strings.Cut(line, "\t")
		if !ok || from == "" || to == "" || strings.Contains(to, "\t") {
			return nil, fmt.Errorf("line %d: want \"source<TAB>target\", got %q", lineNo, line)
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("line %d: invalid UTF-8", lineNo)
		}
		if seen[section+from] {
			return nil, fmt.Errorf("line %d: duplicate source %q", lineNo, from)
		}
		seen[section+from] = true
		fr, tr := []rune(from), []rune(to)
		switch section {
		case "[TSCharacters]":
			if len(fr) != 1 || len(tr) != 1 {
				return nil, fmt.Errorf("line %d: character entry %q is not one rune to one rune", lineNo, line)
			}
			t.setChar(fr[0], tr[0])
			chars++
		case "[TSPhrases]":
			if len(fr) < 2 || len(fr) > maxPhraseRunes {
				return nil, fmt.Errorf("line %d: phrase %q has %d runes, want 2 to %d", lineNo, from, len(fr), maxPhraseRunes)
			}
			if err := t.addPhrase(phrase{from: fr, to: tr}); err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
			phrases++
		default:
			return nil, fmt.Errorf("line %d: entry before any section", lineNo)
		}
	}
	if chars == 0 || phrases == 0 {
		return nil, fmt.Errorf("want entries in both [TSCharacters] and [TSPhrases], got %d and %d", chars, phrases)
	}
	for _, ps := range t.groups {
		slices.SortStableFunc(ps, func(a, b phrase) int { return len(b.from) - len(a.from) })
	}
	return t, nil
}

func (t *t2sTable) setChar(from, to rune) {
	if from >= denseLo && from < denseHi {
		t.dense[from-denseLo] = to
		return
	}
	t.sparse[from] = to
	if from < t.sparseLo {
		t.sparseLo = from
	}
}

func (t *t2sTable) addPhrase(p phrase) error {
	first := p.from[0]
	g := t.group(first)
	if g == 0 {
		if len(t.groups) == math.MaxUint16 {
			return fmt.Errorf("more than %d phrase groups", math.MaxUint16)
		}
		t.groups = append(t.groups, nil)
		g = uint16(len(t.groups))
		if first >= denseLo && first < denseHi {
			t.denseGroup[first-denseLo] = g
		} else {
			t.sparseGroup[first] = g
		}
	}
	t.groups[g-1] = append(t.groups[g-1], p)
	return nil
}

// group returns the index + 1 of the phrases starting with r, 0 if none do.
func (t *t2sTable) group(r rune) uint16 {
	if r >= denseLo && r < denseHi {
		return t.denseGroup[r-denseLo]
	}
	if len(t.sparseGroup) == 0 {
		return 0
	}
	return t.sparseGroup[r]
}

// phrasesFrom returns the phrases starting with r, longest first.
func (t *t2sTable) phrasesFrom(r rune) []phrase {
	if g := t.group(r); g != 0 {
		return t.groups[g-1]
	}
	return nil
}

// char returns the simplified form of one character (TSCharacters).
func (t *t2sTable) char(r rune) rune {
	if r >= denseLo && r < denseHi {
		if s := t.dense[r-denseLo]; s != 0 {
			return s
		}
		return r
	}
	if r < t.sparseLo {
		return r
	}
	if s, ok := t.sparse[r]; ok {
		return s
	}
	return r
}

// matchAt returns the longest of the phrases ps whose source starts s, and
// the number of bytes of s it covers; nil if none does. ps are the phrases
// of the first rune of s. With fold set, the runes of s are width-folded
// before comparing. Runes are decoded only as far as some candidate still
// matches, which is rarely past the second.
func matchAt(s string, ps []phrase, fold bool) (*phrase, int) {
	var (
		buf  [maxPhraseRunes]rune
		ends [maxPhraseRunes]int // byte offset just past buf[k]
	)
	have := 0
	next := func() bool {
		off := 0
		if have > 0 {
			off = ends[have-1]
		}
		if off >= len(s) {
			return false
		}
		r, size := utf8.DecodeRuneInString(s[off:])
		if fold {
			r = foldWidth(r)
		}
		buf[have], ends[have] = r, off+size
		have++
		return true
	}
	if !next() {
		return nil, 0
	}
	for i := range ps {
		p := &ps[i]
		k := 1
		for ; k < len(p.from); k++ {
			if k == have && !next() {
				break
			}
			if buf[k] != p.from[k] {
				break
			}
		}
		if k == len(p.from) {
			return p, ends[k-1]
		}
	}
	return nil, 0
}

// ToSimplified converts traditional Chinese in s to simplified as OpenCC's
// t2s configuration does: at each position the longest TSPhrases entry wins,
// otherwise TSCharacters converts the single character. Text that needs no
// change is returned as is, without allocating.
func ToSimplified(s string) string {
	t := t2s()
	var b strings.Builder
	changed := false
	// emit writes the conversion of s[i:j] (to) once anything has changed.
	emit := func(i, j int, to []rune) {
		if !changed {
			same := utf8.RuneCountInString(s[i:j]) == len(to)
			if same {
				k := 0
				for _, r := range s[i:j] {
					if r != to[k] {
						same = false
						break
					}
					k++
				}
			}
			if same {
				return
			}
			changed = true
			b.Grow(len(s) + 8)
			b.WriteString(s[:i])
		}
		for _, r := range to {
			b.WriteRune(r)
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if ps := t.phrasesFrom(r); ps != nil {
			if p, size := matchAt(s[i:], ps, false); p != nil {
				j := i + size
				emit(i, j, p.to)
				i = j
				continue
			}
		}
		if r == utf8.RuneError && size == 1 {
			// Keep invalid bytes as they are.
			if changed {
				b.WriteByte(s[i])
			}
			i++
			continue
		}
		c := t.char(r)
		if c != r || changed {
			one := [1]rune{c}
			emit(i, i+size, one[:])
		}
		i += size
	}
	if !changed {
		return s
	}
	return b.String()
}
