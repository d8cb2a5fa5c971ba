package adapt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"callqa/scoring"
)

func readFixture(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var fixedStart = time.Date(2026, 11, 22, 9, 30, 0, 0, chinaTime)

func testLoader(c Config) *Loader {
	if c.Unit == "" {
		c.Unit = "sgcc-hz"
	}
	if c.AgentID == "" {
		c.AgentID = "A1024"
	}
	if c.StartedAt.IsZero() {
		c.StartedAt = fixedStart
	}
	return &Loader{Config: c}
}

// roleString renders the speakers of a transcript as a string of
// a(gent), c(ustomer) and ?(unknown), one letter per utterance.
func roleString(tr *scoring.Transcript) string {
	var b strings.Builder
	for _, u := range tr.Utterances {
		switch u.Speaker {
		case scoring.Agent:
			b.WriteByte('a')
		case scoring.Customer:
			b.WriteByte('c')
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// TestASRAdapters reads every vendor fixture and checks times, roles and
// text of the transcript it makes.
func TestASRAdapters(t *testing.T) {
	tests := []struct {
		file       string
		cfg        Config
		format     Format
		roles      string
		first      scoring.Utterance
		last       scoring.Utterance
		durationMS int64 // 0: not checked
		note       string
	}{
		{
			file: "aliyun/dual.json", format: FormatAliyun, roles: "acacacaca",
			first:      scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 0, EndMS: 4800, Text: "您好，国网杭州供电公司，工号1024为您服务，请问有什么可以帮您？"},
			last:       scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 32800, EndMS: 35900, Text: "不客气，感谢您的来电，再见。"},
			durationMS: 36300,
		},
		{
			// The same file with the agent configured on channel 1.
			file: "aliyun/dual.json", cfg: Config{AgentChannel: 1}, format: FormatAliyun, roles: "cacacacac",
			first: scoring.Utterance{Speaker: scoring.Customer, Timed: true, StartMS: 0, EndMS: 4800, Text: "您好，国网杭州供电公司，工号1024为您服务，请问有什么可以帮您？"},
			last:  scoring.Utterance{Speaker: scoring.Customer, Timed: true, StartMS: 32800, EndMS: 35900, Text: "不客气，感谢您的来电，再见。"},
		},
		{
			// A channel map naming no channel of the call leaves roles unknown.
			file: "aliyun/dual.json", cfg: Config{AgentChannel: 3}, format: FormatAliyun, roles: "?????????",
			first: scoring.Utterance{Speaker: scoring.UnknownSpeaker, Timed: true, StartMS: 0, EndMS: 4800, Text: "您好，国网杭州供电公司，工号1024为您服务，请问有什么可以帮您？"},
			last:  scoring.Utterance{Speaker: scoring.UnknownSpeaker, Timed: true, StartMS: 32800, EndMS: 35900, Text: "不客气，感谢您的来电，再见。"},
			note:  "no sentence on the agent's channel 3 (channels present: 0, 1)",
		},
		{
			// SpeakerId (diarized mono): roles from content, the agent is "2".
			file: "aliyun/mono-speakers.json", format: FormatAliyun, roles: "acacaca",
			first: scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 300, EndMS: 3900, Text: "您好，永恒热力，请问有什么可以帮您？"},
			last:  scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 29400, EndMS: 32600, Text: "感谢您的来电，再见。"},
		},
		{
			// Tencent's SpeakerId is read as a speaker unless told the
			// audio was dual-channel; here the content agrees with channel 0.
			file: "tencent/dual.json", format: FormatTencent, roles: "acacacaca",
			first:      scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 0, EndMS: 4800, Text: "您好，国网杭州供电公司，工号1024为您服务，请问有什么可以帮您？"},
			last:       scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 32800, EndMS: 35900, Text: "不客气，感谢您的来电，再见。"},
			durationMS: 36400,
		},
		{
			// Told it is dual-channel with the agent on channel 1, the
			// channel map decides even against the content.
			file: "tencent/dual.json", cfg: Config{Layout: LayoutDual, AgentChannel: 1}, format: FormatTencent, roles: "cacacacac",
			first: scoring.Utterance{Speaker: scoring.Customer, Timed: true, StartMS: 0, EndMS: 4800, Text: "您好，国网杭州供电公司，工号1024为您服务，请问有什么可以帮您？"},
			last:  scoring.Utterance{Speaker: scoring.Customer, Timed: true, StartMS: 32800, EndMS: 35900, Text: "不客气，感谢您的来电，再见。"},
		},
		{
			file: "tencent/mono.json", format: FormatTencent, roles: "acacaca",
			first: scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 300, EndMS: 3900, Text: "您好，永恒热力，请问有什么可以帮您？"},
			last:  scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 29400, EndMS: 32600, Text: "感谢您的来电，再见。"},
		},
		{
			file: "lfasr/data-string.json", format: FormatLfasr, roles: "acacaca",
			first: scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 300, EndMS: 3900, Text: "您好，永恒热力，请问有什么可以帮您？"},
			last:  scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 29400, EndMS: 32600, Text: "感谢您的来电，再见。"},
		},
		{
			file: "lfasr/order.json", format: FormatLfasrOrder, roles: "acacacaca",
			first: scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 0, EndMS: 4800, Text: "您好，国网杭州供电公司，工号1024为您服务，请问有什么可以帮您？"},
			last:  scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 32800, EndMS: 35900, Text: "不客气，感谢您的来电，再见。"},
		},
		{
			file: "funasr/spk.json", format: FormatFunASR, roles: "acacacaca",
			first: scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 120, EndMS: 4460, Text: "您好，南方电网广州供电局，八号为您服务。"},
			last:  scoring.Utterance{Speaker: scoring.Agent, Timed: true, StartMS: 33000, EndMS: 35300, Text: "感谢您的来电，再见。"},
		},
		{
			// Mono audio where nobody speaks like an agent: roles unknown.
			file: "funasr/ambiguous.json", format: FormatFunASR, roles: "?????",
			first: scoring.Utterance{Speaker: scoring.UnknownSpeaker, Timed: true, StartMS: 0, EndMS: 900, Text: "喂？"},
			last:  scoring.Utterance{Speaker: scoring.UnknownSpeaker, Timed: true, StartMS: 10300, EndMS: 11500, Text: "行，知道了。"},
			note:  "diarized mono: no speaker greeted first",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readFixture(t, tt.file)
			f, err := Detect(data)
			if err != nil || f != tt.format {
				t.Fatalf("Detect = %q, %v; want %q", f, err, tt.format)
			}
			tr, err := testLoader(tt.cfg).Build(tt.file, data)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if got := roleString(tr); got != tt.roles {
				t.Errorf("roles = %s, want %s", got, tt.roles)
			}
			if got := tr.Utterances[0]; got != tt.first {
				t.Errorf("first utterance = %+v, want %+v", got, tt.first)
			}
			if got := tr.Utterances[len(tr.Utterances)-1]; got != tt.last {
				t.Errorf("last utterance = %+v, want %+v", got, tt.last)
			}
			for i := 1; i < len(tr.Utterances); i++ {
				if tr.Utterances[i].StartMS < tr.Utterances[i-1].StartMS {
					t.Fatalf("utterance %d starts before utterance %d", i, i-1)
				}
			}
			if tt.note == "" && tr.RolesNote != "" {
				t.Errorf("RolesNote = %q, want none", tr.RolesNote)
			}
			if !strings.Contains(tr.RolesNote, tt.note) {
				t.Errorf("RolesNote = %q, want it to contain %q", tr.RolesNote, tt.note)
			}
			if tt.durationMS != 0 && (tr.DurationMS == nil || *tr.DurationMS != tt.durationMS) {
				t.Errorf("duration_ms = %v, want %d", tr.DurationMS, tt.durationMS)
			}
			if tr.CallID != strings.TrimSuffix(filepath.Base(tt.file), ".json") {
				t.Errorf("call_id = %q", tr.CallID)
			}
			if tr.HangupBy != scoring.HangupUnknown {
				t.Errorf("hangup_by = %q without a CDR, want unknown", tr.HangupBy)
			}
		})
	}
}

