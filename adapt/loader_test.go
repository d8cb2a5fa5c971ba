package adapt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"callqa/scoring"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// corpus lays out a folder as a user would have it.
func corpus(t *testing.T) string {
	d := t.TempDir()
	writeFile(t, filepath.Join(d, "hz-1.asr.json"), readFixture(t, "aliyun/dual.json"))
	writeFile(t, filepath.Join(d, "hz-1.cdr.json"), readFixture(t, "cdr/freeswitch/agent-recv_bye.json"))
	writeFile(t, filepath.Join(d, "hz-1.meta.json"), []byte(`{"team":"95598-一班"}`))
	writeFile(t, filepath.Join(d, "hz-2.json"), readFixture(t, "v1/hz-20261122-000300.json"))
	writeFile(t, filepath.Join(d, "hz-3.cdr.json"), readFixture(t, "cdr/freeswitch/agent-send_bye.json"))
	writeFile(t, filepath.Join(d, "golden.json"), []byte(`{"hz-1":{"findings":["hangup.agent_first"],"score":90}}`))
	writeFile(t, filepath.Join(d, "expected.json"), []byte(`[{"call_id":"hz-2","rules":["closing.farewell"]}]`))
	writeFile(t, filepath.Join(d, "notes.md"), []byte("# notes\n"))
	writeFile(t, filepath.Join(d, "hz-1.wav"), []byte("RIFF"))
	writeFile(t, filepath.Join(d, ".cache", "hz-9.json"), readFixture(t, "aliyun/dual.json"))
	writeFile(t, filepath.Join(d, "sub", "hz-4.json"), readFixture(t, "funasr/spk.json"))
	writeFile(t, filepath.Join(d, "hz-5.json"), readFixture(t, "funasr/spk.json"))
	writeFile(t, filepath.Join(d, "hz-5.asr.json"), readFixture(t, "funasr/spk.json"))
	writeFile(t, filepath.Join(d, "broken.json"), []byte(`{"utterances": [`))
	return d
}

// TestExpandDirectory checks grouping by the pairing convention and which
// files are skipped or reported.
func TestExpandDirectory(t *testing.T) {
	d := corpus(t)
	l := testLoader(Config{})
	items, err := l.Expand([]string{d})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Item{}
	for _, it := range items {
		rel, _ := filepath.Rel(d, it.Key)
		got[rel] = it
	}
	want := []string{"broken", "hz-1", "hz-2", "hz-3", "hz-5", filepath.Join("sub", "hz-4")}
	if len(got) != len(want) {
		t.Fatalf("items %v, want keys %v", keys(got), want)
	}
	for _, k := range want {
		if _, ok := got[k]; !ok {
			t.Fatalf("no item %q in %v", k, keys(got))
		}
	}
	if it := got["hz-1"]; it.Err != nil || filepath.Base(it.Transcript) != "hz-1.asr.json" || len(it.Sidecars) != 2 {
		t.Errorf("hz-1 = %+v, want the ASR file with its CDR and metadata", it)
	}
	if it := got["hz-3"]; it.Err == nil || !strings.Contains(it.Err.Error(), "no transcript or ASR result") {
		t.Errorf("orphan CDR: Err = %v", it.Err)
	}
	if it := got["hz-5"]; it.Err == nil || !strings.Contains(it.Err.Error(), "two transcripts") {
		t.Errorf("two transcripts: Err = %v", it.Err)
	}

	// Load them: the good ones build, the bad ones fail alone.
	for k, it := range got {
		tr, err := l.Load(it)
		switch k {
		case "hz-1":
			if err != nil {
				t.Fatalf("Load hz-1: %v", err)
			}
			if tr.HangupBy != scoring.HangupAgent || tr.Team != "95598-一班" || tr.AgentID != "1024" || tr.CallID != "hz-1" {
				t.Errorf("hz-1 = %+v", tr)
			}
		case "hz-2", filepath.Join("sub", "hz-4"):
			if err != nil {
				t.Errorf("Load %s: %v", k, err)
			}
		default:
			if err == nil || !scoring.IsInputError(err) {
				t.Errorf("Load %s: err = %v, want an InputError", k, err)
			}
		}
	}
}

