package adapt

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"callqa/scoring"
)

// Each parser has a fuzz test whose seed corpus (run by plain go test) is
// the sample files and near misses of its format. The properties: no
// panic; every error is bad input; whatever builds is a valid v1
// transcript in time order.

func addSeeds(f *testing.F, globs []string, extra ...string) {
	f.Helper()
	for _, g := range globs {
		files, err := filepath.Glob(filepath.Join("testdata", filepath.FromSlash(g)))
		if err != nil {
			f.Fatal(err)
		}
		if len(files) == 0 {
			f.Fatalf("no seed files match %s", g)
		}
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	for _, e := range extra {
		f.Add([]byte(e))
	}
}

func fuzzLoader() *Loader {
	return &Loader{Config: Config{Unit: "sgcc-hz", AgentID: "A1", StartedAt: fixedStart}}
}

// checkBuilt asserts the properties of one Build outcome.
func checkBuilt(t *testing.T, tr *scoring.Transcript, err error) {
	t.Helper()
	if err != nil {
		if !scoring.IsInputError(err) {
			t.Fatalf("error %v (%T) is not an InputError", err, err)
		}
		return
	}
	out, merr := json.Marshal(tr)
	if merr != nil {
		t.Fatalf("marshal: %v", merr)
	}
	if _, perr := scoring.ParseTranscript("again.json", out); perr != nil {
		t.Fatalf("built transcript does not parse: %v", perr)
	}
	for i := 1; i < len(tr.Utterances); i++ {
		if tr.Utterances[i].StartMS < tr.Utterances[i-1].StartMS {
			t.Fatalf("utterance %d out of order", i)
		}
	}
	unknown := false
	for _, u := range tr.Utterances {
		if u.Speaker == scoring.UnknownSpeaker {
			unknown = true
		}
	}
	if unknown && tr.RolesNote == "" {
		t.Fatal("unknown speakers without a RolesNote")
	}
}

func fuzzASR(f *testing.F, globs []string, extra ...string) {
	addSeeds(f, globs, extra...)
	l := fuzzLoader()
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := l.Build("fuzz.json", data)
		checkBuilt(t, tr, err)
	})
}

func FuzzAliyun(f *testing.F) {
	fuzzASR(f, []string{"aliyun/*.json", "e2e/*.asr.json"},
		`{"Result":{"Sentences":[{"BeginTime":"1e3","EndTime":2000.5,"Text":"您好","ChannelId":"0"}]}}`,
		`{"result":{"sentences":[{"beginTime":0,"endTime":0,"text":"","channelId":null}]}}`,
		`{"TaskId":"x","StatusText":"SUCCESS"}`)
}

func FuzzTencent(f *testing.F) {
	fuzzASR(f, []string{"tencent/*.json"},
		`{"Data":{"Status":2,"ResultDetail":[{"FinalSentence":"好","StartMs":1,"EndMs":2,"SpeakerId":1.0}]}}`,
		`{"ResultDetail":null}`)
}

func FuzzLfasr(f *testing.F) {
	fuzzASR(f, []string{"lfasr/data-string.json", "realcalls/lfasr/clevo-20170623093720-966.json", "realcalls/lfasr/clevo-20170625082941-642.json"},
		`[{"bg":"0","ed":"10","onebest":"您好","speaker":"0"}]`,
		`{"data":[{"bg":0,"ed":10,"onebest":"喂","speaker":2}],"err_no":0}`)
}

func FuzzLfasrOrder(f *testing.F) {
	fuzzASR(f, []string{"lfasr/order.json"},
		`{"orderResult":{"lattice2":[{"json_1best":{"st":{"bg":"0","ed":"5","rl":"0","rt":[{"ws":[{"cw":[{"w":"好","wp":"n"}]}]}]}}}]}}`,
		`{"lattice":[{"json_1best":"{\"st\":{\"bg\":\"1\",\"ed\":\"0\",\"rt\":[]}}"}]}`)
}

func FuzzFunASR(f *testing.F) {
	fuzzASR(f, []string{"funasr/*.json"},
		`{"sentence_info":[{"sentence":"好","start":0,"end":1}]}`,
		`[{"key":"k","sentence_info":[{"text":"您好","start":0,"end":1,"spk":"a"}]}]`)
}

func FuzzDetect(f *testing.F) {
	addSeeds(f, []string{"*/*.json", "cdr/*/*", "v1/*.json"}, "", "{", "[]", "null", "a,b\n1,2\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		format, err := Detect(data)
		if err != nil {
			if !scoring.IsInputError(err) {
				t.Fatalf("error %v is not an InputError", err)
			}
			if format != "" {
				t.Fatalf("format %q with an error", format)
			}
			return
		}
		if !format.IsTranscript() && !format.IsSidecar() {
			t.Fatalf("Detect returned unknown format %q", format)
		}
	})
}

// fuzzSidecar builds the dual-channel sample with the fuzzed bytes as a
// sidecar named name.
func fuzzSidecar(f *testing.F, name string, globs []string, extra ...string) {
	addSeeds(f, globs, extra...)
	asr, err := os.ReadFile(filepath.Join("testdata", "aliyun", "dual.json"))
	if err != nil {
		f.Fatal(err)
	}
	l := fuzzLoader()
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := l.Build("fuzz.asr.json", asr, Sidecar{Name: name, Data: data})
		checkBuilt(t, tr, err)
		if err == nil {
			switch tr.HangupBy {
			case scoring.HangupAgent, scoring.HangupCustomer, scoring.HangupSystem, scoring.HangupUnknown:
			default:
				t.Fatalf("hangup_by %q", tr.HangupBy)
			}
		}
	})
}

func FuzzFreeSWITCH(f *testing.F) {
	fuzzSidecar(f, "fuzz.cdr.agent.json", []string{"cdr/freeswitch/*.json"},
		`{"variables":{"uuid":"u","start_uepoch":"99999999999999999999","answer_uepoch":"-5","sip_hangup_disposition":"recv_bye"}}`,
		`{"variables":{"start_epoch":"1","billmsec":"-1","direction":"%zz"},"callflow":{"times":{"created_time":"x"}}}`)
}

func FuzzAsterisk(f *testing.F) {
	fuzzSidecar(f, "fuzz.cel.json", []string{"cdr/asterisk/*"},
		`[{"eventtype":"HANGUP","eventtime":"1e300","channame":"","extra":"{\"hangupsource\":5}"}]`,
		`{"channel":"","dstchannel":"","start":"0","billsec":"99999999999999999"}`,
		"eventtype,channame\nHANGUP,PJSIP/1-1,extra\n")
}

func FuzzMeta(f *testing.F) {
	fuzzSidecar(f, "fuzz.meta.json", []string{"meta/*.json"},
		`{"unit":"","agent_id":"A1","ring_ms":-1}`,
		`{"started_at":"2026-13-01T00:00:00Z","agent_channel":"x","layout":"quad"}`,
		`{"call_id":"ok","duration_ms":1.5e300,"hangup_by":"nobody"}`)
}

func FuzzPairKey(f *testing.F) {
	for _, s := range []string{"a/b.cdr.agent.json", "x.json", ".cdr.json", "a.b.c.d.csv", "通话.meta.json", `C:\x\y.asr.JSON`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		key, kind, _ := splitName(name)
		if kind == KindOther && key != name {
			t.Fatalf("other file %q got key %q", name, key)
		}
		if !callIDPattern.MatchString(defaultCallID(key)) {
			t.Fatalf("defaultCallID(%q) = %q breaks the pattern", key, defaultCallID(key))
		}
	})
}
