package scoring

import (
	"iter"
	"slices"
	"unicode"

	"callqa/lexicon"
	"callqa/textnorm"
)

// hit is one match of a phrase in an utterance's match view.
type hit struct {
	list      listID
	phrase    int32
	start     int32 // rune offsets in the match view, [start, end)
	end       int32
	homophone bool
}

// utt is an utterance as the rules see it.
type utt struct {
	index   int
	speaker Speaker
	src     *Utterance
	norm    textnorm.Text
	// view is the match view: the normalized runes without fillers, with
	// punctuation as ' ' boundaries. viewNorm maps view offsets to offsets
	// of norm (len(view)+1 entries).
	view     []rune
	viewStr  string
	viewNorm []int32
	// sentenceEnd marks view boundaries that end a sentence (。？！；).
	sentenceEnd []bool
	// cand holds every phrase found in the view, sorted by start, before
	// the word-boundary check: each reads it through each, which checks
	// boundaries on demand, so an utterance no rule asks about costs no
	// segmentation.
	cand []hit
	// modes are the lists' match modes; seg segments the view when a
	// boundary is first asked for, into bounds.
	modes     []lexicon.MatchMode
	seg       *Segmenter
	bounds    []bool
	segmented bool
	// hanDigits counts the Han characters and digits spoken, digits the
	// digits alone.
	hanDigits int
	digits    int
	// hasFillerAck reports a filler that is also an acknowledgement (嗯).
	hasFillerAck bool
}

// analyzer holds the per-call work buffers of one scoring run.
type analyzer struct {
	c      *compiled
	ids    *listIDs
	seg    *Segmenter
	runeAt []int32 // byte offset in viewStr → rune offset
	sound  []byte
	orig   []rune
}

var sentenceEnders = map[rune]bool{'。': true, '？': true, '！': true, '?': true, '!': true, '；': true, ';': true, '…': true}

// analyze normalizes u, builds its match view and finds every phrase of the
// lexicon in it. side is the speaker whose lists it is searched for; hits of
// other lists are dropped before any word-boundary check, so a customer
// utterance without a trigger never costs a segmentation.
func (a *analyzer) analyze(index int, u *Utterance, side Speaker, fillerAcks map[rune]bool) *utt {
	x := &utt{index: index, speaker: u.Speaker, src: u, modes: a.c.modes, seg: a.seg}
	a.c.norm.NormalizeInto(&x.norm, u.Text)
	a.orig = a.orig[:0]
	for _, r := range u.Text {
		a.orig = append(a.orig, r)
	}
	origRunes := a.orig
	n := len(x.norm.Runes)
	x.view = make([]rune, 0, n)
	x.viewNorm = make([]int32, 0, n+1)
	x.sentenceEnd = make([]bool, 0, n)
	for i, r := range x.norm.Runes {
		switch x.norm.Kinds[i] {
		case textnorm.Filler:
			if fillerAcks[r] {
				x.hasFillerAck = true
			}
			continue
		case textnorm.Boundary:
			// Collapse runs of boundaries to one, keeping a sentence end.
			end := false
			if o := int(x.norm.Src[i]); o < len(origRunes) {
				end = sentenceEnders[origRunes[o]]
			}
			if k := len(x.view); k > 0 && x.view[k-1] == ' ' {
				x.sentenceEnd[k-1] = x.sentenceEnd[k-1] || end
				continue
			}
			x.view = append(x.view, ' ')
			x.viewNorm = append(x.viewNorm, int32(i))
			x.sentenceEnd = append(x.sentenceEnd, end)
			continue
		case textnorm.Digit:
			x.hanDigits++
			x.digits++
		case textnorm.Han:
			x.hanDigits++
		}
		x.view = append(x.view, r)
		x.viewNorm = append(x.viewNorm, int32(i))
		x.sentenceEnd = append(x.sentenceEnd, false)
	}
	x.viewNorm = append(x.viewNorm, int32(n))
	x.viewStr = string(x.view)

	a.findExact(x, a.c.exact[side])
	if side == Agent {
		a.findSound(x)
	}
	a.dropFalseGreetings(x)
	slices.SortFunc(x.cand, func(a, b hit) int {
		if a.start != b.start {
			return int(a.start - b.start)
		}
		return int(b.end - a.end)
	})
	return x
}

func (a *analyzer) findExact(x *utt, am *automaton) {
	if cap(a.runeAt) < len(x.viewStr)+1 {
		a.runeAt = make([]int32, len(x.viewStr)+1)
	}
	a.runeAt = a.runeAt[:len(x.viewStr)+1]
	ri := int32(0)
	for bi := range x.viewStr {
		a.runeAt[bi] = ri
		ri++
	}
	a.runeAt[len(x.viewStr)] = ri
	am.trie.Walk([]byte(x.viewStr), func(end, n, pattern int64) bool {
		start := a.runeAt[end-n+1]
		for _, e := range am.entries[pattern] {
			x.cand = append(x.cand, hit{list: e.list, phrase: e.phrase, start: start, end: start + am.runes[pattern]})
		}
		return true
	})
}