func keys(m map[string]Item) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestExpandFiles checks paths named one by one.
func TestExpandFiles(t *testing.T) {
	d := corpus(t)
	l := testLoader(Config{})
	items, err := l.Expand([]string{
		d + string(filepath.Separator) + "." + string(filepath.Separator) + "hz-1.asr.json", // not clean: still one call
		filepath.Join(d, "hz-1.cdr.json"), // the same call again: one item
		filepath.Join(d, "notes.md"),
		filepath.Join(d, "golden.json"), // named explicitly: tried, and fails
		filepath.Join(d, "missing.json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 4 {
		t.Fatalf("got %d items, want 4: %+v", len(items), items)
	}
	byBase := map[string]Item{}
	for _, it := range items {
		byBase[filepath.Base(it.Name())] = it
	}
	if it := byBase["hz-1.asr.json"]; it.Err != nil || len(it.Sidecars) != 2 {
		t.Errorf("hz-1 = %+v, want its two sidecars found next to it", it)
	}
	if it := byBase["notes.md"]; it.Err == nil || !strings.Contains(it.Err.Error(), "not part of a call") {
		t.Errorf("notes.md: Err = %v", it.Err)
	}
	if it := byBase["missing.json"]; it.Err == nil {
		t.Error("missing.json: no error")
	}
	if _, err := l.Load(byBase["golden.json"]); err == nil || !strings.Contains(err.Error(), "no known format fits") {
		t.Errorf("golden.json named explicitly: err = %v", err)
	}
	if _, err := l.Expand(nil); err == nil {
		t.Error("Expand(nil) succeeded")
	}
}

// TestBuildPrecedence checks metadata > CDR > Config, and the layout
// settings a metadata file may carry.
func TestBuildPrecedence(t *testing.T) {
	cdr := Sidecar{Name: "x/hz-20261122-000200.cdr.json", Data: readFixture(t, "cdr/freeswitch/agent-recv_bye.json")}
	md := Sidecar{Name: "x/hz-20261122-000200.meta.json", Data: readFixture(t, "meta/hz-20261122-000200.meta.json")}
	asr := readFixture(t, "aliyun/dual.json")
	cfg := Config{Unit: "csg-gz", AgentID: "A0001", Team: "夜班", StartedAt: fixedStart}

	l := &Loader{Config: cfg}
	tr, err := l.Build("x/hz-20261122-000200.asr.json", asr, cdr)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Unit != "csg-gz" || tr.AgentID != "1024" || tr.Team != "夜班" || !tr.StartedAt.Equal(t0.Add(500*time.Millisecond)) {
		t.Errorf("CDR over Config: %+v", tr)
	}
	if roleString(tr)[:2] != "ac" {
		t.Errorf("roles %s, want the agent on channel 0", roleString(tr))
	}

	tr, err = l.Build("x/hz-20261122-000200.asr.json", asr, cdr, md)
	if err != nil {
		t.Fatal(err)
	}
	wantStart := time.Date(2026, 11, 22, 10, 5, 0, 0, chinaTime)
	if tr.Unit != "sgcc-hz" || tr.AgentID != "A2048" || tr.Team != "95598-一班" || !tr.StartedAt.Equal(wantStart) || tr.CallID != "hz-20261122-000200" {
		t.Errorf("metadata over CDR: %+v", tr)
	}
	if tr.HangupBy != scoring.HangupAgent {
		t.Errorf("hangup_by = %q, want agent from the CDR", tr.HangupBy)
	}
	if roleString(tr)[:2] != "ca" {
		t.Errorf("roles %s, want the agent on channel 1 as the metadata says", roleString(tr))
	}

	meta := Sidecar{Name: "x/hz.meta.json", Data: []byte(`{"unit":"sgcc-hz","hangup_by":"customer","ring_ms":15000,"direction":"outbound"}`)}
	tr, err = l.Build("x/hz.json", asr, cdr, meta)
	if err != nil {
		t.Fatal(err)
	}
	if tr.HangupBy != scoring.HangupCustomer || !eqPtr(tr.RingMS, ms(15000)) || tr.Direction != scoring.Outbound {
		t.Errorf("metadata hangup_by/ring_ms/direction: %+v", tr)
	}
}

// TestBuildErrors checks the errors about missing fields and misplaced
// files: each an InputError naming the file and the field.
func TestBuildErrors(t *testing.T) {
	asr := readFixture(t, "aliyun/dual.json")
	cdr := readFixture(t, "cdr/freeswitch/agent-recv_bye.json")
	tests := []struct {
		name     string
		cfg      Config
		file     string
		data     []byte
		sidecars []Sidecar
		errFile  string
		field    string
		msg      string
	}{
		{"no unit", Config{AgentID: "A1", StartedAt: fixedStart}, "c/hz-1.asr.json", asr, nil, "c/hz-1.asr.json", "unit", "hz-1.meta.json"},
		{"no agent", Config{Unit: "sgcc-hz", StartedAt: fixedStart}, "c/hz-1.asr.json", asr, nil, "c/hz-1.asr.json", "agent_id", "--agent"},
		{"no start", Config{Unit: "sgcc-hz", AgentID: "A1"}, "c/hz-1.asr.json", asr, nil, "c/hz-1.asr.json", "started_at", "--started-at"},
		{"CDR given as the transcript", Config{Unit: "u"}, "c/hz-1.json", cdr, nil, "c/hz-1.json", "", "hz-1.cdr.json"},
		{"transcript given as a sidecar", Config{Unit: "u"}, "c/hz-1.asr.json", asr,
			[]Sidecar{{Name: "c/hz-1.cdr.json", Data: asr}}, "c/hz-1.cdr.json", "", "not a CDR or metadata"},
		{"two metadata files", Config{Unit: "u"}, "c/hz-1.asr.json", asr,
			[]Sidecar{{Name: "c/a.meta.json", Data: []byte(`{"team":"a"}`)}, {Name: "c/b.meta.json", Data: []byte(`{"team":"b"}`)}}, "c/b.meta.json", "", "second metadata"},
		{"bad metadata field", Config{Unit: "u"}, "c/hz-1.asr.json", asr,
			[]Sidecar{{Name: "c/hz-1.meta.json", Data: []byte(`{"unit":"u","direction":"sideways"}`)}}, "c/hz-1.meta.json", "direction", "sideways"},
		{"bad metadata call id", Config{Unit: "u"}, "c/hz-1.asr.json", asr,
			[]Sidecar{{Name: "c/hz-1.meta.json", Data: []byte(`{"call_id":"通话/1"}`)}}, "c/hz-1.meta.json", "call_id", "not a valid call id"},
		{"unreadable sidecar", Config{Unit: "u"}, "c/hz-1.asr.json", asr,
			[]Sidecar{{Name: "c/hz-1.cdr.json", Data: []byte(`{"variables": `)}}, "c/hz-1.cdr.json", "", "no known format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&Loader{Config: tt.cfg}).Build(tt.file, tt.data, tt.sidecars...)
			if err == nil {
				t.Fatal("Build succeeded")
			}
			ie := asInputError(t, err)
			if ie.File != tt.errFile || ie.Field != tt.field {
				t.Errorf("error names %q field %q, want %q field %q (%v)", ie.File, ie.Field, tt.errFile, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

// TestBuildV1 checks that a v1 transcript passes through unchanged and
// that a CDR fills only what it leaves open.
func TestBuildV1(t *testing.T) {
	v1 := readFixture(t, "v1/hz-20261122-000300.json")
	want, err := scoring.ParseTranscript("hz.json", v1)
	if err != nil {
		t.Fatal(err)
	}
	l := &Loader{}
	tr, err := l.Build("hz.json", v1)
	if err != nil {
		t.Fatal(err)
	}
	if tr.CallID != want.CallID || tr.HangupBy != scoring.HangupUnknown || len(tr.Utterances) != len(want.Utterances) {
		t.Errorf("v1 changed: %+v", tr)
	}
	tr, err = l.Build("hz.json", v1, Sidecar{Name: "hz.cdr.json", Data: readFixture(t, "cdr/freeswitch/agent-send_bye.json")})
	if err != nil {
		t.Fatal(err)
	}
	if tr.HangupBy != scoring.HangupCustomer || !eqPtr(tr.RingMS, ms(6200)) || tr.AgentID != "A1024" {
		t.Errorf("v1 + CDR: hangup %q ring %s agent %q", tr.HangupBy, ptrString(tr.RingMS), tr.AgentID)
	}
	withSide := strings.Replace(string(v1), `"agent_id"`, `"hangup_by": "system", "agent_id"`, 1)
	tr, err = l.Build("hz.json", []byte(withSide), Sidecar{Name: "hz.cdr.json", Data: readFixture(t, "cdr/freeswitch/agent-send_bye.json")})
	if err != nil {
		t.Fatal(err)
	}
	if tr.HangupBy != scoring.HangupSystem {
		t.Errorf("the CDR overrode the transcript's own hangup_by: %q", tr.HangupBy)
	}
}
