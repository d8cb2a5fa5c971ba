package adapt

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"callqa/scoring"
)

// fsVariables returns the channel variables of a FreeSWITCH JSON CDR,
// URL-decoded (mod_json_cdr encodes values unless encode-values is false).
func fsVariables(v any) (map[string]string, error) {
	m, ok := asObject(v)
	if !ok {
		return nil, fmt.Errorf("want an object with \"variables\", got %s", kindOf(v))
	}
	vars, ok := m["variables"]
	if !ok {
		return nil, errors.New(`no "variables" object`)
	}
	vm, ok := asObject(vars)
	if !ok {
		return nil, fmt.Errorf(`"variables" is %s, not an object`, kindOf(vars))
	}
	out := make(map[string]string, len(vm))
	for k, raw := range vm {
		s, ok := scalar(raw)
		if !ok {
			continue
		}
		if strings.Contains(s, "%") {
			if u, err := url.PathUnescape(s); err == nil {
				s = u
			}
		}
		out[k] = s
	}
	_, hasFlow := m["callflow"]
	_, hasChan := m["channel_data"]
	if !hasFlow && !hasChan && out["uuid"] == "" && out["sip_hangup_disposition"] == "" && out["start_uepoch"] == "" {
		return nil, errors.New(`"variables" without callflow, channel_data, uuid or start_uepoch: not a call leg`)
	}
	return out, nil
}

// fsCallflowTimes returns the times object of the first callflow entry
// (created_time, progress_time, answered_time, hangup_time, in µs).
func fsCallflowTimes(m map[string]any) (times map[string]string, profile map[string]string) {
	times, profile = map[string]string{}, map[string]string{}
	cf, ok := m["callflow"]
	if !ok {
		return
	}
	if a, ok := asArray(cf); ok {
		if len(a) == 0 {
			return
		}
		cf = a[0]
	}
	c, ok := asObject(cf)
	if !ok {
		return
	}
	for name, dst := range map[string]map[string]string{"times": times, "caller_profile": profile} {
		if o, ok := objField(c, name); ok {
			for k, v := range o {
				if s, ok := scalar(v); ok {
					if u, err := url.PathUnescape(s); err == nil {
						s = u
					}
					dst[k] = s
				}
			}
		}
	}
	return
}

// fsTime reads a FreeSWITCH time given in µs (…_uepoch, callflow times) or
// in s (…_epoch); "0" and "" mean "did not happen".
func fsTime(loc *time.Location, usec, sec string) time.Time {
	if n, err := strconv.ParseInt(strings.TrimSpace(usec), 10, 64); err == nil && n > 0 {
		return time.UnixMicro(n).In(loc)
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(sec), 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0).In(loc)
	}
	return time.Time{}
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// fsSystemCauses are hang-up causes of a leg the switch ended on its own.
var fsSystemCauses = map[string]bool{
	"ALLOTTED_TIMEOUT": true, "MANAGER_REQUEST": true, "SYSTEM_SHUTDOWN": true,
	"MEDIA_TIMEOUT": true, "PROGRESS_TIMEOUT": true, "RECOVERY_ON_TIMER_EXPIRE": true,
}

// fsConversationApps are dialplan applications during which the customer
// talks to an agent. A customer leg whose last application is another one
// (a survey, playback) went on after the conversation had ended.
var fsConversationApps = map[string]bool{
	"bridge": true, "callcenter": true, "fifo": true, "conference": true, "att_xfer": true,
}

