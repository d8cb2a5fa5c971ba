package lexicon

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Names of the phrase lists and pattern sets the rules read. A lexicon must
// define every one of them (a list may be empty to switch its part off).
const (
	ListGreetings             = "greetings"
	ListGreetingFalseFriends  = "greeting_false_friends"
	ListApologies             = "apologies"
	ListFarewells             = "farewells"
	ListPoliteForms           = "polite_forms"
	ListPolitePrefix          = "polite_prefix"
	ListInformalAddress       = "informal_address"
	ListEvasive               = "evasive"
	ListUncertain             = "uncertain"
	ListRemedyActions         = "remedy_actions"
	ListRepeatRequests        = "repeat_requests"
	ListPoliteQuestionOpeners = "polite_question_openers"
	ListQuestionEndings       = "question_endings"
	ListOtherSubjects         = "other_subjects"
	ListAgentSubjects         = "agent_subjects"
	ListProfanity             = "profanity"
	ListRhetorical            = "rhetorical"
	ListAcknowledgements      = "acknowledgements"
	ListQuestionTags          = "question_tags"
	ListAckAnywhere           = "ack_anywhere"
	ListConfirmPhrases        = "confirm_phrases"
	ListAccountMarkers        = "account_markers"
	ListUnable                = "unable"
	ListCommitments           = "commitments"
	ListOutageReports         = "outage_reports"
	ListOutageNotCurrent      = "outage_not_current"
	ListOutageCurrent         = "outage_current"
	ListOutageOwnCauses       = "outage_own_causes"
	ListETAWords              = "eta_words"
	ListComplaintTriggers     = "complaint_triggers"
	ListNegations             = "negations"
	ListComplaintThanks       = "complaint_thanks"
	ListHoldRequests          = "hold_requests"
	ListOutboundSelfIntro     = "outbound_self_intro"
	ListOutboundPurpose       = "outbound_purpose"
	ListReportedSpeech        = "reported_speech"

	PatternRhetorical     = "rhetorical"
	PatternETA            = "eta"
	PatternCommitmentTime = "commitment_time"
	PatternPhone          = "phone"
	PatternAccount        = "account"
	PatternAddress        = "address"
	PatternComplaint      = "complaint"
)

// RequiredLists are the list names every lexicon defines.
var RequiredLists = []string{
	ListGreetings, ListGreetingFalseFriends, ListApologies, ListFarewells, ListPoliteForms, ListPolitePrefix,
	ListInformalAddress, ListEvasive, ListUncertain, ListRemedyActions, ListRepeatRequests,
	ListPoliteQuestionOpeners, ListQuestionEndings, ListOtherSubjects, ListAgentSubjects,
	ListProfanity, ListRhetorical, ListAcknowledgements, ListAckAnywhere, ListQuestionTags, ListConfirmPhrases,
	ListAccountMarkers, ListUnable, ListCommitments, ListOutageReports, ListOutageNotCurrent,
	ListOutageCurrent, ListOutageOwnCauses, ListETAWords, ListComplaintTriggers,
	ListNegations, ListComplaintThanks, ListHoldRequests, ListOutboundSelfIntro,
	ListOutboundPurpose, ListReportedSpeech,
}

// RequiredPatterns are the pattern set names every lexicon defines.
var RequiredPatterns = []string{
	PatternRhetorical, PatternETA, PatternCommitmentTime, PatternPhone, PatternAccount,
	PatternAddress, PatternComplaint,
}

// MatchMode says where a phrase may match relative to word boundaries.
type MatchMode string

// Match modes.
const (
	// MatchWord: the phrase starts and ends on word boundaries.
	MatchWord MatchMode = "word"
	// MatchPrefix: only the start is on a word boundary (请 in 请问).
	MatchPrefix MatchMode = "prefix"
	// MatchAny: anywhere, even inside a word (您 in 为您服务).
	MatchAny MatchMode = "any"
)

// List is a named phrase list.
type List struct {
	Name    string
	Match   MatchMode
	Phrases []Phrase
}

// Phrase is one entry of a list.
type Phrase struct {
	Text string
	// Homophone allows a match by toneless pinyin.
	Homophone bool
}

// Pattern is a compiled regular expression of a pattern set.
type Pattern struct {
	Source string
	Re     *regexp.Regexp
}

// numMacro is what {num} stands for in patterns: digits, or Chinese
// numerals as ASR writes them (两, 半 included).
const numMacro = `(?:\d+|[零一二两三四五六七八九十百半]+)`

type listDoc struct {
	Match     MatchMode   `yaml:"match"`
	Homophone bool        `yaml:"homophone"`
	Phrases   []phraseDoc `yaml:"phrases"`
}

type phraseDoc struct {
	Text      string
	Homophone *bool
	line      int
}

