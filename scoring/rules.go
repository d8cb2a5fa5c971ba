package scoring

import "callqa/lexicon"

// ruleDef is one rule of the catalogue as code: when it applies to a call,
// what data it needs, and the check that adds its findings.
type ruleDef struct {
	id string
	// applies reports whether the rule concerns the call at all (outbound
	// rules on outbound calls). A rule that does not apply is neither
	// judged nor reported as not assessable.
	applies func(*call) bool
	// needs returns why the call lacks the data the rule needs, or "".
	needs func(*call) string
	check func(*call)
}

// ruleSet lists every rule in catalogue order.
var ruleSet = []ruleDef{
	{lexicon.RuleGreetingMissing, inbound, needsRoles, checkGreetingMissing},
	{lexicon.RuleGreetingUnitMissing, inbound, needsRoles, checkGreetingUnit},
	{lexicon.RuleOutboundIntro, outbound, needsRoles, checkOutboundIntro},
	{lexicon.RuleAnswerLateApology, inbound, needsRingAndRoles, checkLateApology},
	{lexicon.RuleClosingFarewell, always, needsRoles, checkFarewell},
	{lexicon.RulePolitePhrasing, always, needsRoles, checkPolitePhrasing},
	{lexicon.RulePoliteInformalAddress, always, needsRoles, checkInformalAddress},
	{lexicon.RuleForbiddenEvasive, always, needsRoles, checkEvasive},
	{lexicon.RuleForbiddenProfanity, always, needsRoles, checkProfanity},
	{lexicon.RuleForbiddenRhetorical, always, needsRoles, checkRhetorical},
	{lexicon.RuleHangupAgentFirst, always, needsHangup, checkHangup},
	{lexicon.RuleListeningAcknowledge, always, needsRoles, checkAcknowledge},
	{lexicon.RuleListeningConfirm, always, needsRoles, checkConfirm},
	{lexicon.RuleUnableCommitment, always, needsRoles, checkUnableCommitment},
	{lexicon.RuleOutageETA, always, needsRoles, checkOutageETA},
	{lexicon.RuleComplaintThanks, always, needsRoles, checkComplaintThanks},
	{lexicon.RuleTimingInterrupt, always, needsTimesAndRoles, checkInterrupt},
	{lexicon.RuleTimingSpeechRate, always, needsSpeechRate, checkSpeechRate},
	{lexicon.RuleTimingDeadAir, always, needsTimes, checkDeadAir},
}

func always(*call) bool     { return true }
func inbound(c *call) bool  { return c.t.Direction != Outbound }
func outbound(c *call) bool { return c.t.Direction == Outbound }

func needsRoles(c *call) string { return c.rolesReason() }

func needsRingAndRoles(c *call) string {
	if c.t.RingMS == nil {
		return "no ring_ms in the transcript"
	}
	return c.rolesReason()
}

func needsTimes(c *call) string {
	if !c.timed {
		return "the transcript has no utterance times"
	}
	return ""
}

func needsTimesAndRoles(c *call) string {
	if !c.timed {
		return "the transcript has no utterance times"
	}
	return c.rolesReason()
}

func needsHangup(c *call) string {
	if c.t.HangupBy == HangupUnknown || c.t.HangupBy == "" {
		return "hangup_by is unknown"
	}
	return ""
}

func checkHangup(c *call) {
	if c.t.HangupBy == HangupAgent {
		c.finding(lexicon.RuleHangupAgentFirst, -1, nil, "")
	}
}
