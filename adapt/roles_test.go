package adapt

import (
	"regexp"
	"strings"
	"testing"
)

func segs(lines ...string) []segment {
	out := make([]segment, len(lines))
	for i, l := range lines {
		lbl, txt, _ := strings.Cut(l, ":")
		out[i] = segment{label: lbl, hasLabel: lbl != "", start: int64(i) * 1000, end: int64(i)*1000 + 900, text: txt}
	}
	return out
}

// TestDecideRoles checks role detection of diarized audio: who is picked,
// and that weak or split evidence leaves roles unknown with a reason.
func TestDecideRoles(t *testing.T) {
	tests := []struct {
		name  string
		segs  []segment
		hints RoleHints
		agent string
		note  string
	}{
		{
			name:  "agent greets and names the work number",
			segs:  segs("0:您好，3号为您服务，请问有什么可以帮您？", "1:喂，你好，我家没电了。", "0:请您稍等，我帮您查询一下。", "1:好。"),
			agent: "0",
		},
		{
			name:  "agent is the second label and speaks second",
			segs:  segs("1:喂？", "0:您好，盛源热力，请问有什么可以帮您？", "1:我家暖气不热。", "0:抱歉，请您提供一下地址。"),
			agent: "0",
		},
		{
			name: "merged opening under the caller's label",
			segs: segs("2:您好！905为您服务，请问有什么可以帮您？唉你好，我想问一下我家电费怎么这么高。",
				"1:请您稍等，我帮您查询。", "2:好。", "1:感谢您耐心等待，您上个月用电比较多。", "2:哦。", "1:还有其他可以帮您的吗？"),
			agent: "1",
		},
		{
			name:  "unit alias from the caller's hints",
			segs:  segs("7:喂。", "8:您好，这里是永恒热力。", "7:我家暖气漏水了。", "8:好的，地址是哪里？"),
			hints: RoleHints{UnitAliases: []string{"永恒热力"}},
			agent: "8",
		},
		{
			name: "without the unit alias the same call is too thin",
			segs: segs("7:喂。", "8:您好，这里是永恒热力。", "7:我家暖气漏水了。", "8:好的，地址是哪里？"),
			note: "no speaker greeted first",
		},
		{
			name:  "custom work number pattern",
			segs:  segs("1:坐席A17接听。", "2:我想报修。", "1:好的，您请讲。"),
			hints: RoleHints{WorkNumber: regexp.MustCompile(`坐席[A-Z0-9]+`)},
			agent: "1",
		},
		{
			name: "nobody speaks like an agent",
			segs: segs("0:喂？", "1:喂，是我。", "0:明天几点见？", "1:十点。"),
			note: "diarized mono: no speaker greeted first",
		},
		{
			name: "two agent-like speakers",
			segs: segs("0:您好，工号1001为您服务，请您稍等。", "1:您好，工号2048为您服务，请您稍等。",
				"0:感谢您耐心等待。", "1:感谢您耐心等待，先生，我帮您查询。"),
			note: "both sound like the agent",
		},
		{
			name: "one speaker label only",
			segs: segs("0:您好，请问有什么可以帮您？", "0:我家停电了。"),
			note: "only one speaker label (0)",
		},
		{
			name: "no labels",
			segs: segs(":您好，请问有什么可以帮您？", ":我家停电了。"),
			note: "no speaker labels",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decideRoles(tt.segs, tt.hints)
			if d.agent != tt.agent {
				t.Errorf("agent = %q, want %q (scores %v, note %q)", d.agent, tt.agent, d.scores, d.note)
			}
			if tt.note == "" && d.note != "" {
				t.Errorf("note = %q, want none", d.note)
			}
			if !strings.Contains(d.note, tt.note) {
				t.Errorf("note = %q, want it to contain %q", d.note, tt.note)
			}
		})
	}
}

func TestParseLayout(t *testing.T) {
	for in, want := range map[string]Layout{"": LayoutAuto, "auto": LayoutAuto, "dual": LayoutDual, "Stereo": LayoutDual,
		"mono": LayoutMono, "diarized": LayoutMono} {
		got, err := ParseLayout(in)
		if err != nil || got != want {
			t.Errorf("ParseLayout(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseLayout("quad"); err == nil {
		t.Error("ParseLayout(quad) succeeded")
	}
}