func (a *analyzer) findSound(x *utt) {
	a.sound = a.sound[:0]
	for _, r := range x.view {
		id, ok := textnorm.Syllable(r)
		if !ok {
			a.sound = append(a.sound, noSound>>8, noSound&0xFF)
			continue
		}
		a.sound = append(a.sound, byte(id>>8), byte(id))
	}
	am := a.c.sound
	am.trie.Walk(a.sound, func(end, n, pattern int64) bool {
		startByte := end - n + 1
		if startByte%2 != 0 {
			return true // straddles two runes' codes
		}
		start := int32(startByte / 2)
		length := am.runes[pattern]
		for _, e := range am.entries[pattern] {
			if hasExact(x.cand, e, start, start+length) {
				continue
			}
			x.cand = append(x.cand, hit{list: e.list, phrase: e.phrase, start: start, end: start + length, homophone: true})
		}
		return true
	})
}

func hasExact(hits []hit, e entry, start, end int32) bool {
	for _, h := range hits {
		if h.list == e.list && h.start == start && h.end == end && !h.homophone {
			return true
		}
	}
	return false
}

// each yields the hits of the given lists that pass the word-boundary
// check of their list's match mode, in order of start. The utterance is
// segmented the first time a boundary is asked for.
func (x *utt) each(lists ...listID) iter.Seq[hit] {
	return func(yield func(hit) bool) {
		for _, h := range x.cand {
			if slices.Contains(lists, h.list) && x.valid(h) && !yield(h) {
				return
			}
		}
	}
}

// valid reports whether h starts (and, for word lists, ends) on a word
// boundary.
func (x *utt) valid(h hit) bool {
	switch x.modes[h.list] {
	case lexicon.MatchAny:
		return true
	case lexicon.MatchPrefix:
		return x.boundary(h.start)
	default:
		return x.boundary(h.start) && x.boundary(h.end)
	}
}

func (x *utt) boundary(p int32) bool {
	if !x.segmented {
		n := len(x.view)
		x.bounds = make([]bool, n+1)
		x.seg.boundaries(x.viewStr, n, x.bounds)
		x.segmented = true
	}
	return x.bounds[p]
}

// dropFalseGreetings removes the greetings that are the start of another
// word (你好像 is 你 + 好像): gse does not always split those the same way.
func (a *analyzer) dropFalseGreetings(x *utt) {
	ids := a.ids
	var falseStarts []int32
	for _, f := range x.cand {
		if f.list == ids.greetingFalse {
			falseStarts = append(falseStarts, f.start)
		}
	}
	if len(falseStarts) == 0 {
		return
	}
	kept := x.cand[:0]
	for _, h := range x.cand {
		if h.list == ids.greetings && slices.Contains(falseStarts, h.start) {
			continue
		}
		kept = append(kept, h)
	}
	x.cand = kept
}

// origSpan returns the rune span of the original text that the view span
// [start, end) came from.
func (x *utt) origSpan(start, end int32) (int, int) {
	ns := int(x.viewNorm[start])
	// The end maps through the last rune of the span, so trailing fillers
	// or boundaries after it are not included.
	if end <= start {
		return x.norm.SrcSpan(ns, ns)
	}
	last := int(x.viewNorm[end-1])
	s, _ := x.norm.SrcSpan(ns, ns)
	_, e := x.norm.SrcSpan(last, last+1)
	return s, e
}

// evidence returns the original text of a view span and its rune span.
func (x *utt) evidence(start, end int32) (string, Span) {
	s, e := x.origSpan(start, end)
	return textnorm.RuneSlice(x.src.Text, s, e), Span{Start: s, End: e}
}

// has reports whether the utterance holds a hit of list l.
func (x *utt) has(l listID) bool {
	for range x.each(l) {
		return true
	}
	return false
}

// clause returns the view span [start, end) of the clause around pos:
// the text between the boundaries before and after it.
func (x *utt) clause(pos int32) (int32, int32) {
	s := pos
	for s > 0 && x.view[s-1] != ' ' {
		s--
	}
	e := pos
	for int(e) < len(x.view) && x.view[e] != ' ' {
		e++
	}
	return s, e
}

// sentenceStart returns the view offset where the sentence holding pos
// begins.
func (x *utt) sentenceStart(pos int32) int32 {
	s := pos
	for s > 0 && !x.sentenceEnd[s-1] {
		s--
	}
	return s
}

// clauseEndsInQuestion reports whether the clause ending at end is followed
// in the original text by a question mark.
func (x *utt) clauseEndsInQuestion(end int32) bool {
	// The punctuation after the clause, as the transcript wrote it: the
	// original runes from where the view's boundary came from, up to the
	// next letter. A clause that ends the text has none.
	if int(end) >= len(x.view) {
		return false
	}
	from := int(x.norm.Src[x.viewNorm[end]])
	i := 0
	for _, r := range x.src.Text {
		if i >= from {
			switch {
			case r == '?' || r == '？':
				return true
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				return false
			}
		}
		i++
	}
	return false
}

// within reports whether a hit lies inside the span [start, end).
func (h hit) within(start, end int32) bool { return h.start >= start && h.end <= end }

// overlaps reports whether two hits share a rune.
func (h hit) overlaps(o hit) bool { return h.start < o.end && o.start < h.end }
