package scoring

import (
	"fmt"

	ahocorasick "github.com/BobuSumisu/aho-corasick"

	"callqa/lexicon"
	"callqa/textnorm"
)

// listID indexes the compiled lexicon's phrase lists.
type listID int16

// entry is what one pattern of an automaton stands for: a phrase of a list.
// The same text may stand in several lists (不好意思 is an apology, a polite
// form and an outbound purpose).
type entry struct {
	list   listID
	phrase int32
}

type compiledList struct {
	name string
	mode lexicon.MatchMode
	// texts holds each phrase as normalized for matching; a phrase made of
	// fillers only (嗯) is empty and matched by the rules directly.
	texts []string
}

// compiled is a lexicon turned into automata: one Aho–Corasick automaton
// over the normalized text of every phrase of every list, and one over the
// toneless pinyin of the phrases that allow homophones.
type compiled struct {
	lex   *lexicon.Lexicon
	norm  *textnorm.Normalizer
	lists []compiledList
	modes []lexicon.MatchMode // by list id
	ids   map[string]listID
	// unitLists maps a unit id to the list of its aliases.
	unitLists map[string]listID

	// exact holds, per speaker, the automaton over the normalized text of
	// the phrases that speaker's utterances are searched for; sound the
	// one over the pinyin of the phrases that may match by sound (agent
	// speech only).
	exact map[Speaker]*automaton
	sound *automaton

	patterns map[string][]*pattern
}

// Fixed list ids of the lists the rules read, resolved once at compile time.
type listIDs struct {
	greetings, greetingFalse, apologies, farewells, politeForms, politePrefix, informal,
	evasive, uncertain, remedyActions, repeatRequests, politeQuestion, questionEndings,
	otherSubjects, agentSubjects, profanity, rhetorical, acks, questionTags, confirm,
	accountMarkers, unable, commitments, outageReports, outageNotCurrent, outageCurrent,
	outageOwnCauses, etaWords, complaintTriggers, negations, complaintThanks, ackAnywhere,
	holdRequests, selfIntro, outboundPurpose, reportedSpeech listID
}

func compile(lex *lexicon.Lexicon) (*compiled, *listIDs, error) {
	norm, err := textnorm.New(textnorm.Options{Fillers: lex.Fillers, ClauseFillers: lex.ClauseFillers})
	if err != nil {
		return nil, nil, fmt.Errorf("lexicon fillers: %w", err)
	}
	c := &compiled{
		lex:       lex,
		norm:      norm,
		ids:       make(map[string]listID),
		unitLists: make(map[string]listID),
		patterns:  make(map[string][]*pattern),
		exact:     make(map[Speaker]*automaton),
	}
	type source struct {
		name    string
		mode    lexicon.MatchMode
		phrases []lexicon.Phrase
	}
	var sources []source
	for _, name := range lexicon.RequiredLists {
		l := lex.Lists[name]
		sources = append(sources, source{name, l.Match, l.Phrases})
	}
	for _, u := range lex.Units {
		ps := make([]lexicon.Phrase, len(u.Aliases))
		for i, a := range u.Aliases {
			ps[i] = lexicon.Phrase{Text: a, Homophone: true}
		}
		sources = append(sources, source{"unit:" + u.ID, lexicon.MatchWord, ps})
	}

	// Customer speech is only read for what the customer raises, so its
	// utterances are searched with a small automaton of those lists alone.
	customerSide := map[string]bool{
		lexicon.ListOutageReports: true, lexicon.ListOutageNotCurrent: true, lexicon.ListOutageCurrent: true,
		lexicon.ListComplaintTriggers: true, lexicon.ListNegations: true, lexicon.ListAccountMarkers: true,
	}
	agentExact, customerExact, sound := newAutomatonBuilder(), newAutomatonBuilder(), newAutomatonBuilder()
	for _, src := range sources {
		id := listID(len(c.lists))
		c.ids[src.name] = id
		cl := compiledList{name: src.name, mode: src.mode}
		for pi, p := range src.phrases {
			text, runes := c.matchForm(p.Text)
			cl.texts = append(cl.texts, text)
			if text == "" {
				continue
			}
			e := entry{list: id, phrase: int32(pi)}
			agentExact.add(text, len(runes), e)
			if customerSide[src.name] {
				customerExact.add(text, len(runes), e)
			}
			if key, ok := soundKey(runes); ok && p.Homophone && len(runes) >= lex.HomophoneMinChars {
				sound.add(key, len(runes), e)
			}
		}
		c.lists = append(c.lists, cl)
		c.modes = append(c.modes, cl.mode)
		if len(src.name) > 5 && src.name[:5] == "unit:" {
			c.unitLists[src.name[5:]] = id
		}
	}
	c.exact[Agent] = agentExact.build()
	c.exact[Customer] = customerExact.build()
	c.sound = sound.build()
	for name, ps := range lex.Patterns {
		for _, p := range ps {
			c.patterns[name] = append(c.patterns[name], newPattern(p.Re))
		}
	}

	id := func(name string) listID { return c.ids[name] }
	ids := &listIDs{
		greetings: id(lexicon.ListGreetings), greetingFalse: id(lexicon.ListGreetingFalseFriends),
		apologies: id(lexicon.ListApologies),
		farewells: id(lexicon.ListFarewells), politeForms: id(lexicon.ListPoliteForms),
		politePrefix: id(lexicon.ListPolitePrefix), informal: id(lexicon.ListInformalAddress),
		evasive: id(lexicon.ListEvasive), uncertain: id(lexicon.ListUncertain),
		remedyActions: id(lexicon.ListRemedyActions), repeatRequests: id(lexicon.ListRepeatRequests),
		politeQuestion: id(lexicon.ListPoliteQuestionOpeners), questionEndings: id(lexicon.ListQuestionEndings),
		otherSubjects: id(lexicon.ListOtherSubjects), agentSubjects: id(lexicon.ListAgentSubjects),
		profanity: id(lexicon.ListProfanity), rhetorical: id(lexicon.ListRhetorical),
		acks: id(lexicon.ListAcknowledgements), questionTags: id(lexicon.ListQuestionTags),
		confirm: id(lexicon.ListConfirmPhrases), accountMarkers: id(lexicon.ListAccountMarkers),
		unable: id(lexicon.ListUnable), commitments: id(lexicon.ListCommitments),
		outageReports: id(lexicon.ListOutageReports), outageNotCurrent: id(lexicon.ListOutageNotCurrent),
		outageCurrent: id(lexicon.ListOutageCurrent), outageOwnCauses: id(lexicon.ListOutageOwnCauses),
		etaWords: id(lexicon.ListETAWords), complaintTriggers: id(lexicon.ListComplaintTriggers),
		negations: id(lexicon.ListNegations), complaintThanks: id(lexicon.ListComplaintThanks),
		ackAnywhere:  id(lexicon.ListAckAnywhere),
		holdRequests: id(lexicon.ListHoldRequests), selfIntro: id(lexicon.ListOutboundSelfIntro),
		outboundPurpose: id(lexicon.ListOutboundPurpose), reportedSpeech: id(lexicon.ListReportedSpeech),
	}
	return c, ids, nil
}

