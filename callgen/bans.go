package callgen

import (
	"fmt"
	"regexp"
	"strings"

	"callqa/lexicon"
)

// banLists are the lexicon's phrases a call must keep out of agent speech
// once a violation depends on their absence: a curt call has no polite
// form, an outage left without an expected time has no time word after the
// report, and so on. They are read from the lexicon, so a clean call and an
// injected violation follow the lexicon the scorer uses.
type banLists struct {
	polite    []string
	eta       []string
	etaRe     []*regexp.Regexp
	apology   []string
	thanks    []string
	confirm   []string
	ack       []string
	hold      []string
	ownCause  []string
	commit    []string
	commitRe  []*regexp.Regexp
	greetings []string
	farewell  []string
	tags      []string
}

func newBanLists(lex *lexicon.Lexicon) (banLists, error) {
	var b banLists
	list := func(names ...string) ([]string, error) {
		var out []string
		for _, n := range names {
			l, ok := lex.Lists[n]
			if !ok {
				return nil, fmt.Errorf("callgen: lexicon has no list %q", n)
			}
			for _, p := range l.Phrases {
				out = append(out, p.Text)
			}
		}
		return out, nil
	}
	var err error
	if b.polite, err = list(lexicon.ListPoliteForms, lexicon.ListPolitePrefix); err != nil {
		return b, err
	}
	if b.eta, err = list(lexicon.ListETAWords); err != nil {
		return b, err
	}
	// Placeholders that expand to a time are banned with the time words.
	b.eta = append(b.eta, "{eta", "{crew", "{time")
	if b.apology, err = list(lexicon.ListApologies); err != nil {
		return b, err
	}
	if b.thanks, err = list(lexicon.ListComplaintThanks); err != nil {
		return b, err
	}
	if b.confirm, err = list(lexicon.ListConfirmPhrases); err != nil {
		return b, err
	}
	if b.ack, err = list(lexicon.ListAcknowledgements); err != nil {
		return b, err
	}
	if b.hold, err = list(lexicon.ListHoldRequests); err != nil {
		return b, err
	}
	if b.ownCause, err = list(lexicon.ListOutageOwnCauses); err != nil {
		return b, err
	}
	if b.commit, err = list(lexicon.ListCommitments); err != nil {
		return b, err
	}
	b.commit = append(b.commit, "{callback")
	if b.greetings, err = list(lexicon.ListGreetings); err != nil {
		return b, err
	}
	if b.farewell, err = list(lexicon.ListFarewells); err != nil {
		return b, err
	}
	if b.tags, err = list(lexicon.ListQuestionTags); err != nil {
		return b, err
	}
	for _, p := range lex.Patterns[lexicon.PatternETA] {
		b.etaRe = append(b.etaRe, p.Re)
	}
	for _, p := range lex.Patterns[lexicon.PatternCommitmentTime] {
		b.commitRe = append(b.commitRe, p.Re)
	}
	return b, nil
}

// containsAny reports whether s contains any of the phrases.
func containsAny(s string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// matchesAny reports whether any of the expressions matches s.
func matchesAny(s string, res []*regexp.Regexp) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// clauseStartsWithAck reports whether a clause of s opens with an
// acknowledgement that is not a question tag (对吗, 是吧), or s holds 嗯 or
// 明白 anywhere: what listening.acknowledge counts as the agent
// acknowledging.
func (b *banLists) clauseStartsWithAck(s string) bool {
	if strings.Contains(s, "嗯") || strings.Contains(s, "明白") {
		return true
	}
	for clause := range strings.FieldsFuncSeq(s, isClauseBreak) {
		clause = trimFillers(clause)
		for _, a := range b.ack {
			if rest, ok := strings.CutPrefix(clause, a); ok && !hasAnyPrefix(rest, b.tags) {
				return true
			}
		}
	}
	return false
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func isClauseBreak(r rune) bool {
	return strings.ContainsRune(",。?!、;:“”‘’\"' ,.?!;:", r)
}

var fillerWords = []string{"那个", "这个", "就是说", "然后", "呃", "额", "啊", "哦", "哎"}

func trimFillers(s string) string {
	for again := true; again; {
		again = false
		for _, f := range fillerWords {
			if strings.HasPrefix(s, f) {
				s, again = s[len(f):], true
			}
		}
	}
	return s
}

// onlyAcks reports whether s says nothing but acknowledgements (嗯嗯, 对对):
// a backchannel.
func (b *banLists) onlyAcks(s string) bool {
	any := false
	for clause := range strings.FieldsFuncSeq(s, isClauseBreak) {
		for clause != "" {
			n := 0
			for _, a := range b.ack {
				if strings.HasPrefix(clause, a) && len(a) > n {
					n = len(a)
				}
			}
			if n == 0 {
				return false
			}
			clause = clause[n:]
			any = true
		}
	}
	return any
}
