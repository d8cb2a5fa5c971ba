package callgen

import (
	"fmt"
	"reflect"
	"time"

	"callqa/lexicon"
)

// Options configure a Generator. The zero value is useful: every field left
// zero or nil takes the default documented on it.
type Options struct {
	// Seed selects the corpus: the same seed and options give the same
	// calls, byte for byte.
	Seed uint64
	// Lexicon supplies the units and the phrase lists a clean call must
	// stay clear of. Default: lexicon.Default().
	Lexicon *lexicon.Lexicon
	// Units are the units calls are made for. Default: every unit of the
	// lexicon. A unit whose aliases name 热 or 暖 gets district-heating
	// dialogues, any other unit power-supply ones.
	Units []lexicon.Unit
	// Start is the first day calls start on (its date in +08:00 is used).
	// Default: 2026-11-01.
	Start time.Time
	// Days is how many days from Start the calls are spread over, in
	// working hours (08:00–20:00 +08:00). Default: 30.
	Days int
	// Agents is the size of the agent pool, spread evenly over the units.
	// Default: 30 per unit.
	Agents int
	// TeamsPerUnit is how many teams each unit's agents form. Default: 3.
	TeamsPerUnit int
	// Customers is the size of the customer pool calls are drawn from; a
	// customer keeps name, phone, account and address across calls.
	// Default: 20000.
	Customers int
	// IDPrefix is put in front of every call id, e.g. to keep the corpora
	// of two seeds apart in one bucket. Default: none.
	IDPrefix string
	// Rates are the violation probabilities. Default: DefaultRates().
	Rates *Rates
	// Exempt are the probabilities of hard negatives. Default:
	// DefaultExemptRates().
	Exempt *ExemptRates
	// Mix shapes the calls around the rules. Default: DefaultMix().
	Mix *Mix
}

// Rates are the probabilities of injecting each violation, one field per
// rule of the catalogue. Each rate is the probability over the calls the
// rule applies to, as its comment says; Meta.Eligible tells which calls
// those are. An agent's calls deviate from these rates by the agent's
// sloppiness (Mix.AgentSpread), averaging out over a unit's agents.
type Rates struct {
	// GreetingMissing (greeting.missing): inbound calls whose first agent
	// turn has no greeting.
	GreetingMissing float64
	// UnitMissing (greeting.unit_missing): inbound calls whose opening names
	// no unit, or names it before the greeting.
	UnitMissing float64
	// OutboundIntro (outbound.intro): outbound calls whose opening lacks the
	// greeting, the unit or the purpose.
	OutboundIntro float64
	// LateNoApology (answer.late_apology): inbound calls answered after the
	// unit's ring limit with no apology.
	LateNoApology float64
	// NoFarewell (closing.farewell): calls whose last agent turn has no
	// farewell.
	NoFarewell float64
	// NoPoliteForms (polite.phrasing): inbound calls of routine topics
	// (bill, meter, tariff, transfer, heat fee, installation) handled
	// curtly, without a single polite form.
	NoPoliteForms float64
	// Informal (polite.informal_address): calls where the agent says 你 for
	// 您 in one or two utterances.
	Informal float64
	// Evasive (forbidden.evasive): calls with a buck-passing refusal.
	Evasive float64
	// Profanity (forbidden.profanity): calls where the agent swears.
	Profanity float64
	// Rhetorical (forbidden.rhetorical): calls with a rhetorical question
	// at the customer.
	Rhetorical float64
	// AgentHangup (hangup.agent_first): calls the agent hangs up first.
	AgentHangup float64
	// NoAcknowledge (listening.acknowledge): calls with a long customer
	// turn the agent does not acknowledge.
	NoAcknowledge float64
	// NoConfirm (listening.confirm): calls where a phone number the
	// customer gives is neither repeated nor confirmed.
	NoConfirm float64
	// UnableNoCommitment (unable.commitment): calls where the agent cannot
	// answer and does not both apologize and commit to a callback.
	UnableNoCommitment float64
	// OutageNoETA (outage.eta): calls reporting a current network outage
	// where the agent gives no apology or no expected time.
	OutageNoETA float64
	// ComplaintNoThanks (complaint.thanks): calls with a complaint where
	// the agent never thanks the customer.
	ComplaintNoThanks float64
	// Interrupt (timing.interrupt): calls where the agent talks over the
	// customer by a second or more.
	Interrupt float64
	// SpeechRate (timing.speech_rate): calls where the agent speaks too
	// fast or too slowly throughout.
	SpeechRate float64
	// DeadAir (timing.dead_air): calls with a long silence the agent did
	// not announce with a hold request.
	DeadAir float64
}

