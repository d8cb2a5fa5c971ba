package scoring

import (
	"fmt"
	"runtime/debug"
	"unicode/utf8"

	"github.com/go-ego/gse"

	"callqa/lexicon"
	"callqa/textnorm"
)

// userWordFreq is the dictionary frequency given to the lexicon's phrases.
// It is high enough for a phrase to hold together where the dictionary does
// not know it (不归我管) and low enough never to beat a common word around
// it: 有病 must still lose to 有 / 病人 in 有病人.
const userWordFreq = 100

// Segmenter splits normalized Chinese text into words. It wraps one gse
// segmenter: loading one takes seconds and over 100 MB, so a process builds
// one and shares it between all engines and goroutines. It is safe for
// concurrent use once built.
type Segmenter struct {
	seg gse.Segmenter
	// added holds the words NewSegmenter added to gse's dictionary.
	added map[string]bool
}

// NewSegmenter loads gse's simplified-Chinese dictionary (callqa converts
// traditional text before segmenting, so the traditional half is not
// needed) and adds the lexicon's unit names, phrases and user words to it.
//
// Loading parses a 5 MB dictionary (the words of at least the lexicon's
// min_word_freq: ~55 MB of heap at the default 5, ~130 MB with every word)
// and leaves as much garbage behind; the garbage collector runs eagerly
// while it does, which keeps the process' peak resident memory near the
// dictionary's own size, and the garbage is returned to the system
// afterwards.
func NewSegmenter(lex *lexicon.Lexicon) (*Segmenter, error) {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	defer debug.FreeOSMemory()
	var seg gse.Segmenter
	// Rare words only split the text differently where no phrase matches;
	// leaving them out halves the heap and the lookups. The HMM model is
	// for unknown words, which callqa does not cut.
	seg.MinTokenFreq = lex.MinWordFreq
	seg.NotLoadHMM = true
	if err := seg.LoadDictEmbed("zh_s"); err != nil {
		return nil, fmt.Errorf("load gse dictionary: %w", err)
	}
	s := &Segmenter{seg: seg, added: map[string]bool{}}
	norm, err := textnorm.New(textnorm.Options{})
	if err != nil {
		return nil, fmt.Errorf("segmenter normalizer: %w", err)
	}
	add := func(w string) {
		t := norm.Normalize(w)
		w = string(t.Runes)
		if utf8.RuneCountInString(w) < 2 {
			return
		}
		// Never lower the frequency of a word the dictionary knows.
		if _, _, ok := s.seg.Find(w); ok {
			return
		}
		// AddToken only fails for an empty token, excluded above.
		_ = s.seg.AddToken(w, userWordFreq)
		s.added[w] = true
	}
	for _, w := range lex.UserWords {
		add(w)
	}
	for _, u := range lex.Units {
		for _, a := range u.Aliases {
			add(a)
		}
	}
	for _, l := range lex.Lists {
		for _, p := range l.Phrases {
			add(p.Text)
		}
	}
	s.seg.CalcToken()
	return s, nil
}

// boundaries marks in b (len(runes)+1) every rune offset of s where a word
// starts or ends. A word the lexicon added is held together so that its
// own match starts and ends on a boundary, but it hides nothing: every
// offset inside it counts as a boundary too, so 你 in 我不是跟你说过了吗 is
// still a word. When gse's tokens do not add up to s, which would make the
// offsets meaningless, every offset counts as a boundary: a missed
// rejection is better than a wrong one.
func (s *Segmenter) boundaries(str string, n int, b []bool) {
	for i := range b {
		b[i] = false
	}
	b[0], b[n] = true, true
	pos := 0
	for _, tok := range s.seg.Cut(str, false) {
		k := utf8.RuneCountInString(tok)
		if pos+k > n {
			pos += k
			break
		}
		if k > 1 && s.added[tok] {
			for i := pos + 1; i < pos+k; i++ {
				b[i] = true
			}
		}
		pos += k
		b[pos] = true
	}
	if pos != n {
		for i := range b {
			b[i] = true
		}
	}
}

// Cut splits s into words, as the scorer sees them. It is the segmentation
// baseline the benchmarks compare scoring with.
func (s *Segmenter) Cut(str string) []string {
	return s.seg.Cut(str, false)
}
