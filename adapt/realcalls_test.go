package adapt

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"callqa/scoring"
)

// realAgents is which lfasr speaker label is the agent in each real call,
// decided by reading the calls.
var realAgents = []struct{ call, agent string }{
	{"clevo-20170623092947-966", "1"},
	{"clevo-20170623093720-966", "1"},
	{"clevo-20170623094621-966", "1"},
	{"clevo-20170623095248-956", "1"},
	{"clevo-20170623095404-966", "1"},
	{"clevo-20170623100203-966", "1"},
	{"clevo-20170623101120-966", "1"},
	{"clevo-20170623104725-966", "1"},
	{"clevo-20170623111959-966", "1"},
	{"clevo-20170623113248-966", "1"},
	{"clevo-20170623130017-966", "1"},
	{"clevo-20170623132143-966", "1"},
	{"clevo-20170623132857-966", "1"},
	{"clevo-20170623134952-966", "1"},
	{"clevo-20170623140532-966", "1"},
	{"clevo-20170623144327-966", "1"},
	{"clevo-20170623152601-966", "1"},
	{"clevo-20170623153943-966", "1"},
	{"clevo-20170623155112-966", "1"},
	{"clevo-20170623160058-966", "1"},
	{"clevo-20170623171027-966", "2"},
	{"clevo-20170623171157-966", "1"},
	{"clevo-20170623172310-966", "1"},
	{"clevo-20170623175130-966", "1"},
	{"clevo-20170623175445-966", "1"},
	{"clevo-20170623180040-966", "1"},
	{"clevo-20170623184647-966", "1"},
	{"clevo-20170623190506-966", "1"},
	{"clevo-20170623190829-966", "1"},
	{"clevo-20170623191727-966", "1"},
	{"clevo-20170623194128-966", "1"},
	{"clevo-20170623195628-966", "1"},
	{"clevo-20170623204846-966", "1"},
	{"clevo-20170625082941-642", "1"},
	{"clevo-20170625083904-960", "2"},
	{"clevo-20170626175259-642", "1"},
	{"clevo-20170630103142-966", "1"},
}

// TestRealCallsAgent checks that the lfasr adapter reads every real call
// and picks, from the content alone, the speaker a reader took for the
// agent — including the calls whose greeting is merged into the
// customer's sentence and the two where the agent is speaker 2.
func TestRealCallsAgent(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "realcalls", "lfasr", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(realAgents) {
		t.Fatalf("found %d real calls, the table has %d", len(files), len(realAgents))
	}
	l := &Loader{Config: Config{Unit: "real-966", AgentID: "966", StartedAt: time.Date(2017, 6, 23, 9, 0, 0, 0, chinaTime)}}
	for _, rc := range realAgents {
		t.Run(rc.call, func(t *testing.T) {
			path := filepath.Join("testdata", "realcalls", "lfasr", rc.call+".json")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if f, err := Detect(data); err != nil || f != FormatLfasr {
				t.Fatalf("Detect = %q, %v; want lfasr", f, err)
			}
			tr, err := l.Build(path, data)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if tr.RolesNote != "" {
				t.Fatalf("roles left unknown: %s", tr.RolesNote)
			}
			if tr.CallID != rc.call {
				t.Errorf("call_id = %q, want %q", tr.CallID, rc.call)
			}
			var src []struct{ Bg, Ed, Onebest, Speaker string }
			if err := json.Unmarshal(data, &src); err != nil {
				t.Fatal(err)
			}
			// Map the source sentences onto utterances by time and text
			// (the adapter sorts by start and drops empty texts).
			byKey := map[string]string{}
			for _, s := range src {
				byKey[s.Bg+"|"+s.Onebest] = s.Speaker
			}
			agents := 0
			for i, u := range tr.Utterances {
				lbl, ok := byKey[itoa(u.StartMS)+"|"+u.Text]
				if !ok {
					t.Fatalf("utterance %d (%d ms, %q) matches no source sentence", i, u.StartMS, u.Text)
				}
				want := scoring.Customer
				if lbl == rc.agent {
					want = scoring.Agent
					agents++
				}
				if u.Speaker != want {
					t.Fatalf("utterance %d of speaker %s is %s, want %s", i, lbl, u.Speaker, want)
				}
			}
			if agents == 0 {
				t.Fatal("no agent utterance")
			}
		})
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