// TestASRBadInput checks that broken vendor files are rejected with an
// InputError naming the field and the sentence.
func TestASRBadInput(t *testing.T) {
	tests := []struct {
		name, data, field, msg string
	}{
		{"aliyun end before begin", `{"Result":{"Sentences":[{"BeginTime":900,"EndTime":100,"Text":"您好","ChannelId":0}]}}`,
			"Result.Sentences[0].EndTime", "ends before it starts"},
		{"aliyun text missing", `{"Result":{"Sentences":[{"BeginTime":0,"EndTime":100,"ChannelId":0}]}}`,
			"Result.Sentences[0].Text", "required field is missing"},
		{"aliyun failed task", `{"TaskId":"x","StatusText":"FILE_DOWNLOAD_FAILED"}`, "StatusText", "did not succeed"},
		{"aliyun no speech", `{"TaskId":"x","StatusText":"SUCCESS_WITH_NO_VALID_FRAGMENT"}`, "StatusText", "no speech"},
		{"tencent negative start", `{"Data":{"ResultDetail":[{"FinalSentence":"好","StartMs":-5,"EndMs":10}]}}`,
			"ResultDetail[0].StartMs", "negative"},
		{"tencent failed", `{"Data":{"Status":3,"ErrorMsg":"audio decode failed","ResultDetail":null}}`, "Data.Status", "audio decode failed"},
		{"lfasr bad bg", `[{"bg":"soon","ed":"100","onebest":"好","speaker":"1"}]`, "[0].bg", "want a number"},
		{"lfasr err_no", `{"data":"[{\"bg\":\"0\",\"ed\":\"1\",\"onebest\":\"x\"}]","err_no":26601,"failed":"转写失败"}`, "err_no", "26601"},
		{"order st missing", `{"orderResult":"{\"lattice\":[{\"json_1best\":\"{}\"}]}"}`, "lattice[0].json_1best.st", "missing"},
		{"order unfinished", `{"content":{"orderInfo":{"status":3},"orderResult":""}}`, "content.orderInfo.status", "not finished"},
		{"funasr no end", `[{"key":"k","sentence_info":[{"text":"好","start":0,"spk":0}]}]`, "sentence_info[0].end", "missing"},
		{"funasr two results", `[{"sentence_info":[]},{"sentence_info":[]}]`, "", "no known format"},
		{"empty sentences only", `{"Result":{"Sentences":[{"BeginTime":0,"EndTime":10,"Text":"  ","ChannelId":0}]}}`, "", "no speech"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := testLoader(Config{}).Build("bad.json", []byte(tt.data))
			if err == nil {
				t.Fatal("Build succeeded")
			}
			ie := asInputError(t, err)
			if ie.File != "bad.json" {
				t.Errorf("File = %q, want bad.json", ie.File)
			}
			if ie.Field != tt.field {
				t.Errorf("Field = %q, want %q (error %v)", ie.Field, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func asInputError(t *testing.T, err error) *scoring.InputError {
	t.Helper()
	var ie *scoring.InputError
	if !errorsAs(err, &ie) {
		t.Fatalf("error %v (%T) is not an InputError", err, err)
	}
	return ie
}
