package adapt

import (
	"errors"
	"strings"
	"testing"

	"callqa/scoring"
)

// TestDetectFixtures checks that every sample file is detected as its own
// format, whatever its name.
func TestDetectFixtures(t *testing.T) {
	tests := []struct {
		file   string
		format Format
	}{
		{"aliyun/dual.json", FormatAliyun},
		{"aliyun/mono-speakers.json", FormatAliyun},
		{"tencent/dual.json", FormatTencent},
		{"tencent/mono.json", FormatTencent},
		{"lfasr/data-string.json", FormatLfasr},
		{"realcalls/lfasr/clevo-20170623092947-966.json", FormatLfasr},
		{"lfasr/order.json", FormatLfasrOrder},
		{"funasr/spk.json", FormatFunASR},
		{"funasr/ambiguous.json", FormatFunASR},
		{"cdr/freeswitch/agent-recv_bye.json", FormatFreeSWITCH},
		{"cdr/freeswitch/customer-send_bye.json", FormatFreeSWITCH},
		{"cdr/asterisk/cel-agent-hangup.json", FormatAsteriskCEL},
		{"cdr/asterisk/cel-customer-hangup.csv", FormatAsteriskCEL},
		{"cdr/asterisk/cdr-hangupsource.json", FormatAsteriskCDR},
		{"cdr/asterisk/cdr-master.csv", FormatAsteriskCDR},
		{"meta/hz-20261122-000200.meta.json", FormatMeta},
		{"e2e/hz-20261122-000123.asr.json", FormatAliyun},
		{"e2e/hz-20261122-000123.cdr.json", FormatFreeSWITCH},
		{"v1/hz-20261122-000300.json", FormatV1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := Detect(readFixture(t, tt.file))
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if f != tt.format {
				t.Fatalf("Detect = %q, want %q", f, tt.format)
			}
			if f.IsTranscript() == f.IsSidecar() {
				t.Fatalf("%q is transcript %v and sidecar %v", f, f.IsTranscript(), f.IsSidecar())
			}
		})
	}
}

// TestDetectRejects feeds garbage and near misses of every format and
// checks that the error lists each format tried with its reason.
func TestDetectRejects(t *testing.T) {
	tests := []struct {
		name string
		data string
		// reasons maps a format to a piece of the reason it must give.
		reasons map[Format]string
	}{
		{"garbage bytes", "\x00\x01garbage", map[Format]string{"json": "not JSON", "csv": "binary"}},
		{"plain text", "您好，这不是一个文件格式", map[Format]string{"json": "not JSON", "csv": "no header row"}},
		{"empty object", `{}`, map[Format]string{FormatV1: `no "utterances"`, FormatAliyun: `no "Result"`, FormatMeta: "none of the metadata fields"}},
		{"number", `42`, map[Format]string{FormatV1: "want an object", FormatAsteriskCEL: "want an array"}},
		{"aliyun without Sentences", `{"TaskId":"t","Result":{"Sentence":[]}}`, map[Format]string{FormatAliyun: `no "Result.Sentences" array`}},
		{"tencent ResultDetail not array", `{"Response":{"Data":{"ResultDetail":"x"}}}`, map[Format]string{FormatTencent: "not an array"}},
		{"lfasr data not JSON", `{"data":"[{bg"}`, map[Format]string{FormatLfasr: "not JSON"}},
		{"lfasr without onebest", `[{"bg":"0","ed":"10","text":"好"}]`, map[Format]string{FormatLfasr: `no "onebest"`}},
		{"lfasr empty list", `[]`, map[Format]string{FormatLfasr: "empty array", FormatFunASR: "empty array"}},
		{"order without lattice", `{"content":{"orderResult":"{\"lattice3\":[]}"}}`, map[Format]string{FormatLfasrOrder: `"lattice"`}},
		{"funasr without sentence_info", `[{"key":"k","text":"好"}]`, map[Format]string{FormatFunASR: `no "sentence_info"`}},
		{"freeswitch variables only", `{"variables":{"foo":"bar"}}`, map[Format]string{FormatFreeSWITCH: "not a call leg"}},
		{"cel without eventtype", `[{"channame":"PJSIP/1-1"}]`, map[Format]string{FormatAsteriskCEL: `no "eventtype"`}},
		{"cdr without dstchannel", `{"channel":"PJSIP/1-1","start":"2026-11-22 09:30:00"}`, map[Format]string{FormatAsteriskCDR: `no "dstchannel"`}},
		{"v1 utterances not array", `{"utterances":{}}`, map[Format]string{FormatV1: "not an array"}},
		{"csv without header", "a,b,c\n1,2,3\n", map[Format]string{"csv": "no header row"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Detect([]byte(tt.data))
			if err == nil {
				t.Fatalf("Detect = %q, want an error", f)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			if !scoring.IsInputError(err) {
				t.Fatalf("error %v does not wrap an InputError", err)
			}
			got := map[Format]string{}
			for _, a := range fe.Tried {
				got[a.Format] = a.Reason
			}
			for format, want := range tt.reasons {
				if !strings.Contains(got[format], want) {
					t.Errorf("reason for %s = %q, want it to contain %q", format, got[format], want)
				}
			}
			if _, isJSON := got[FormatV1]; isJSON && len(fe.Tried) != len(jsonDetectors) {
				t.Errorf("tried %d formats, want all %d", len(fe.Tried), len(jsonDetectors))
			}
			if !strings.Contains(err.Error(), "no known format fits") {
				t.Errorf("message %q", err)
			}
		})
	}
}

func TestDetectTooLarge(t *testing.T) {
	big := make([]byte, scoring.MaxTranscriptBytes+1)
	if _, err := Detect(big); err == nil || !scoring.IsInputError(err) || !strings.Contains(err.Error(), "over the limit") {
		t.Fatalf("Detect(huge) = %v, want an over-the-limit InputError", err)
	}
}