// matchForm normalizes a phrase the way utterances are normalized for
// matching: fillers and boundaries dropped.
func (c *compiled) matchForm(s string) (string, []rune) {
	t := c.norm.Normalize(s)
	runes := make([]rune, 0, len(t.Runes))
	for i, r := range t.Runes {
		switch t.Kinds[i] {
		case textnorm.Filler, textnorm.Boundary:
			continue
		}
		runes = append(runes, r)
	}
	return string(runes), runes
}

// noSound is the code of a rune without a syllable in the pinyin stream; no
// phrase holds it, so it breaks every homophone match.
const noSound = 0xFFFF

// soundKey encodes a phrase of two or more Han characters as the byte
// string of its syllable ids, two bytes per rune. It reports false for a
// phrase that is shorter or has a rune without a syllable.
func soundKey(runes []rune) (string, bool) {
	if len(runes) < 2 {
		return "", false
	}
	b := make([]byte, 0, 2*len(runes))
	for _, r := range runes {
		id, ok := textnorm.Syllable(r)
		if !ok {
			return "", false
		}
		b = append(b, byte(id>>8), byte(id))
	}
	return string(b), true
}

// automaton is an Aho–Corasick automaton over phrase keys with what each
// key stands for.
type automaton struct {
	trie    *ahocorasick.Trie
	entries [][]entry // by pattern number
	runes   []int32   // each pattern's length in runes
}

type automatonBuilder struct {
	b     *ahocorasick.TrieBuilder
	index map[string]int
	a     automaton
}

func newAutomatonBuilder() *automatonBuilder {
	return &automatonBuilder{b: ahocorasick.NewTrieBuilder(), index: map[string]int{}}
}

// add adds key, n runes long, standing for e. Equal keys share a pattern.
func (ab *automatonBuilder) add(key string, n int, e entry) {
	k, ok := ab.index[key]
	if !ok {
		k = len(ab.a.entries)
		ab.index[key] = k
		ab.a.entries = append(ab.a.entries, nil)
		ab.a.runes = append(ab.a.runes, int32(n))
		ab.b.AddString(key)
	}
	ab.a.entries[k] = append(ab.a.entries[k], e)
}

func (ab *automatonBuilder) build() *automaton {
	ab.a.trie = ab.b.Build()
	return &ab.a
}
