package adapt

import "testing"

func TestPairKey(t *testing.T) {
	tests := []struct {
		name, key string
		kind      FileKind
		tag       string
	}{
		{"calls/hz-0001.asr.json", "calls/hz-0001", KindTranscript, ""},
		{"calls/hz-0001.json", "calls/hz-0001", KindTranscript, ""},
		{"calls/hz-0001.cdr.json", "calls/hz-0001", KindCDR, ""},
		{"calls/hz-0001.CDR.JSON", "calls/hz-0001", KindCDR, ""},
		{"calls/hz-0001.cdr.agent.json", "calls/hz-0001", KindCDR, "agent"},
		{"calls/hz-0001.cdr.customer.json", "calls/hz-0001", KindCDR, "customer"},
		{"calls/hz-0001.cel.csv", "calls/hz-0001", KindCDR, ""},
		{"calls/hz-0001.cdr.csv", "calls/hz-0001", KindCDR, ""},
		{"calls/hz-0001.meta.json", "calls/hz-0001", KindMeta, ""},
		{"2026/11/22/hz.0001.json", "2026/11/22/hz.0001", KindTranscript, ""},
		{"2026/11/22/hz.0001.cdr.json", "2026/11/22/hz.0001", KindCDR, ""},
		{`C:\calls\hz-1.meta.json`, `C:\calls\hz-1`, KindMeta, ""},
		{"calls/hz-0001.wav", "calls/hz-0001.wav", KindOther, ""},
		{"calls/hz-0001.csv", "calls/hz-0001.csv", KindOther, ""},
		{"calls/hz-0001.asr.csv", "calls/hz-0001.asr.csv", KindOther, ""},
		{"calls/README.md", "calls/README.md", KindOther, ""},
		{"calls/.json", "calls/.json", KindOther, ""},
	}
	for _, tt := range tests {
		key, kind, tag := splitName(tt.name)
		if key != tt.key || kind != tt.kind || tag != tt.tag {
			t.Errorf("splitName(%q) = %q, %v, %q; want %q, %v, %q", tt.name, key, kind, tag, tt.key, tt.kind, tt.tag)
		}
		if k2, kind2 := PairKey(tt.name); k2 != key || kind2 != kind {
			t.Errorf("PairKey(%q) disagrees with splitName", tt.name)
		}
	}
}

func TestDefaultCallID(t *testing.T) {
	for in, want := range map[string]string{
		"calls/hz-20261122-000123": "hz-20261122-000123",
		"calls/通话 0001":            "0001",
		"calls/热力":                 "call",
		"a b:c":                    "a-b:c",
	} {
		if got := defaultCallID(in); got != want {
			t.Errorf("defaultCallID(%q) = %q, want %q", in, got, want)
		}
		if !callIDPattern.MatchString(defaultCallID(in)) {
			t.Errorf("defaultCallID(%q) breaks the call id pattern", in)
		}
	}
}
