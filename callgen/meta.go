package callgen

import (
	"slices"

	"callqa/lexicon"
	"callqa/scoring"
)

// Meta says what a generated call holds: what it is about, which
// violations were injected and which hard negatives it carries. It is the
// answer key a scorer test compares findings with.
type Meta struct {
	Index     int
	CallID    string
	Unit      string
	Kind      UnitKind
	Topic     Topic
	Direction scoring.Direction
	// Outage reports that the customer reports a current loss of supply of
	// the network (not their own fault), so outage.eta applies.
	Outage bool
	// Complaint reports that the customer complains, so complaint.thanks
	// applies.
	Complaint bool
	// Violations are the findings the injected violations should produce,
	// in utterance order. A violation of one rule may bring a finding of
	// another (a bare 喂 misses both greeting and unit): such a finding
	// has the Kind of the injection and its own Rule.
	Violations []Violation
	// Exempt are the hard negatives: places where a rule must not fire.
	Exempt []Exempt
	// NotAssessable lists rules the call lacks the data for (no ring_ms,
	// hang-up side unknown), in catalogue order.
	NotAssessable []string

	eligible uint32
}

// Violation is one finding an injected violation should produce.
type Violation struct {
	// Kind is the rule whose rate decided the injection.
	Kind string
	// Rule is the rule that should fire.
	Rule string
	// Utterance is the index of the utterance the finding should point
	// at: the customer's utterance for rules about what the customer
	// raised (listening.*, outage.eta, complaint.thanks), the utterance
	// after the silence for timing.dead_air, the offending agent utterance
	// otherwise, and -1 for findings about the call as a whole.
	Utterance int
}

// Exempt is a hard negative: an utterance where Rule must not fire.
type Exempt struct {
	// Kind names the exempt phrasing, e.g. "hold_silence".
	Kind string
	// Rule is the rule that must not fire there.
	Rule string
	// Utterance is the index of the utterance holding the phrasing.
	Utterance int
}

// Injected reports whether a violation of kind rule was injected.
func (m *Meta) Injected(rule string) bool {
	return slices.ContainsFunc(m.Violations, func(v Violation) bool { return v.Kind == rule })
}

// Rules returns the rules the call's violations should make fire, each
// once, in catalogue order.
func (m *Meta) Rules() []string {
	var out []string
	for _, id := range lexicon.RuleIDs {
		if slices.ContainsFunc(m.Violations, func(v Violation) bool { return v.Rule == id }) {
			out = append(out, id)
		}
	}
	return out
}

// Clean reports whether no violation was injected.
func (m *Meta) Clean() bool { return len(m.Violations) == 0 }

// Eligible reports whether the call is one the rate of rule is a
// probability over (see the comments on Rates): an inbound call for the
// greeting rules, a call reporting a network outage for outage.eta, and so
// on.
func (m *Meta) Eligible(rule string) bool {
	i := slices.Index(lexicon.RuleIDs, rule)
	return i >= 0 && m.eligible&(1<<i) != 0
}

func (m *Meta) setEligible(rule string) {
	if i := slices.Index(lexicon.RuleIDs, rule); i >= 0 {
		m.eligible |= 1 << i
	}
}
