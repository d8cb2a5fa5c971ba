package adapt

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"callqa/scoring"
)

// legRole says whose leg of the call a CDR describes.
type legRole string

const (
	legUnknown  legRole = ""
	legAgent    legRole = "agent"
	legCustomer legRole = "customer"
)

// callInfo is what a switch record tells about a call.
type callInfo struct {
	source     string // sidecar name
	leg        legRole
	hangup     scoring.HangupSide
	hangupWhy  string // how hangup was decided, or why it is unknown
	startedAt  time.Time
	ringMS     *int64
	durationMS *int64
	agentExt   string
}

// cdrContext is what reading a CDR needs beyond its bytes.
type cdrContext struct {
	direction scoring.Direction
	loc       *time.Location
	// tag is the free part of the sidecar's name (<key>.cdr.<tag>.json);
	// "agent" or "customer" names the leg.
	tag string
}

// parseCDR reads a switch record of format f.
func parseCDR(f Format, tree any, data []byte, cx cdrContext) (callInfo, error) {
	switch f {
	case FormatFreeSWITCH:
		return parseFreeSWITCH(tree, cx)
	case FormatAsteriskCEL:
		rows, err := celRowsFrom(tree, data)
		if err != nil {
			return callInfo{}, err
		}
		return parseCEL(rows, cx)
	case FormatAsteriskCDR:
		row, err := astCDRRowFrom(tree, data)
		if err != nil {
			return callInfo{}, err
		}
		return parseAsteriskCDR(row, cx)
	}
	return callInfo{}, fmt.Errorf("adapt: %s is not a CDR format", f)
}

// combineCDRs merges the records of one call's legs. The agent's leg
// decides the hang-up side when it can; the customer's leg otherwise.
// started_at is the earliest start; ring time and duration come from the
// agent's leg first, since its ringing is what the customer waited for.
func combineCDRs(infos []callInfo) callInfo {
	var out callInfo
	out.hangup = scoring.HangupUnknown
	ordered := make([]callInfo, 0, len(infos))
	for _, leg := range []legRole{legAgent, legCustomer, legUnknown} {
		for _, in := range infos {
			if in.leg == leg {
				ordered = append(ordered, in)
			}
		}
	}
	var whys []string
	for _, in := range ordered {
		if out.hangup == scoring.HangupUnknown && in.hangup != scoring.HangupUnknown && in.hangup != "" {
			out.hangup, out.hangupWhy = in.hangup, in.hangupWhy
		}
		if in.hangupWhy != "" {
			whys = append(whys, in.source+": "+in.hangupWhy)
		}
		if !in.startedAt.IsZero() && (out.startedAt.IsZero() || in.startedAt.Before(out.startedAt)) {
			out.startedAt = in.startedAt
		}
		if out.ringMS == nil {
			out.ringMS = in.ringMS
		}
		if out.durationMS == nil {
			out.durationMS = in.durationMS
		}
		if out.agentExt == "" {
			out.agentExt = in.agentExt
		}
	}
	if out.hangup == scoring.HangupUnknown {
		out.hangupWhy = strings.Join(whys, "; ")
	}
	return out
}

// legFromTag reads the leg from a sidecar name tag.
func legFromTag(tag string) legRole {
	switch strings.ToLower(tag) {
	case "agent":
		return legAgent
	case "customer", "caller":
		return legCustomer
	}
	return legUnknown
}

// extensionOf takes the extension out of a channel name such as
// "PJSIP/1024-0000000a", "SIP/1024-00000003" or "sofia/internal/1024@host".
func extensionOf(channel string) string {
	s := channel
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '-'); i > 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// sameChannel reports whether two channel names denote the same channel,
// allowing one of them to lack the unique "-0000000a" suffix.
func sameChannel(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	return channelBase(a) == b || channelBase(b) == a
}

var channelSuffix = regexp.MustCompile(`-[0-9a-fA-F]{6,}(;\d)?$`)

func channelBase(c string) string { return channelSuffix.ReplaceAllString(c, "") }

// parseSwitchTime reads a time written by a switch: epoch seconds (with a
// fraction), RFC 3339, or "2006-01-02 15:04:05[.ffffff]" in loc.
func parseSwitchTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return time.Time{}, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f <= 0 || f > 1e11 {
			return time.Time{}, false
		}
		sec := int64(f)
		ns := int64((f - float64(sec)) * 1e9)
		return time.Unix(sec, ns).In(loc), true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006/01/02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// spanMS returns b − a in milliseconds when both are set and b is not
// before a.
func spanMS(a, b time.Time) *int64 {
	if a.IsZero() || b.IsZero() || b.Before(a) {
		return nil
	}
	d := b.Sub(a).Milliseconds()
	return &d
}
