package callgen

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"callqa/lexicon"
)

// TestNeutralBanksRaiseNothing checks that the customer lines meant to be
// neutral raise nothing a rule reads from the customer: no outage report,
// no complaint, no number or address the agent would have to confirm. Only
// the statement banks made to raise one may.
func TestNeutralBanksRaiseNothing(t *testing.T) {
	lex, err := lexicon.Default()
	if err != nil {
		t.Fatal(err)
	}
	var raise []string
	for _, l := range []string{lexicon.ListOutageReports, lexicon.ListComplaintTriggers} {
		for _, p := range lex.Lists[l].Phrases {
			raise = append(raise, p.Text)
		}
	}
	var patterns []*regexp.Regexp
	for _, set := range []string{lexicon.PatternAddress, lexicon.PatternPhone, lexicon.PatternAccount, lexicon.PatternComplaint} {
		for _, p := range lex.Patterns[set] {
			patterns = append(patterns, p.Re)
		}
	}
	banks := map[string][]string{
		"elaborations": elaborations, "fallbackMore": fallbackMore, "outageMore": outageMore, "billMore": billMore,
		"transferMore": transferMore, "meterMore": meterMore, "touMore": touMore, "complaintMore": complaintMore,
		"heatMore": heatMore, "heatFeeMore": heatFeeMore, "installMore": installMore, "valveMore": valveMore,
		"surveyMore": surveyMore, "noticeMore": noticeMore, "remindMore": remindMore, "appointmentMore": appointmentMore,
		"sideQuestions": sideQuestions, "hardQuestionsPower": hardQuestionsPower, "hardQuestionsHeat": hardQuestionsHeat,
		"rhetoricalQs": rhetoricalQs, "reactions": reactions, "okThanks": okThanks, "understood": understood,
		"noMore": noMore, "custBye": custBye, "obAnswer": obAnswer, "obWho": obWho, "obWhat": obWhat,
		"waitAfterETA": waitAfterETA, "billAsk": billAsk, "billWhy": billWhy, "payHow": payHow,
		"transferAsk": transferAsk, "meterAsk": meterAsk, "meterMine": meterMine, "touAsk": touAsk,
		"feeAsk": feeAsk, "installAsk": installAsk, "valveAsk": valveAsk, "installDay": installDay,
		"surveyFixed": surveyFixed, "surveyAnswer": surveyAnswer, "noticeHowLong": noticeHowLong,
		"remindHowMuch": remindHowMuch, "appointmentDay": appointmentDay, "holdAnswers": holdAnswers,
		"confirmedYes": confirmedYes, "quoteYes": quoteYes, "complaintOK": complaintOK,
	}
	for name, bank := range banks {
		for _, line := range bank {
			digits := hanDigitsToASCII(line)
			if containsAny(line, raise) || matchesAny(digits, patterns) {
				t.Errorf("%s: %q raises an outage, a complaint, a number or an address", name, line)
			}
		}
	}
}

// hanDigitsToASCII turns runs of three or more spoken digits into ASCII
// digits, as the scorer's normalization does.
func hanDigitsToASCII(s string) string {
	rs := []rune(s)
	isDigit := func(r rune) bool { return strings.ContainsRune("零一二三四五六七八九幺0123456789", r) }
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && isDigit(rs[j]) {
			j++
		}
		if j-i >= 3 {
			for k := i; k < j; k++ {
				if d := slices.Index([]rune("零一二三四五六七八九"), rs[k]); d >= 0 {
					rs[k] = rune('0' + d)
				} else if rs[k] == '幺' {
					rs[k] = '1'
				}
			}
		}
		if j == i {
			j++
		}
		i = j
	}
	return string(rs)
}
