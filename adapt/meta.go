package adapt

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"callqa/scoring"
)

// meta is a metadata sidecar (<key>.meta.json): what the call center knows
// about a call that neither the ASR engine nor the switch records. Every
// field is optional; a field given here wins over the CDR and the Config.
type meta struct {
	callID       string
	unit         string
	agentID      string
	team         string
	direction    scoring.Direction
	startedAt    time.Time
	ringMS       *int64
	durationMS   *int64
	hangupBy     scoring.HangupSide
	layout       Layout
	agentChannel *int
}

func parseMeta(tree any) (meta, error) {
	var md meta
	m, ok := asObject(tree)
	if !ok {
		return md, inputErr("", "want an object, got %s", kindOf(tree))
	}
	str := func(k string) (string, error) {
		v, ok := m[k]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", inputErr(k, "want a string, got %s", kindOf(v))
		}
		return strings.TrimSpace(s), nil
	}
	var err error
	if md.callID, err = str("call_id"); err != nil {
		return md, err
	}
	if md.callID != "" && !callIDPattern.MatchString(md.callID) {
		return md, inputErr("call_id", "%q is not a valid call id (1-128 of A-Z a-z 0-9 . _ : -)", truncate(md.callID, 40))
	}
	if md.unit, err = str("unit"); err != nil {
		return md, err
	}
	if md.agentID, err = str("agent_id"); err != nil {
		return md, err
	}
	if md.team, err = str("team"); err != nil {
		return md, err
	}
	d, err := str("direction")
	if err != nil {
		return md, err
	}
	if md.direction, err = parseDirection(d); err != nil {
		return md, inputErr("direction", "%v", err)
	}
	s, err := str("started_at")
	if err != nil {
		return md, err
	}
	if s != "" {
		if md.startedAt, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return md, inputErr("started_at", "%q is not an RFC 3339 time (e.g. 2026-11-22T09:30:00+08:00)", truncate(s, 40))
		}
	}
	for _, k := range []string{"ring_ms", "duration_ms"} {
		v, ok := m[k]
		if !ok || v == nil {
			continue
		}
		n, err := parseMillis(v)
		if err != nil {
			return md, inputErr(k, "%v", err)
		}
		if k == "ring_ms" {
			md.ringMS = &n
		} else {
			md.durationMS = &n
		}
	}
	h, err := str("hangup_by")
	if err != nil {
		return md, err
	}
	switch hs := scoring.HangupSide(h); hs {
	case "", scoring.HangupAgent, scoring.HangupCustomer, scoring.HangupSystem, scoring.HangupUnknown:
		md.hangupBy = hs
	default:
		return md, inputErr("hangup_by", "%q is not a hang-up side (customer, agent, system or unknown)", truncate(h, 40))
	}
	l, err := str("layout")
	if err != nil {
		return md, err
	}
	if md.layout, err = ParseLayout(l); err != nil {
		return md, inputErr("layout", "%v", err)
	}
	if v, ok := m["agent_channel"]; ok && v != nil {
		s, _ := scalar(v)
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 {
			return md, inputErr("agent_channel", "want a channel number (0, 1 …), got %s", kindOf(v))
		}
		md.agentChannel = &n
	}
	return md, nil
}

// parseDirection reads a call direction; "" means not given.
func parseDirection(s string) (scoring.Direction, error) {
	switch d := scoring.Direction(strings.ToLower(strings.TrimSpace(s))); d {
	case "", scoring.Inbound, scoring.Outbound:
		return d, nil
	}
	return "", fmt.Errorf("%q is not a direction (inbound or outbound)", truncate(s, 40))
}
