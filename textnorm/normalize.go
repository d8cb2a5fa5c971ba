package textnorm

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// Kind classifies a normalized rune.
type Kind uint8

// Kinds of normalized runes. Other is the zero value.
const (
	// Other is any rune of no other kind: kana, hangul, marks, non-ASCII digits.
	Other Kind = iota
	// Han is a Chinese character, after traditional → simplified conversion.
	Han
	// Digit is an ASCII digit, written so or converted from a spoken digit run.
	Digit
	// Latin is a Latin letter, lower-cased.
	Latin
	// Boundary is a space standing for punctuation, whitespace, a symbol, a
	// control or a format character of the original. Boundaries end clauses.
	Boundary
	// Filler is a rune of a filler word (嗯, 那个 …), kept but to be skipped
	// when matching.
	Filler
)

var kindNames = [...]string{"Other", "Han", "Digit", "Latin", "Boundary", "Filler"}

// String returns the kind's name, such as "Han".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Text is the normalized form of one utterance's text.
type Text struct {
	// Runes holds the normalized runes, one per output position; fillers
	// are kept and marked Filler in Kinds.
	Runes []rune
	// Kinds holds the kind of each rune of Runes.
	Kinds []Kind
	// Src maps positions back to the original text: Src[i] is the index of
	// the original rune that normalized rune i came from, and
	// Src[len(Runes)] is the number of original runes, so the normalized
	// span [i, j) came from the original runes [Src[i], Src[j]). Src is
	// non-decreasing.
	Src []int32
}

// String returns the normalized runes as a string.
func (t *Text) String() string { return string(t.Runes) }

// SrcSpan returns the original rune span [start, end) that the normalized
// span [i, j) came from. Indexes out of range are clamped, so it never
// panics; an empty Text gives (0, 0).
func (t *Text) SrcSpan(i, j int) (start, end int) {
	if len(t.Src) == 0 {
		return 0, 0
	}
	last := len(t.Src) - 1
	i = min(max(i, 0), last)
	j = min(max(j, i), last)
	return int(t.Src[i]), int(t.Src[j])
}

// RuneSlice returns the runes [start, end) of s, as a Finding's Evidence
// shows the original text of a span. Out-of-range offsets are clamped.
func RuneSlice(s string, start, end int) string {
	start = max(start, 0)
	if end <= start {
		return ""
	}
	from, n := -1, 0
	for off := range s {
		if n == start {
			from = off
		}
		if n == end {
			return s[from:off]
		}
		n++
	}
	if from < 0 {
		return ""
	}
	return s[from:]
}

// Options configures a Normalizer. The zero value marks no fillers and turns
// spoken digit runs of three or more characters into digits.
type Options struct {
	// Fillers are fillers wherever they stand, such as 嗯 啊 呃 哦 噢.
	Fillers []string
	// ClauseFillers are fillers only where they stand at the start or the
	// end of a clause, or doubled (那个那个), such as 那个 就是说 额: 那个
	// in 在那个小区 stays. A clause filler of a single character is a
	// filler only when doubled or alone in its clause (额，…), so 额 in 金额,
	// 额度 or 额外 never is.
	ClauseFillers []string
	// MinDigitRun is the shortest run of spoken digits (零〇一二三四五六七八九幺,
	// mixed with ASCII digits) that becomes ASCII digits; 0 means 3. 十, 百
	// and the like are never digits, so 二十 stays as it is.
	MinDigitRun int
}

// DefaultMinDigitRun is the MinDigitRun used when Options leaves it 0.
const DefaultMinDigitRun = 3

// DefaultOptions returns the fillers that docs/rules.md names, for use
// where no lexicon supplies its own.
func DefaultOptions() Options {
	return Options{
		Fillers:       []string{"嗯", "啊", "呃", "哦", "噢"},
		ClauseFillers: []string{"那个", "就是说", "额"},
		MinDigitRun:   DefaultMinDigitRun,
	}
}

// Normalizer normalizes utterance texts. It is immutable once built and safe
// for concurrent use.
type Normalizer struct {
	t2s           *t2sTable
	minDigitRun   int
	fillers       fillerSet
	clauseFillers fillerSet
}