// UnmarshalYAML accepts a phrase as a plain string or as
// {text: …, homophone: …}.
func (p *phraseDoc) UnmarshalYAML(n *yaml.Node) error {
	p.line = n.Line
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&p.Text)
	}
	var m struct {
		Text      string `yaml:"text"`
		Homophone *bool  `yaml:"homophone"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	p.Text, p.Homophone = m.Text, m.Homophone
	return nil
}

func (lex *Lexicon) parsePhrases(data []byte) error {
	const file = "phrases.yaml"
	var doc struct {
		HomophoneMin  int                    `yaml:"homophone_min_chars"`
		MinWordFreq   float64                `yaml:"min_word_freq"`
		Fillers       []string               `yaml:"fillers"`
		ClauseFillers []string               `yaml:"clause_fillers"`
		UserWords     []string               `yaml:"user_words"`
		Lists         map[string]listDoc     `yaml:"lists"`
		Patterns      map[string][]yaml.Node `yaml:"patterns"`
	}
	if err := decodeStrict(file, data, &doc); err != nil {
		return err
	}
	lex.Fillers, lex.ClauseFillers, lex.UserWords = doc.Fillers, doc.ClauseFillers, doc.UserWords
	if doc.HomophoneMin < 2 {
		return &FileError{File: file, Entry: "homophone_min_chars", Msg: fmt.Sprintf("must be at least 2 (got %d)", doc.HomophoneMin)}
	}
	lex.HomophoneMinChars = doc.HomophoneMin
	if doc.MinWordFreq < 1 {
		return &FileError{File: file, Entry: "min_word_freq", Msg: fmt.Sprintf("must be at least 1 (got %g)", doc.MinWordFreq)}
	}
	lex.MinWordFreq = doc.MinWordFreq
	for name, words := range map[string][]string{"fillers": doc.Fillers, "clause_fillers": doc.ClauseFillers, "user_words": doc.UserWords} {
		for i, w := range words {
			if strings.TrimSpace(w) == "" {
				return &FileError{File: file, Entry: fmt.Sprintf("%s[%d]", name, i), Msg: "empty word"}
			}
		}
	}

	lex.Lists = make(map[string]*List, len(doc.Lists))
	for name, ld := range doc.Lists {
		mode := ld.Match
		switch mode {
		case "":
			mode = MatchWord
		case MatchWord, MatchPrefix, MatchAny:
		default:
			return &FileError{File: file, Entry: "lists." + name, Msg: fmt.Sprintf("match %q is not word, prefix or any", ld.Match)}
		}
		l := &List{Name: name, Match: mode}
		seen := map[string]bool{}
		for i, pd := range ld.Phrases {
			entry := fmt.Sprintf("lists.%s.phrases[%d]", name, i)
			text := strings.TrimSpace(pd.Text)
			if text == "" {
				return &FileError{File: file, Line: pd.line, Entry: entry, Msg: "empty phrase"}
			}
			if seen[text] {
				return &FileError{File: file, Line: pd.line, Entry: entry, Msg: fmt.Sprintf("%q is listed twice", text)}
			}
			seen[text] = true
			h := ld.Homophone
			if pd.Homophone != nil {
				h = *pd.Homophone
			}
			l.Phrases = append(l.Phrases, Phrase{Text: text, Homophone: h})
		}
		lex.Lists[name] = l
	}
	for _, name := range RequiredLists {
		if lex.Lists[name] == nil {
			return &FileError{File: file, Entry: "lists." + name, Msg: "required list is missing (it may be empty)"}
		}
	}

	lex.Patterns = make(map[string][]Pattern, len(doc.Patterns))
	for name, nodes := range doc.Patterns {
		for i, n := range nodes {
			entry := fmt.Sprintf("patterns.%s[%d]", name, i)
			var src string
			if err := n.Decode(&src); err != nil || strings.TrimSpace(src) == "" {
				return &FileError{File: file, Line: n.Line, Entry: entry, Msg: "want a non-empty regular expression"}
			}
			re, err := regexp.Compile(strings.ReplaceAll(src, "{num}", numMacro))
			if err != nil {
				return &FileError{File: file, Line: n.Line, Entry: entry, Msg: fmt.Sprintf("bad regular expression: %v", err)}
			}
			if re.MatchString("") {
				return &FileError{File: file, Line: n.Line, Entry: entry, Msg: "pattern matches the empty string"}
			}
			lex.Patterns[name] = append(lex.Patterns[name], Pattern{Source: src, Re: re})
		}
	}
	for _, name := range RequiredPatterns {
		if _, ok := doc.Patterns[name]; !ok {
			return &FileError{File: file, Entry: "patterns." + name, Msg: "required pattern set is missing (it may be empty)"}
		}
	}
	return nil
}