// DefaultRates returns realistic violation rates: most calls are clean or
// carry one minor finding.
func DefaultRates() Rates {
	return Rates{
		GreetingMissing:    0.03,
		UnitMissing:        0.05,
		OutboundIntro:      0.15,
		LateNoApology:      0.04,
		NoFarewell:         0.06,
		NoPoliteForms:      0.02,
		Informal:           0.08,
		Evasive:            0.03,
		Profanity:          0.003,
		Rhetorical:         0.015,
		AgentHangup:        0.03,
		NoAcknowledge:      0.05,
		NoConfirm:          0.05,
		UnableNoCommitment: 0.03,
		OutageNoETA:        0.04,
		ComplaintNoThanks:  0.20,
		Interrupt:          0.03,
		SpeechRate:         0.02,
		DeadAir:            0.02,
	}
}

// Of returns the rate of the rule with the given id, and false for an id
// that is not a rule of the catalogue.
func (r Rates) Of(rule string) (float64, bool) {
	p := r.field(rule)
	if p == nil {
		return 0, false
	}
	return *p, true
}

// Set sets the rate of the rule with the given id; it reports false for an
// id that is not a rule of the catalogue.
func (r *Rates) Set(rule string, p float64) bool {
	f := r.field(rule)
	if f == nil {
		return false
	}
	*f = p
	return true
}

func (r *Rates) field(rule string) *float64 {
	switch rule {
	case lexicon.RuleGreetingMissing:
		return &r.GreetingMissing
	case lexicon.RuleGreetingUnitMissing:
		return &r.UnitMissing
	case lexicon.RuleOutboundIntro:
		return &r.OutboundIntro
	case lexicon.RuleAnswerLateApology:
		return &r.LateNoApology
	case lexicon.RuleClosingFarewell:
		return &r.NoFarewell
	case lexicon.RulePolitePhrasing:
		return &r.NoPoliteForms
	case lexicon.RulePoliteInformalAddress:
		return &r.Informal
	case lexicon.RuleForbiddenEvasive:
		return &r.Evasive
	case lexicon.RuleForbiddenProfanity:
		return &r.Profanity
	case lexicon.RuleForbiddenRhetorical:
		return &r.Rhetorical
	case lexicon.RuleHangupAgentFirst:
		return &r.AgentHangup
	case lexicon.RuleListeningAcknowledge:
		return &r.NoAcknowledge
	case lexicon.RuleListeningConfirm:
		return &r.NoConfirm
	case lexicon.RuleUnableCommitment:
		return &r.UnableNoCommitment
	case lexicon.RuleOutageETA:
		return &r.OutageNoETA
	case lexicon.RuleComplaintThanks:
		return &r.ComplaintNoThanks
	case lexicon.RuleTimingInterrupt:
		return &r.Interrupt
	case lexicon.RuleTimingSpeechRate:
		return &r.SpeechRate
	case lexicon.RuleTimingDeadAir:
		return &r.DeadAir
	}
	return nil
}