// fsHangup decides who hung up from the sip_hangup_disposition of one leg.
// On a leg FreeSWITCH received the BYE (recv_*) the party of that leg hung
// up; where FreeSWITCH sent it (send_*) the other party or the switch did.
func fsHangup(leg legRole, disp, cause, lastApp string) (scoring.HangupSide, string) {
	if leg == legUnknown {
		return scoring.HangupUnknown, "cannot tell whose leg this CDR is (no cc_side; name the file <key>.cdr.agent.json or <key>.cdr.customer.json, or give the call direction)"
	}
	if disp == "" {
		return scoring.HangupUnknown, "no sip_hangup_disposition on the " + string(leg) + " leg"
	}
	other := scoring.HangupCustomer
	if leg == legCustomer {
		other = scoring.HangupAgent
	}
	afterTalk := leg == legCustomer && lastApp != "" && !fsConversationApps[strings.ToLower(lastApp)]
	why := fmt.Sprintf("%s leg: sip_hangup_disposition=%s", leg, disp)
	switch disp {
	case "recv_bye", "recv_cancel", "recv_refuse":
		if afterTalk {
			return scoring.HangupUnknown, why + fmt.Sprintf(" after the conversation had moved on to %s: the agent leg's CDR tells who ended the conversation", lastApp)
		}
		return scoring.HangupSide(leg), why
	case "send_bye", "send_cancel":
		if fsSystemCauses[cause] {
			return scoring.HangupSystem, why + ", hangup_cause=" + cause
		}
		if afterTalk {
			return scoring.HangupUnknown, why + fmt.Sprintf(" after the conversation had moved on to %s: the agent leg's CDR tells who ended the conversation", lastApp)
		}
		return other, why
	case "send_refuse":
		return scoring.HangupSystem, why
	}
	return scoring.HangupUnknown, why + " is not a disposition callqa knows"
}

func parseFreeSWITCH(tree any, cx cdrContext) (callInfo, error) {
	vars, err := fsVariables(tree)
	if err != nil {
		return callInfo{}, inputErr("variables", "%v", err)
	}
	m, _ := asObject(tree)
	times, profile := fsCallflowTimes(m)
	info := callInfo{}

	info.leg = legFromTag(cx.tag)
	if info.leg == legUnknown {
		switch strings.ToLower(vars["cc_side"]) {
		case "agent":
			info.leg = legAgent
		case "member":
			info.leg = legCustomer
		}
	}
	legDir := strings.ToLower(firstNonEmpty(vars["direction"], vars["call_direction"]))
	if info.leg == legUnknown && (legDir == "inbound" || legDir == "outbound") {
		// An inbound call arrives on the customer's leg and FreeSWITCH
		// rings the agent on an outbound leg; an outbound call the other way.
		switch {
		case (cx.direction == scoring.Outbound) == (legDir == "inbound"):
			info.leg = legAgent
		default:
			info.leg = legCustomer
		}
	}

	info.hangup, info.hangupWhy = fsHangup(info.leg, strings.ToLower(vars["sip_hangup_disposition"]),
		strings.ToUpper(vars["hangup_cause"]), vars["last_app"])

	start := fsTime(cx.loc, vars["start_uepoch"], vars["start_epoch"])
	if start.IsZero() {
		start = fsTime(cx.loc, times["created_time"], "")
	}
	progress := fsTime(cx.loc, vars["progress_uepoch"], vars["progress_epoch"])
	if progress.IsZero() {
		progress = fsTime(cx.loc, times["progress_time"], "")
	}
	answer := fsTime(cx.loc, vars["answer_uepoch"], vars["answer_epoch"])
	if answer.IsZero() {
		answer = fsTime(cx.loc, times["answered_time"], "")
	}
	end := fsTime(cx.loc, vars["end_uepoch"], vars["end_epoch"])
	if end.IsZero() {
		end = fsTime(cx.loc, times["hangup_time"], "")
	}
	info.startedAt = start
	ringFrom := start
	if !progress.IsZero() && !progress.Before(start) {
		ringFrom = progress
	}
	info.ringMS = spanMS(ringFrom, answer)
	if n, err := strconv.ParseInt(vars["billmsec"], 10, 64); err == nil && n >= 0 && !answer.IsZero() {
		info.durationMS = &n
	} else {
		info.durationMS = spanMS(answer, end)
	}

	if a := vars["cc_agent"]; a != "" {
		info.agentExt, _, _ = strings.Cut(a, "@")
	} else if info.leg == legAgent {
		if legDir == "outbound" {
			info.agentExt = firstNonEmpty(vars["dialed_user"], vars["dialed_extension"], vars["callee_id_number"],
				profile["destination_number"], vars["destination_number"])
		} else {
			info.agentExt = firstNonEmpty(vars["sip_from_user"], profile["caller_id_number"], vars["caller_id_number"], vars["user_name"])
		}
	} else if info.leg == legCustomer {
		info.agentExt = vars["last_sent_callee_id_number"]
	}
	return info, nil
}
