package lexicon

// Rule ids of the catalogue. They are fixed: a rule id never changes
// meaning, so scores, reviews and reports of any age speak of the same rule.
const (
	RuleGreetingMissing       = "greeting.missing"
	RuleGreetingUnitMissing   = "greeting.unit_missing"
	RuleOutboundIntro         = "outbound.intro"
	RuleAnswerLateApology     = "answer.late_apology"
	RuleClosingFarewell       = "closing.farewell"
	RulePolitePhrasing        = "polite.phrasing"
	RulePoliteInformalAddress = "polite.informal_address"
	RuleForbiddenEvasive      = "forbidden.evasive"
	RuleForbiddenProfanity    = "forbidden.profanity"
	RuleForbiddenRhetorical   = "forbidden.rhetorical"
	RuleHangupAgentFirst      = "hangup.agent_first"
	RuleListeningAcknowledge  = "listening.acknowledge"
	RuleListeningConfirm      = "listening.confirm"
	RuleUnableCommitment      = "unable.commitment"
	RuleOutageETA             = "outage.eta"
	RuleComplaintThanks       = "complaint.thanks"
	RuleTimingInterrupt       = "timing.interrupt"
	RuleTimingSpeechRate      = "timing.speech_rate"
	RuleTimingDeadAir         = "timing.dead_air"
)

// RuleIDs lists every rule of the catalogue in catalogue order.
var RuleIDs = []string{
	RuleGreetingMissing, RuleGreetingUnitMissing, RuleOutboundIntro, RuleAnswerLateApology,
	RuleClosingFarewell, RulePolitePhrasing, RulePoliteInformalAddress, RuleForbiddenEvasive,
	RuleForbiddenProfanity, RuleForbiddenRhetorical, RuleHangupAgentFirst, RuleListeningAcknowledge,
	RuleListeningConfirm, RuleUnableCommitment, RuleOutageETA, RuleComplaintThanks,
	RuleTimingInterrupt, RuleTimingSpeechRate, RuleTimingDeadAir,
}

var ruleSet = func() map[string]bool {
	m := make(map[string]bool, len(RuleIDs))
	for _, id := range RuleIDs {
		m[id] = true
	}
	return m
}()

// IsRule reports whether id is a rule id of the catalogue.
func IsRule(id string) bool { return ruleSet[id] }
