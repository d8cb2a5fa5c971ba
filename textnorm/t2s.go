package textnorm

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// maxPhraseRunes bounds the source of an OpenCC phrase; gent2s refuses longer
// ones, so the lookahead buffer of a phrase match lives on the stack.
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
	dense    []rune            // simplified form of rune denseLo+i, 0 if unchanged
	sparse   map[rune]rune     // characters outside the dense range
	starts   []uint64          // bit set over the dense range: some phrase starts with the rune
	phrases  map[rune][]phrase // by first rune, longest source first
	sparseLo rune              // smallest key of sparse: runes below it need no lookup
	// sparseStarts reports whether a phrase starts outside the dense range,
	// so the common case needs no map lookup.
	sparseStarts bool
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
		dense:    make([]rune, denseHi-denseLo),
		sparse:   make(map[rune]rune),
		starts:   make([]uint64, (denseHi-denseLo+63)/64),
		phrases:  make(map[rune][]phrase),
		sparseLo: utf8.MaxRune + 1,
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
			t.addPhrase(phrase{from: fr, to: tr})
			phrases++
		default:
			return nil, fmt.Errorf("line %d: entry before any section", lineNo)
		}
	}
	if chars == 0 || phrases == 0 {
		return nil, fmt.Errorf("want entries in both [TSCharacters] and [TSPhrases], got %d and %d", chars, phrases)
	}
	for _, ps := range t.phrases {
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

func (t *t2sTable) addPhrase(p phrase) {
	first := p.from[0]
	t.phrases[first] = append(t.phrases[first], p)
	if first >= denseLo && first < denseHi {
		i := first - denseLo
		t.starts[i/64] |= 1 << (i % 64)
		return
	}
	t.sparseStarts = true
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

// mayStartPhrase reports whether some phrase starts with r.
func (t *t2sTable) mayStartPhrase(r rune) bool {
	if r >= denseLo && r < denseHi {
		i := r - denseLo
		return t.starts[i/64]&(1<<(i%64)) != 0
	}
	if !t.sparseStarts {
		return false
	}
	_, ok := t.phrases[r]
	return ok
}

// match returns the longest phrase whose source is a prefix of rs, or nil.
func (t *t2sTable) match(rs []rune) *phrase {
	if len(rs) < 2 {
		return nil
	}
	ps := t.phrases[rs[0]]
	for i := range ps {
		if len(ps[i].from) <= len(rs) && slices.Equal(ps[i].from, rs[:len(ps[i].from)]) {
			return &ps[i]
		}
	}
	return nil
}

// lookahead decodes up to len(buf) runes of s into buf, folding their width
// when fold is set, and records in ends the byte offset just past each. It
// returns the number of runes decoded.
func lookahead(s string, fold bool, buf []rune, ends []int) int {
	n, off := 0, 0
	for n < len(buf) && off < len(s) {
		r, size := utf8.DecodeRuneInString(s[off:])
		if fold {
			r = foldWidth(r)
		}
		off += size
		buf[n], ends[n] = r, off
		n++
	}
	return n
}

// ToSimplified converts traditional Chinese in s to simplified as OpenCC's
// t2s configuration does: at each position the longest TSPhrases entry wins,
// otherwise TSCharacters converts the single character. Text that needs no
// change is returned as is, without allocating.
func ToSimplified(s string) string {
	t := t2s()
	var (
		b    strings.Builder
		buf  [maxPhraseRunes]rune
		ends [maxPhraseRunes]int
		tmp  [utf8.UTFMax]byte
	)
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
			n := utf8.EncodeRune(tmp[:], r)
			b.Write(tmp[:n])
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if t.mayStartPhrase(r) {
			n := lookahead(s[i:], false, buf[:], ends[:])
			if p := t.match(buf[:n]); p != nil {
				j := i + ends[len(p.from)-1]
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
