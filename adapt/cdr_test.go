package adapt

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"callqa/scoring"
)

// t0 is the moment the sample calls arrive: 2026-11-22 09:30:00 +08:00.
var t0 = time.Unix(1795311000, 0)

func ms(n int64) *int64 { return &n }

func eqPtr(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func ptrString(p *int64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

// buildWithCDR builds the dual-channel Alibaba sample with the given
// sidecars and no defaults for agent or start, so that the CDR must
// provide them.
func buildWithCDR(t *testing.T, cfg Config, sidecars ...Sidecar) *scoring.Transcript {
	t.Helper()
	if cfg.Unit == "" {
		cfg.Unit = "sgcc-hz"
	}
	l := &Loader{Config: cfg}
	tr, err := l.Build("calls/hz-1.asr.json", readFixture(t, "aliyun/dual.json"), sidecars...)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return tr
}

// TestFreeSWITCHFixtures reads the sample CDRs of each disposition on the
// agent's and the customer's leg.
func TestFreeSWITCHFixtures(t *testing.T) {
	agentStart := t0.Add(500 * time.Millisecond)
	tests := []struct {
		file     string
		hangup   scoring.HangupSide
		started  time.Time
		ring     *int64
		duration *int64
	}{
		{"agent-recv_bye.json", scoring.HangupAgent, agentStart, ms(6200), ms(36000)},
		{"agent-send_bye.json", scoring.HangupCustomer, agentStart, ms(6200), ms(36000)},
		{"agent-send_cancel.json", scoring.HangupCustomer, agentStart, nil, nil},
		{"agent-recv_refuse.json", scoring.HangupAgent, agentStart, nil, nil},
		{"agent-send_bye-manager.json", scoring.HangupSystem, agentStart, ms(6200), ms(36000)},
		{"customer-recv_bye.json", scoring.HangupCustomer, t0, ms(6700), ms(36000)},
		{"customer-send_bye.json", scoring.HangupAgent, t0, ms(6700), ms(36000)},
		{"customer-recv_cancel.json", scoring.HangupCustomer, t0, nil, nil},
		{"customer-send_refuse.json", scoring.HangupSystem, t0, nil, nil},
		{"customer-recv_bye-after-survey.json", scoring.HangupUnknown, t0, ms(6700), ms(36000)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readFixture(t, "cdr/freeswitch/"+tt.file)
			tr := buildWithCDR(t, Config{}, Sidecar{Name: "calls/hz-1.cdr.json", Data: data})
			if tr.HangupBy != tt.hangup {
				t.Errorf("hangup_by = %q, want %q", tr.HangupBy, tt.hangup)
			}
			if !tr.StartedAt.Equal(tt.started) {
				t.Errorf("started_at = %v, want %v", tr.StartedAt, tt.started)
			}
			if _, off := tr.StartedAt.Zone(); off != 8*3600 {
				t.Errorf("started_at zone offset = %d, want +8h", off)
			}
			if !eqPtr(tr.RingMS, tt.ring) {
				t.Errorf("ring_ms = %s, want %s", ptrString(tr.RingMS), ptrString(tt.ring))
			}
			if tt.duration != nil && !eqPtr(tr.DurationMS, tt.duration) {
				t.Errorf("duration_ms = %s, want %s", ptrString(tr.DurationMS), ptrString(tt.duration))
			}
			if tr.AgentID != "1024" {
				t.Errorf("agent_id = %q, want the extension 1024", tr.AgentID)
			}
		})
	}
}

// fsCDR makes a minimal FreeSWITCH JSON CDR of one leg.
func fsCDR(vars map[string]string) []byte {
	v := map[string]string{"uuid": "u-1", "start_uepoch": "1795311000000000", "answer_uepoch": "1795311006000000",
		"end_uepoch": "1795311040000000", "hangup_cause": "NORMAL_CLEARING"}
	for k, x := range vars {
		v[k] = x
	}
	b, _ := json.Marshal(map[string]any{"variables": v})
	return b
}

// TestFreeSWITCHDispositions covers every sip_hangup_disposition on both
// legs, the leg named by the sidecar's file name.
func TestFreeSWITCHDispositions(t *testing.T) {
	tests := []struct {
		leg, disp, cause, lastApp string
		want                      scoring.HangupSide
	}{
		{"agent", "recv_bye", "", "", scoring.HangupAgent},
		{"agent", "send_bye", "", "", scoring.HangupCustomer},
		{"agent", "recv_cancel", "", "", scoring.HangupAgent},
		{"agent", "send_cancel", "", "", scoring.HangupCustomer},
		{"agent", "recv_refuse", "", "", scoring.HangupAgent},
		{"agent", "send_refuse", "", "", scoring.HangupSystem},
		{"agent", "send_bye", "ALLOTTED_TIMEOUT", "", scoring.HangupSystem},
		{"agent", "recv_bye", "", "playback", scoring.HangupAgent}, // last_app matters on the customer leg only
		{"agent", "", "", "", scoring.HangupUnknown},
		{"agent", "recv_nonsense", "", "", scoring.HangupUnknown},
		{"customer", "recv_bye", "", "bridge", scoring.HangupCustomer},
		{"customer", "send_bye", "", "bridge", scoring.HangupAgent},
		{"customer", "recv_cancel", "", "", scoring.HangupCustomer},
		{"customer", "send_cancel", "", "", scoring.HangupAgent},
		{"customer", "recv_refuse", "", "", scoring.HangupCustomer},
		{"customer", "send_refuse", "", "", scoring.HangupSystem},
		{"customer", "send_bye", "MANAGER_REQUEST", "bridge", scoring.HangupSystem},
		{"customer", "send_bye", "", "callcenter", scoring.HangupAgent},
		{"customer", "recv_bye", "", "playback", scoring.HangupUnknown},
		{"customer", "send_bye", "", "ivr", scoring.HangupUnknown},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s/%s", tt.leg, tt.disp, tt.cause, tt.lastApp), func(t *testing.T) {
			vars := map[string]string{"sip_hangup_disposition": tt.disp, "last_app": tt.lastApp}
			if tt.cause != "" {
				vars["hangup_cause"] = tt.cause
			}
			tr := buildWithCDR(t, Config{AgentID: "A1"}, Sidecar{Name: "calls/hz-1.cdr." + tt.leg + ".json", Data: fsCDR(vars)})
			if tr.HangupBy != tt.want {
				t.Errorf("hangup_by = %q, want %q", tr.HangupBy, tt.want)
			}
		})
	}
}