// ExemptRates are the probabilities of hard negatives: phrasings that look
// like a violation but are exempt, so the scorer's context handling is
// exercised. Each is over all calls unless its comment says otherwise.
type ExemptRates struct {
	// NiHao: the greeting written 你好 (ASR) instead of 您好; of inbound
	// openings.
	NiHao float64
	// UnitHomophone: the unit's name misrecognized as a homophone
	// (永衡热力); of inbound openings that name the unit.
	UnitHomophone float64
	// LateWithApology: answered after the ring limit, with an apology; of
	// inbound calls.
	LateWithApology float64
	// HoldSilence: a silence past the dead-air limit after a hold request.
	HoldSilence float64
	// Backchannel: an agent 嗯嗯/对对 spoken over the customer for a second
	// or more.
	Backchannel float64
	// RemediedUncertainty: 不清楚 paired with an apology, an action and a
	// callback in the same utterance; of calls not handled curtly.
	RemediedUncertainty float64
	// OtherSubject: 您不清楚户号… — the uncertainty is the customer's; of
	// calls that ask for the account number.
	OtherSubject float64
	// PoliteQuestion: 不知道您…方便吗 softening a question; of outbound
	// appointment calls and of installation calls that book a visit.
	PoliteQuestion float64
	// ReportedSpeech: the agent restating the rude words of someone else
	// (您是说师傅跟您说“不归我们管”); of complaint-topic calls whose
	// statement no violation answers.
	ReportedSpeech float64
	// NotCurrentOutage: a past or planned outage the customer mentions
	// (上个月停电了好几次, 听说明天要停电); of outage-report, bill, heat-fee
	// and power-survey calls.
	NotCurrentOutage float64
	// OwnCause: an outage report whose cause is the customer's own (a
	// tripped switch, air in the radiator); of 停电报修 and 暖气不热 calls.
	// Every 欠费停电 call is one too (arrears).
	OwnCause float64
	// ComplaintNegation: 没有意见 / 不想投诉 from the customer.
	ComplaintNegation float64
	// WordBoundary: profanity inside a longer word (有病人, 滚动); of power
	// calls.
	WordBoundary float64
}

// DefaultExemptRates returns the default hard-negative rates.
func DefaultExemptRates() ExemptRates {
	return ExemptRates{
		NiHao:               0.25,
		UnitHomophone:       0.05,
		LateWithApology:     0.08,
		HoldSilence:         0.08,
		Backchannel:         0.08,
		RemediedUncertainty: 0.04,
		OtherSubject:        0.04,
		PoliteQuestion:      0.6,
		ReportedSpeech:      0.3,
		NotCurrentOutage:    0.04,
		OwnCause:            0.3,
		ComplaintNegation:   0.03,
		WordBoundary:        0.02,
	}
}

// Mix shapes the calls around the rules.
type Mix struct {
	// Outbound is the share of outbound calls (callbacks, notices,
	// reminders).
	Outbound float64
	// HangupSystem and HangupUnknown are the shares of calls ended by the
	// system (the satisfaction survey) and of calls whose hang-up side is
	// not known; the customer ends the rest, bar Rates.AgentHangup.
	HangupSystem  float64
	HangupUnknown float64
	// NoRing is the share of inbound calls without ring_ms.
	NoRing float64
	// AgentSpread is the spread of the agents' sloppiness: each agent's
	// violation rates are the configured ones times a factor of mean 1 per
	// unit whose logarithm has this standard deviation. 0 makes every agent
	// alike.
	AgentSpread float64
}

// DefaultMix returns the default call mix.
func DefaultMix() Mix {
	return Mix{
		Outbound:      0.15,
		HangupSystem:  0.05,
		HangupUnknown: 0.05,
		NoRing:        0.03,
		AgentSpread:   0.5,
	}
}

// checkProbabilities returns an error naming the first field of the struct
// v points at that is not a probability.
func checkProbabilities(what string, v any) error {
	rv := reflect.ValueOf(v).Elem()
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		if f.Kind() != reflect.Float64 {
			continue
		}
		if p := f.Float(); !(p >= 0 && p <= 1) {
			return fmt.Errorf("%s.%s = %v: want a probability in [0, 1]", what, rv.Type().Field(i).Name, p)
		}
	}
	return nil
}