// New returns a Normalizer for opts. It fails on a negative MinDigitRun and
// on a filler that is empty or holds punctuation, space or symbols once
// normalized.
func New(opts Options) (*Normalizer, error) {
	n := &Normalizer{t2s: t2s(), minDigitRun: opts.MinDigitRun}
	switch {
	case n.minDigitRun < 0:
		return nil, fmt.Errorf("textnorm: MinDigitRun %d is negative", opts.MinDigitRun)
	case n.minDigitRun == 0:
		n.minDigitRun = DefaultMinDigitRun
	}
	var err error
	if n.fillers, err = n.fillerSet("Fillers", opts.Fillers); err != nil {
		return nil, err
	}
	if n.clauseFillers, err = n.fillerSet("ClauseFillers", opts.ClauseFillers); err != nil {
		return nil, err
	}
	return n, nil
}

// fillerSet normalizes the filler words of one option the way utterances
// are, so 那個 in a lexicon matches 那个 in a transcript.
func (n *Normalizer) fillerSet(option string, words []string) (fillerSet, error) {
	var set fillerSet
	var t Text
	for _, w := range words {
		n.convert(&t, w)
		if len(t.Runes) == 0 {
			return fillerSet{}, fmt.Errorf("textnorm: %s: empty filler", option)
		}
		if slices.Contains(t.Kinds, Boundary) {
			return fillerSet{}, fmt.Errorf("textnorm: %s: filler %q holds punctuation, space or a symbol", option, w)
		}
		set.add(t.Runes)
	}
	return set, nil
}

// Normalize returns the normalized form of s.
func (n *Normalizer) Normalize(s string) Text {
	count := utf8.RuneCountInString(s)
	t := Text{
		Runes: make([]rune, 0, count),
		Kinds: make([]Kind, 0, count),
		Src:   make([]int32, 0, count+1),
	}
	n.normalize(&t, s)
	return t
}

// NormalizeInto normalizes s into t, reusing the capacity of t's slices:
// once they are large enough it allocates nothing. The previous contents of
// t are overwritten.
func (n *Normalizer) NormalizeInto(t *Text, s string) {
	if cap(t.Runes) < len(s) || cap(t.Kinds) < len(s) || cap(t.Src) < len(s)+1 {
		// s has at most len(s) runes. A reused Text keeps this room, so
		// counting the runes first would only cost time.
		t.Runes = slices.Grow(t.Runes[:0], len(s))
		t.Kinds = slices.Grow(t.Kinds[:0], len(s))
		t.Src = slices.Grow(t.Src[:0], len(s)+1)
	}
	n.normalize(t, s)
}

// normalize runs the steps of normalization on s into t.
func (n *Normalizer) normalize(t *Text, s string) {
	n.convert(t, s)
	n.digits(t)
	n.markFillers(t)
}

// convert does the per-rune steps: width folding, traditional → simplified,
// lower-casing and classification.
func (n *Normalizer) convert(t *Text, s string) {
	t.Runes, t.Kinds, t.Src = t.Runes[:0], t.Kinds[:0], t.Src[:0]
	var (
		orig int32 // index of the original rune at s[i]
		skip int   // byte offset up to which a phrase has consumed s
	)
	for i, r := range s {
		if i < skip {
			continue
		}
		r = foldWidth(r)
		if ps := n.t2s.phrasesFrom(r); ps != nil {
			if p, size := matchAt(s[i:], ps, true); p != nil {
				n.appendPhrase(t, p, orig)
				skip = i + size
				orig += int32(len(p.from))
				continue
			}
		}
		r, kind := classify(n.t2s.char(r))
		t.Runes = append(t.Runes, r)
		t.Kinds = append(t.Kinds, kind)
		t.Src = append(t.Src, orig)
		orig++
	}
	t.Src = append(t.Src, orig)
}

// appendPhrase appends the replacement of a phrase that starts at original
// rune orig. A replacement as long as its source maps rune to rune; one of
// another length spreads its runes evenly over the source, which keeps Src
// non-decreasing and maps the whole replacement to the whole source.
func (n *Normalizer) appendPhrase(t *Text, p *phrase, orig int32) {
	from, to := int32(len(p.from)), int32(len(p.to))
	for j, r := range p.to {
		r, kind := classify(r)
		t.Runes = append(t.Runes, r)
		t.Kinds = append(t.Kinds, kind)
		t.Src = append(t.Src, orig+int32(j)*from/to)
	}
}