// TestFreeSWITCHLeg checks how the leg is found without a name tag: the
// cc_side of mod_callcenter, else the leg's direction and the call's.
func TestFreeSWITCHLeg(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		dir  scoring.Direction
		want scoring.HangupSide
	}{
		{"cc_side agent", map[string]string{"cc_side": "agent", "sip_hangup_disposition": "recv_bye"}, "", scoring.HangupAgent},
		{"cc_side member", map[string]string{"cc_side": "member", "sip_hangup_disposition": "recv_bye"}, "", scoring.HangupCustomer},
		{"inbound call, B-leg", map[string]string{"direction": "outbound", "sip_hangup_disposition": "recv_bye"}, scoring.Inbound, scoring.HangupAgent},
		{"inbound call, A-leg", map[string]string{"direction": "inbound", "sip_hangup_disposition": "recv_bye"}, scoring.Inbound, scoring.HangupCustomer},
		{"outbound call, A-leg is the agent", map[string]string{"direction": "inbound", "sip_hangup_disposition": "recv_bye"}, scoring.Outbound, scoring.HangupAgent},
		{"outbound call, B-leg is the customer", map[string]string{"direction": "outbound", "sip_hangup_disposition": "recv_bye"}, scoring.Outbound, scoring.HangupCustomer},
		{"no way to tell", map[string]string{"sip_hangup_disposition": "recv_bye"}, "", scoring.HangupUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := buildWithCDR(t, Config{AgentID: "A1", Direction: tt.dir}, Sidecar{Name: "calls/hz-1.cdr.json", Data: fsCDR(tt.vars)})
			if tr.HangupBy != tt.want {
				t.Errorf("hangup_by = %q, want %q", tr.HangupBy, tt.want)
			}
		})
	}
}

// TestFreeSWITCHBothLegs checks that the agent's leg decides when both
// legs are given, and the earliest start is kept.
func TestFreeSWITCHBothLegs(t *testing.T) {
	tr := buildWithCDR(t, Config{},
		Sidecar{Name: "calls/hz-1.cdr.a.json", Data: readFixture(t, "cdr/freeswitch/customer-recv_bye-after-survey.json")},
		Sidecar{Name: "calls/hz-1.cdr.b.json", Data: readFixture(t, "cdr/freeswitch/agent-recv_bye.json")})
	if tr.HangupBy != scoring.HangupAgent {
		t.Errorf("hangup_by = %q, want agent (from the agent leg)", tr.HangupBy)
	}
	if !tr.StartedAt.Equal(t0) {
		t.Errorf("started_at = %v, want the customer leg's start %v", tr.StartedAt, t0)
	}
	if !eqPtr(tr.RingMS, ms(6200)) {
		t.Errorf("ring_ms = %s, want the agent leg's 6200", ptrString(tr.RingMS))
	}
}

// TestAsterisk reads the CEL and CDR samples.
func TestAsterisk(t *testing.T) {
	tests := []struct {
		file     string
		hangup   scoring.HangupSide
		ring     *int64
		duration *int64
	}{
		{"cel-agent-hangup.json", scoring.HangupAgent, ms(6500), ms(36000)},
		{"cel-customer-hangup.csv", scoring.HangupCustomer, ms(6500), ms(36000)},
		{"cdr-hangupsource.json", scoring.HangupAgent, ms(7000), ms(36000)},
		{"cdr-master.csv", scoring.HangupCustomer, ms(7000), ms(36000)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			name := "calls/hz-1.cdr.json"
			if strings.HasSuffix(tt.file, ".csv") {
				name = "calls/hz-1.cel.csv"
			}
			tr := buildWithCDR(t, Config{}, Sidecar{Name: name, Data: readFixture(t, "cdr/asterisk/"+tt.file)})
			if tr.HangupBy != tt.hangup {
				t.Errorf("hangup_by = %q, want %q", tr.HangupBy, tt.hangup)
			}
			if !tr.StartedAt.Equal(t0) {
				t.Errorf("started_at = %v, want %v", tr.StartedAt, t0)
			}
			if !eqPtr(tr.RingMS, tt.ring) {
				t.Errorf("ring_ms = %s, want %s", ptrString(tr.RingMS), ptrString(tt.ring))
			}
			if !eqPtr(tr.DurationMS, tt.duration) {
				t.Errorf("duration_ms = %s, want %s", ptrString(tr.DurationMS), ptrString(tt.duration))
			}
			if tr.AgentID != "1024" {
				t.Errorf("agent_id = %q, want 1024 from the agent's channel", tr.AgentID)
			}
		})
	}
}

// TestAsteriskHangupSource checks the mapping of CHANNEL(hangupsource).
func TestAsteriskHangupSource(t *testing.T) {
	row := func(src string) []byte {
		b, _ := json.Marshal(map[string]any{"channel": "PJSIP/trunk-00000001", "dstchannel": "PJSIP/1024-00000002",
			"start": "2026-11-22 09:30:00", "answer": "2026-11-22 09:30:05", "billsec": 30, "hangupsource": src})
		return b
	}
	tests := []struct {
		source string
		dir    scoring.Direction
		want   scoring.HangupSide
	}{
		{"PJSIP/1024-00000002", scoring.Inbound, scoring.HangupAgent},
		{"PJSIP/1024", scoring.Inbound, scoring.HangupAgent}, // without the unique suffix
		{"PJSIP/trunk-00000001", scoring.Inbound, scoring.HangupCustomer},
		{"PJSIP/trunk-00000001", scoring.Outbound, scoring.HangupAgent},
		{"dialplan/builtin", scoring.Inbound, scoring.HangupSystem},
		{"", scoring.Inbound, scoring.HangupUnknown},
		{"PJSIP/9999-00000009", scoring.Inbound, scoring.HangupUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.source+"/"+string(tt.dir), func(t *testing.T) {
			tr := buildWithCDR(t, Config{Direction: tt.dir}, Sidecar{Name: "calls/hz-1.cdr.json", Data: row(tt.source)})
			if tr.HangupBy != tt.want {
				t.Errorf("hangup_by = %q, want %q", tr.HangupBy, tt.want)
			}
			if !eqPtr(tr.RingMS, ms(5000)) {
				t.Errorf("ring_ms = %s, want 5000", ptrString(tr.RingMS))
			}
		})
	}
}

func TestExtensionOf(t *testing.T) {
	for in, want := range map[string]string{
		"PJSIP/1024-0000000a":      "1024",
		"SIP/2001-00000003":        "2001",
		"sofia/internal/1024@pbx":  "1024",
		"Local/1024@agents-0001;1": "1024",
		"1024":                     "1024",
	} {
		if got := extensionOf(in); got != want {
			t.Errorf("extensionOf(%q) = %q, want %q", in, got, want)
		}
	}
}
