package scoring

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// txField is one top-level field of a test transcript, written on its own
// line.
type txField struct {
	key, raw string
}

// txDoc builds transcript JSON with one top-level field per line and one
// utterance per line, so every field has a known line:
//
//	line 1                  {
//	line 2 … 1+len(fields)  the fields, in order
//	next line               "utterances": [
//	next lines              one utterance each
//	then                    ] and }
//
// Dropping a field leaves an unknown field on its line, so the lines of
// the others stay put.
type txDoc struct {
	fields []txField
	utts   []string
}

func fullDoc() *txDoc {
	return &txDoc{
		fields: []txField{
			{"call_id", `"hz-20261122-000123"`},
			{"unit", `"sgcc-hz"`},
			{"agent_id", `"A1024"`},
			{"team", `"95598-一班"`},
			{"direction", `"inbound"`},
			{"started_at", `"2026-11-22T09:30:00+08:00"`},
			{"ring_ms", `7000`},
			{"duration_ms", `183000`},
			{"hangup_by", `"customer"`},
			{"roles_note", `"坐席为0声道"`},
		},
		utts: []string{
			`{"speaker": "agent", "start_ms": 0, "end_ms": 2600, "text": "您好,国网杭州供电公司,请问有什么可以帮您?"}`,
			`{"speaker": "customer", "start_ms": 2900, "end_ms": 6100, "text": "我家停电了。"}`,
			`{"speaker": "agent", "start_ms": 6300, "end_ms": 9800, "text": "好的,请您提供一下户号。"}`,
			`{"speaker": "customer", "start_ms": 9800, "end_ms": 12000, "text": "户号是1234567。"}`,
		},
	}
}

// untimedDoc is fullDoc without utterance times.
func untimedDoc() *txDoc {
	d := fullDoc()
	d.utts = []string{
		`{"speaker": "agent", "text": "您好,国网杭州供电公司,请问有什么可以帮您?"}`,
		`{"speaker": "customer", "text": "我家停电了。"}`,
		`{"speaker": "agent", "text": "好的,请您提供一下户号。"}`,
		`{"speaker": "customer", "text": "户号是1234567。"}`,
	}
	return d
}

func (d *txDoc) clone() *txDoc {
	return &txDoc{fields: append([]txField(nil), d.fields...), utts: append([]string(nil), d.utts...)}
}

// set gives a field a raw JSON value.
func (d *txDoc) set(key, raw string) *txDoc {
	d = d.clone()
	for i := range d.fields {
		if d.fields[i].key == key {
			d.fields[i].raw = raw
			return d
		}
	}
	panic("txDoc: no field " + key)
}

// drop removes a field, leaving an unknown one on its line.
func (d *txDoc) drop(key string) *txDoc {
	d = d.clone()
	for i := range d.fields {
		if d.fields[i].key == key {
			d.fields[i] = txField{"x_dropped_" + key, `true`}
			return d
		}
	}
	panic("txDoc: no field " + key)
}

// utt replaces utterance i.
func (d *txDoc) utt(i int, raw string) *txDoc {
	d = d.clone()
	d.utts[i] = raw
	return d
}

// line returns the line of a top-level field.
func (d *txDoc) line(key string) int {
	for i, f := range d.fields {
		if f.key == key {
			return 2 + i
		}
	}
	if key == "utterances" {
		return 2 + len(d.fields)
	}
	panic("txDoc: no field " + key)
}

// uttLine returns the line of utterance i.
func (d *txDoc) uttLine(i int) int { return 3 + len(d.fields) + i }

func (d *txDoc) String() string {
	var b strings.Builder
	b.WriteString("{\n")
	for _, f := range d.fields {
		fmt.Fprintf(&b, "  %q: %s,\n", f.key, f.raw)
	}
	b.WriteString("  \"utterances\": [\n")
	for i, u := range d.utts {
		b.WriteString("    " + u)
		if i < len(d.utts)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("  ]\n}\n")
	return b.String()
}

func (d *txDoc) bytes() []byte { return []byte(d.String()) }

func i64(n int64) *int64 { return &n }

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// sameTranscript reports whether two transcripts hold the same value: the
// same instant and zone offset for StartedAt (a *time.Location pointer may
// differ), everything else equal.
func sameTranscript(a, b *Transcript) bool {
	if a == nil || b == nil {
		return a == b
	}
	if !a.StartedAt.Equal(b.StartedAt) {
		return false
	}
	_, oa := a.StartedAt.Zone()
	_, ob := b.StartedAt.Zone()
	if oa != ob {
		return false
	}
	ac, bc := *a, *b
	ac.StartedAt, bc.StartedAt = time.Time{}, time.Time{}
	if len(ac.Utterances) == 0 && len(bc.Utterances) == 0 {
		ac.Utterances, bc.Utterances = nil, nil
	}
	return reflect.DeepEqual(ac, bc)
}

func TestParseTranscriptValid(t *testing.T) {
	started := mustTime(t, "2026-11-22T09:30:00+08:00")
	fullUtts := []Utterance{
		{Speaker: Agent, Timed: true, StartMS: 0, EndMS: 2600, Text: "您好,国网杭州供电公司,请问有什么可以帮您?"},
		{Speaker: Customer, Timed: true, StartMS: 2900, EndMS: 6100, Text: "我家停电了。"},
		{Speaker: Agent, Timed: true, StartMS: 6300, EndMS: 9800, Text: "好的,请您提供一下户号。"},
		{Speaker: Customer, Timed: true, StartMS: 9800, EndMS: 12000, Text: "户号是1234567。"},
	}
	full := Transcript{
		CallID: "hz-20261122-000123", Unit: "sgcc-hz", AgentID: "A1024", Team: "95598-一班",
		Direction: Inbound, StartedAt: started, RingMS: i64(7000), DurationMS: i64(183000),
		HangupBy: HangupCustomer, RolesNote: "坐席为0声道", Utterances: fullUtts,
	}
	untimedUtts := make([]Utterance, len(fullUtts))
	for i, u := range fullUtts {
		untimedUtts[i] = Utterance{Speaker: u.Speaker, Text: u.Text}
	}
	minimal := Transcript{
		CallID: "c1", Unit: "csg-gz", AgentID: "A1", Direction: Inbound, HangupBy: HangupUnknown,
		StartedAt:  mustTime(t, "2026-01-02T03:04:05Z"),
		Utterances: []Utterance{{Speaker: Agent, Text: "您好"}},
	}
	with := func(f func(*Transcript)) Transcript {
		c := full
		c.Utterances = append([]Utterance(nil), full.Utterances...)
		f(&c)
		return c
	}
	const minimalJSON = `{"call_id":"c1","unit":"csg-gz","agent_id":"A1","started_at":"2026-01-02T03:04:05Z","utterances":[{"speaker":"agent","text":"您好"}]}`

	tests := []struct {
		name string
		in   string
		want Transcript
	}{
		{"minimal, with defaults", minimalJSON, minimal},
		{"full", fullDoc().String(), full},
		{"untimed", untimedDoc().String(), with(func(c *Transcript) { c.Utterances = untimedUtts })},
		{"outbound, agent hung up", fullDoc().set("direction", `"outbound"`).set("hangup_by", `"agent"`).String(),
			with(func(c *Transcript) { c.Direction, c.HangupBy = Outbound, HangupAgent })},
		{"hangup by system", fullDoc().set("hangup_by", `"system"`).String(),
			with(func(c *Transcript) { c.HangupBy = HangupSystem })},
		{"hangup by unknown", fullDoc().set("hangup_by", `"unknown"`).String(),
			with(func(c *Transcript) { c.HangupBy = HangupUnknown })},
		{"empty direction and hangup_by take the defaults", fullDoc().set("direction", `""`).set("hangup_by", `""`).String(),
			with(func(c *Transcript) { c.Direction, c.HangupBy = Inbound, HangupUnknown })},
		{"null optional fields are absent", fullDoc().set("team", "null").set("direction", "null").set("ring_ms", "null").
			set("duration_ms", "null").set("hangup_by", "null").set("roles_note", "null").String(),
			with(func(c *Transcript) {
				c.Team, c.Direction, c.RingMS, c.DurationMS, c.HangupBy, c.RolesNote = "", Inbound, nil, nil, HangupUnknown, ""
			})},
		{"optional fields left out", fullDoc().drop("team").drop("direction").drop("ring_ms").drop("duration_ms").
			drop("hangup_by").drop("roles_note").String(),
			with(func(c *Transcript) {
				c.Team, c.Direction, c.RingMS, c.DurationMS, c.HangupBy, c.RolesNote = "", Inbound, nil, nil, HangupUnknown, ""
			})},
		{"system and unknown speakers", fullDoc().utt(0, `{"speaker": "system", "start_ms": 0, "end_ms": 2600, "text": "您好,国网杭州供电公司,请问有什么可以帮您?"}`).
			utt(1, `{"speaker": "unknown", "start_ms": 2900, "end_ms": 6100, "text": "我家停电了。"}`).String(),
			with(func(c *Transcript) { c.Utterances[0].Speaker, c.Utterances[1].Speaker = System, UnknownSpeaker })},
		{"unknown fields ignored", fullDoc().drop("team").String()[:2] +
			`"x_extra": {"nested": [1, 2, {"a": null}]}, "schema": "v1", ` + fullDoc().drop("team").String()[2:],
			with(func(c *Transcript) { c.Team = "" })},
		{"unknown utterance fields ignored", fullDoc().utt(1, `{"speaker": "customer", "confidence": 0.93, "channel": 1, "words": [{"w": "我"}], "start_ms": 2900, "end_ms": 6100, "text": "我家停电了。"}`).String(), full},
		{"whole-number floats", fullDoc().set("ring_ms", "7000.0").set("duration_ms", "1.83e5").
			utt(1, `{"speaker": "customer", "start_ms": 2900.0, "end_ms": 6.1E3, "text": "我家停电了。"}`).String(), full},
		{"null times make an untimed utterance", untimedDoc().utt(2, `{"speaker": "agent", "start_ms": null, "end_ms": null, "text": "好的,请您提供一下户号。"}`).String(),
			with(func(c *Transcript) { c.Utterances = untimedUtts })},
		{"zero-length and overlapping utterances", fullDoc().utt(2, `{"speaker": "agent", "start_ms": 6000, "end_ms": 6000, "text": "好的,请您提供一下户号。"}`).String(),
			with(func(c *Transcript) { c.Utterances[2].StartMS, c.Utterances[2].EndMS = 6000, 6000 })},
		{"zero ring and duration", fullDoc().set("ring_ms", "0").set("duration_ms", "-0").String(),
			with(func(c *Transcript) { c.RingMS, c.DurationMS = i64(0), i64(0) })},
		{"empty text", fullDoc().utt(3, `{"speaker": "customer", "start_ms": 9800, "end_ms": 12000, "text": ""}`).String(),
			with(func(c *Transcript) { c.Utterances[3].Text = "" })},
		{"escapes in strings", fullDoc().set("team", `"95598-\u4e00\u73ed"`).String(), full},
		{"escapes in an utterance", fullDoc().utt(3, `{"speaker": "cust\u006fmer", "start_ms": 9800, "end_ms": 12000, "text": "\u6237\u53f7\"1\\2\"\n"}`).String(),
			with(func(c *Transcript) { c.Utterances[3].Text = "户号\"1\\2\"\n" })},
		{"speaker and text keys in any order, unknown keys ignored", fullDoc().utt(3, `{"text": "户号是1234567。", "confidence": 0.9, "end_ms": 12000, "start_ms": 9800, "speaker": "customer"}`).String(), full},
		{"fractional seconds and UTC", fullDoc().set("started_at", `"2026-11-22T01:30:00.250Z"`).String(),
			with(func(c *Transcript) { c.StartedAt = mustTime(t, "2026-11-22T01:30:00.25Z") })},
		{"call id of 128 characters and every allowed sign", fullDoc().set("call_id", `"`+strings.Repeat("a", 120)+`Z9._:-_-"`).String(),
			with(func(c *Transcript) { c.CallID = strings.Repeat("a", 120) + "Z9._:-_-" })},
		{"duplicate key: the last wins", fullDoc().set("unit", `"csg-gz", "unit": "sgcc-hz"`).String(), full},
		{"no trailing newline, surrounding space", "\n\t " + strings.TrimSpace(fullDoc().String()), full},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTranscript("call.json", []byte(tt.in))
			if err != nil {
				t.Fatalf("ParseTranscript: %v", err)
			}
			if !sameTranscript(got, &tt.want) {
				t.Fatalf("ParseTranscript =\n%+v\nwant\n%+v", *got, tt.want)
			}
			if got.Timed() != tt.want.Utterances[0].Timed {
				t.Errorf("Timed() = %v, want %v", got.Timed(), tt.want.Utterances[0].Timed)
			}
			// Round trip: what the model writes, the parser reads back the same.
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			again, err := ParseTranscript("again.json", b)
			if err != nil {
				t.Fatalf("ParseTranscript(json.Marshal(t)): %v\n%s", err, b)
			}
			if !sameTranscript(again, got) {
				t.Fatalf("round trip changed the transcript:\n%+v\nwant\n%+v", *again, *got)
			}
		})
	}
}

func TestTranscriptMarshalTimes(t *testing.T) {
	tests := []struct {
		name      string
		doc       *txDoc
		wantTimes bool
	}{
		{"timed", fullDoc(), true},
		{"untimed", untimedDoc(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := ParseTranscript("call.json", tt.doc.bytes())
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(tr)
			if err != nil {
				t.Fatal(err)
			}
			var raw struct {
				Utterances []map[string]json.RawMessage `json:"utterances"`
			}
			if err := json.Unmarshal(b, &raw); err != nil {
				t.Fatal(err)
			}
			if len(raw.Utterances) != len(tt.doc.utts) {
				t.Fatalf("marshalled %d utterances, want %d", len(raw.Utterances), len(tt.doc.utts))
			}
			for i, u := range raw.Utterances {
				_, hasStart := u["start_ms"]
				_, hasEnd := u["end_ms"]
				if hasStart != tt.wantTimes || hasEnd != tt.wantTimes {
					t.Errorf("utterance %d marshals as %s: want times %v", i, b, tt.wantTimes)
				}
				if _, ok := u["speaker"]; !ok {
					t.Errorf("utterance %d has no speaker: %s", i, b)
				}
				if _, ok := u["text"]; !ok {
					t.Errorf("utterance %d has no text: %s", i, b)
				}
				if _, ok := u["Timed"]; ok {
					t.Errorf("utterance %d leaks Timed: %s", i, b)
				}
			}
		})
	}
}

// wantErr is what an InputError must say: the field, the line (0: none)
// and a fragment of the message.
type wantErr struct {
	field string
	line  int
	msg   string
}

func checkInputError(t *testing.T, file string, err error, want wantErr) {
	t.Helper()
	if err == nil {
		t.Fatalf("ParseTranscript succeeded, want an error on %s line %d: %q", want.field, want.line, want.msg)
	}
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *InputError", err, err)
	}
	if ie.File != file {
		t.Errorf("File = %q, want %q", ie.File, file)
	}
	if ie.Field != want.field {
		t.Errorf("Field = %q, want %q (%v)", ie.Field, want.field, err)
	}
	if ie.Line != want.line {
		t.Errorf("Line = %d, want %d (%v)", ie.Line, want.line, err)
	}
	if !strings.Contains(ie.Msg, want.msg) {
		t.Errorf("Msg = %q, want it to contain %q", ie.Msg, want.msg)
	}
	if !strings.Contains(err.Error(), want.field) || !strings.Contains(err.Error(), file) {
		t.Errorf("Error() = %q does not name the file and field", err.Error())
	}
	if !IsInputError(err) {
		t.Errorf("IsInputError(%v) = false", err)
	}
}

type errCase struct {
	name string
	in   []byte
	want wantErr
}

// typeCases are wrong-type values for every field of the contract.
func typeCases() []errCase {
	var cases []errCase
	d := fullDoc()
	type kind struct{ name, raw, got string }
	str := []kind{{"number", `42`, "got a number"}, {"object", `{"a": "b"}`, "got an object"},
		{"array", `["a"]`, "got an array"}, {"boolean", `true`, "got a boolean"}}
	num := []kind{{"string", `"7000"`, "got a string"}, {"object", `{"ms": 7000}`, "got an object"},
		{"array", `[7000]`, "got an array"}, {"boolean", `false`, "got a boolean"}}

	for _, f := range []string{"call_id", "unit", "agent_id", "team", "direction", "started_at", "hangup_by", "roles_note"} {
		for _, k := range str {
			cases = append(cases, errCase{f + " as " + k.name, d.set(f, k.raw).bytes(),
				wantErr{f, d.line(f), "want a string, " + k.got}})
		}
	}
	for _, f := range []string{"call_id", "unit", "agent_id", "started_at"} {
		cases = append(cases, errCase{f + " as null", d.set(f, `null`).bytes(), wantErr{f, d.line(f), "want a string, got null"}})
	}
	for _, f := range []string{"ring_ms", "duration_ms"} {
		for _, k := range num {
			cases = append(cases, errCase{f + " as " + k.name, d.set(f, k.raw).bytes(),
				wantErr{f, d.line(f), "want a number of milliseconds, " + k.got}})
		}
	}

	for _, k := range []kind{{"string", `"x"`, ""}, {"number", `3`, ""}, {"object", `{"speaker": "agent", "text": "您好"}`, ""}, {"boolean", `true`, ""}} {
		in := strings.Replace(d.String(), `"utterances": [`, `"utterances": `+k.raw+`, "x": [`, 1)
		cases = append(cases, errCase{"utterances as " + k.name, []byte(in), wantErr{"utterances", d.line("utterances"), "want an array"}})
	}
	in := strings.Replace(d.String(), `"utterances": [`, `"utterances": null, "x": [`, 1)
	cases = append(cases, errCase{"utterances as null", []byte(in), wantErr{"utterances", d.line("utterances"), "want an array, got null"}})

	const ui = 2
	for _, k := range []kind{{"number", `1`, "got a number"}, {"string", `"您好"`, "got a string"},
		{"array", `["agent", "您好"]`, "got an array"}, {"null", `null`, "got null"}, {"boolean", `false`, "got a boolean"}} {
		cases = append(cases, errCase{"utterance as " + k.name, d.utt(ui, k.raw).bytes(),
			wantErr{fmt.Sprintf("utterances[%d]", ui), d.uttLine(ui), "want an object, " + k.got}})
	}
	for _, f := range []string{"speaker", "text"} {
		for _, k := range append(str, kind{"null", `null`, "got null"}) {
			u := map[string]string{"speaker": `"agent"`, "text": `"好的"`}
			u[f] = k.raw
			raw := fmt.Sprintf(`{"speaker": %s, "start_ms": 6300, "end_ms": 9800, "text": %s}`, u["speaker"], u["text"])
			cases = append(cases, errCase{"utterance " + f + " as " + k.name, d.utt(ui, raw).bytes(),
				wantErr{fmt.Sprintf("utterances[%d].%s", ui, f), d.uttLine(ui), "want a string, " + k.got}})
		}
	}
	for _, f := range []string{"start_ms", "end_ms"} {
		for _, k := range num {
			u := map[string]string{"start_ms": `6300`, "end_ms": `9800`}
			u[f] = k.raw
			raw := fmt.Sprintf(`{"speaker": "agent", "start_ms": %s, "end_ms": %s, "text": "好的"}`, u["start_ms"], u["end_ms"])
			cases = append(cases, errCase{"utterance " + f + " as " + k.name, d.utt(ui, raw).bytes(),
				wantErr{fmt.Sprintf("utterances[%d].%s", ui, f), d.uttLine(ui), "want a number of milliseconds, " + k.got}})
		}
	}
	return cases
}

func TestParseTranscriptErrors(t *testing.T) {
	d := fullDoc()
	u := untimedDoc()
	// badUTF8 puts a stray continuation byte into the text of utterance 1.
	badUTF8 := d.utt(1, "{\"speaker\": \"customer\", \"start_ms\": 2900, \"end_ms\": 6100, \"text\": \"我家\x80停电了。\"}").bytes()
	badAt := bytes.Index(badUTF8, []byte("我家\x80")) + len("我家")
	// UTF-8 cut short at the very end.
	cut := []byte(d.String())
	cut = append(cut[:len(cut)-1], 0xe6, 0x88)

	many := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`{"call_id": "c1", "unit": "sgcc-hz", "agent_id": "A1", "started_at": "2026-11-22T09:30:00+08:00", "utterances": [`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`{"speaker": "agent", "text": "好"}`)
		}
		b.WriteString("]}")
		return []byte(b.String())
	}
	big := d.utt(3, `{"speaker": "customer", "start_ms": 9800, "end_ms": 12000, "text": "`+strings.Repeat("电", MaxTranscriptBytes/3)+`"}`).bytes()

	tests := []errCase{
		// Required fields.
		{"call_id missing", d.drop("call_id").bytes(), wantErr{"call_id", 0, "required field is missing"}},
		{"unit missing", d.drop("unit").bytes(), wantErr{"unit", 0, "required field is missing"}},
		{"agent_id missing", d.drop("agent_id").bytes(), wantErr{"agent_id", 0, "required field is missing"}},
		{"started_at missing", d.drop("started_at").bytes(), wantErr{"started_at", 0, "required field is missing"}},
		{"utterances missing", []byte(strings.Replace(d.String(), `"utterances"`, `"x_utterances"`, 1)), wantErr{"utterances", 0, "required field is missing"}},
		{"speaker missing", d.utt(1, `{"start_ms": 2900, "end_ms": 6100, "text": "我家停电了。"}`).bytes(),
			wantErr{"utterances[1].speaker", d.uttLine(1), "required field is missing"}},
		{"text missing", d.utt(1, `{"speaker": "customer", "start_ms": 2900, "end_ms": 6100}`).bytes(),
			wantErr{"utterances[1].text", d.uttLine(1), "required field is missing"}},
		{"unit empty", d.set("unit", `""`).bytes(), wantErr{"unit", d.line("unit"), "must not be empty"}},
		{"agent_id blank", d.set("agent_id", `"  "`).bytes(), wantErr{"agent_id", d.line("agent_id"), "must not be empty"}},
		{"started_at empty", d.set("started_at", `""`).bytes(), wantErr{"started_at", d.line("started_at"), "must not be empty"}},

		// Values.
		{"call id with a space", d.set("call_id", `"hz 000123"`).bytes(), wantErr{"call_id", d.line("call_id"), "not a valid call id"}},
		{"call id empty", d.set("call_id", `""`).bytes(), wantErr{"call_id", d.line("call_id"), "not a valid call id"}},
		{"call id of 129 characters", d.set("call_id", `"`+strings.Repeat("a", 129)+`"`).bytes(), wantErr{"call_id", d.line("call_id"), "not a valid call id"}},
		{"call id with Han characters", d.set("call_id", `"杭州-1"`).bytes(), wantErr{"call_id", d.line("call_id"), "not a valid call id"}},
		{"call id with a slash", d.set("call_id", `"hz/1"`).bytes(), wantErr{"call_id", d.line("call_id"), "not a valid call id"}},
		{"call id with a newline", d.set("call_id", `"hz1\n"`).bytes(), wantErr{"call_id", d.line("call_id"), "not a valid call id"}},
		{"time with a space", d.set("started_at", `"2026-11-22 09:30:00+08:00"`).bytes(), wantErr{"started_at", d.line("started_at"), "not an RFC 3339 time"}},
		{"time without zone", d.set("started_at", `"2026-11-22T09:30:00"`).bytes(), wantErr{"started_at", d.line("started_at"), "not an RFC 3339 time"}},
		{"date only", d.set("started_at", `"2026-11-22"`).bytes(), wantErr{"started_at", d.line("started_at"), "not an RFC 3339 time"}},
		{"month 13", d.set("started_at", `"2026-13-22T09:30:00+08:00"`).bytes(), wantErr{"started_at", d.line("started_at"), "not an RFC 3339 time"}},
		{"unix seconds as a string", d.set("started_at", `"1795397400"`).bytes(), wantErr{"started_at", d.line("started_at"), "not an RFC 3339 time"}},
		{"zone offset of 24 hours", d.set("started_at", `"2026-11-22T09:30:00+24:00"`).bytes(), wantErr{"started_at", d.line("started_at"), "not an RFC 3339 time"}},
		{"unknown direction", d.set("direction", `"incoming"`).bytes(), wantErr{"direction", d.line("direction"), `"incoming" is not a direction`}},
		{"direction in capitals", d.set("direction", `"INBOUND"`).bytes(), wantErr{"direction", d.line("direction"), "not a direction"}},
		{"unknown hangup_by", d.set("hangup_by", `"callee"`).bytes(), wantErr{"hangup_by", d.line("hangup_by"), `"callee" is not a hang-up side`}},
		{"unknown speaker", d.utt(2, `{"speaker": "bot", "start_ms": 6300, "end_ms": 9800, "text": "好的"}`).bytes(),
			wantErr{"utterances[2].speaker", d.uttLine(2), `"bot" is not a speaker`}},
		{"empty speaker", d.utt(2, `{"speaker": "", "start_ms": 6300, "end_ms": 9800, "text": "好的"}`).bytes(),
			wantErr{"utterances[2].speaker", d.uttLine(2), "not a speaker"}},

		// Numbers.
		{"negative ring_ms", d.set("ring_ms", `-1`).bytes(), wantErr{"ring_ms", d.line("ring_ms"), "must not be negative"}},
		{"negative duration_ms", d.set("duration_ms", `-183000`).bytes(), wantErr{"duration_ms", d.line("duration_ms"), "must not be negative"}},
		{"negative start_ms", d.utt(0, `{"speaker": "agent", "start_ms": -5, "end_ms": 2600, "text": "您好"}`).bytes(),
			wantErr{"utterances[0].start_ms", d.uttLine(0), "must not be negative"}},
		{"negative end_ms", d.utt(0, `{"speaker": "agent", "start_ms": 0, "end_ms": -1.0, "text": "您好"}`).bytes(),
			wantErr{"utterances[0].end_ms", d.uttLine(0), "must not be negative"}},
		{"fractional ring_ms", d.set("ring_ms", `1200.5`).bytes(), wantErr{"ring_ms", d.line("ring_ms"), "want a whole number of milliseconds, got 1200.5"}},
		{"fractional start_ms", d.utt(1, `{"speaker": "customer", "start_ms": 2900.25, "end_ms": 6100, "text": "我家停电了。"}`).bytes(),
			wantErr{"utterances[1].start_ms", d.uttLine(1), "whole number"}},
		{"tiny fraction", d.set("duration_ms", `1e-3`).bytes(), wantErr{"duration_ms", d.line("duration_ms"), "whole number"}},
		{"number out of range", d.set("duration_ms", `1e400`).bytes(), wantErr{"duration_ms", d.line("duration_ms"), "whole number"}},
		{"integer beyond int64", d.set("ring_ms", `99999999999999999999`).bytes(), wantErr{"ring_ms", d.line("ring_ms"), "whole number"}},

		// Utterance times.
		{"end before start", d.utt(2, `{"speaker": "agent", "start_ms": 6300, "end_ms": 6299, "text": "好的"}`).bytes(),
			wantErr{"utterances[2].end_ms", d.uttLine(2), "ends before it starts (6299 < 6300)"}},
		{"start without end", d.utt(2, `{"speaker": "agent", "start_ms": 6300, "text": "好的"}`).bytes(),
			wantErr{"utterances[2].end_ms", d.uttLine(2), "required when start_ms is given"}},
		{"end without start", d.utt(2, `{"speaker": "agent", "end_ms": 9800, "text": "好的"}`).bytes(),
			wantErr{"utterances[2].start_ms", d.uttLine(2), "required when end_ms is given"}},
		{"null start with end", d.utt(2, `{"speaker": "agent", "start_ms": null, "end_ms": 9800, "text": "好的"}`).bytes(),
			wantErr{"utterances[2].start_ms", d.uttLine(2), "required when end_ms is given"}},
		{"untimed utterance in a timed call", d.utt(2, `{"speaker": "agent", "text": "好的"}`).bytes(),
			wantErr{"utterances[2]", d.uttLine(2), "has no times while utterances[0] has times"}},
		{"timed utterance in an untimed call", u.utt(3, `{"speaker": "customer", "start_ms": 1, "end_ms": 2, "text": "户号是1234567。"}`).bytes(),
			wantErr{"utterances[3]", u.uttLine(3), "has times while utterances[0] has no times"}},
		{"out of order", d.utt(3, `{"speaker": "customer", "start_ms": 6200, "end_ms": 12000, "text": "户号是1234567。"}`).bytes(),
			wantErr{"utterances[3].start_ms", d.uttLine(3), "time order (6200 starts before the previous one at 6300)"}},
		{"empty utterances", []byte(strings.Replace(d.String(), `"utterances": [`, `"utterances": [], "x": [`, 1)),
			wantErr{"utterances", d.line("utterances"), "at least one utterance"}},
		{"more than 10,000 utterances", many(MaxUtterances + 1), wantErr{"utterances", 1, "more than 10000 utterances"}},

		// Whole input.
		{"over 5 MB", big, wantErr{"", 0, fmt.Sprintf("over the limit of %d", MaxTranscriptBytes)}},
		{"invalid UTF-8", badUTF8, wantErr{"", d.uttLine(1), fmt.Sprintf("invalid UTF-8 at byte %d", badAt)}},
		{"UTF-8 cut at the end", cut, wantErr{"", strings.Count(d.String(), "\n"), fmt.Sprintf("invalid UTF-8 at byte %d", len(cut)-2)}},
		{"Latin-1 text", []byte("{\"call_id\": \"c1\",\n\"team\": \"caf\xe9\"}"), wantErr{"", 2, "invalid UTF-8 at byte 30"}},
		{"empty input", nil, wantErr{"", 1, "unexpected end of input"}},
		{"only space", []byte("\n\n  "), wantErr{"", 1, "unexpected end of input"}},
		{"array at the top", []byte(`[{"call_id": "c1"}]`), wantErr{"", 1, "must be a JSON object"}},
		{"null at the top", []byte("\nnull"), wantErr{"", 2, "must be a JSON object"}},
		{"string at the top", []byte(`"call"`), wantErr{"", 1, "must be a JSON object"}},
		{"missing comma", []byte(strings.Replace(d.String(), `"A1024",`, `"A1024"`, 1)), wantErr{"", d.line("team"), "malformed JSON"}},
		{"missing colon", d.set("unit", ``).bytes(), wantErr{"", d.line("unit"), "malformed JSON"}},
		{"bad value deep in an unknown field", []byte(strings.Replace(d.String(), `"team"`, "\"x\": {\"a\":\n\n\n [1, 2, tru]},\n  \"team\"", 1)),
			wantErr{"", d.line("team") + 3, "malformed JSON"}},
		{"bad value in an utterance", d.utt(2, `{"speaker": "agent", "start_ms": 6300, "end_ms": 98OO, "text": "好的"}`).bytes(),
			wantErr{"", d.uttLine(2), "malformed JSON"}},
		{"trailing comma in the array", []byte(strings.Replace(d.String(), "。\"}\n  ]", "。\"},\n  ]", 1)),
			wantErr{"", d.uttLine(len(d.utts)), "malformed JSON"}},
		{"single quotes", []byte(strings.Replace(d.String(), `"sgcc-hz"`, `'sgcc-hz'`, 1)), wantErr{"", d.line("unit"), "malformed JSON"}},
		{"cut short", d.bytes()[:len(d.String())/2], wantErr{"", strings.Count(d.String()[:len(d.String())/2], "\n") + 1, "unexpected end of input"}},
		{"unclosed object", []byte(strings.TrimSuffix(d.String(), "}\n")), wantErr{"", d.uttLine(len(d.utts)), "unexpected end of input"}},
		{"trailing garbage", append(d.bytes(), "\n\nxyz\n"...), wantErr{"", d.uttLine(len(d.utts)) + 4, "unexpected data after the transcript object"}},
		{"two objects", append(d.bytes(), d.bytes()...), wantErr{"", d.uttLine(len(d.utts)) + 2, "unexpected data after the transcript object"}},
		{"extra closing brace", append(d.bytes(), '}'), wantErr{"", d.uttLine(len(d.utts)) + 2, "unexpected data after the transcript object"}},
	}
	tests = append(tests, typeCases()...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTranscript("calls/hz-1.json", tt.in)
			if got != nil {
				t.Errorf("ParseTranscript returned a transcript with the error")
			}
			checkInputError(t, "calls/hz-1.json", err, tt.want)
		})
	}
}

// TestParseTranscriptLimits checks both sides of each limit.
func TestParseTranscriptLimits(t *testing.T) {
	var utts strings.Builder
	for i := 0; i < MaxUtterances; i++ {
		if i > 0 {
			utts.WriteString(",")
		}
		fmt.Fprintf(&utts, `{"speaker":"agent","start_ms":%d,"end_ms":%d,"text":"好"}`, i, i+1)
	}
	atMax := `{"call_id":"c1","unit":"u","agent_id":"a","started_at":"2026-11-22T09:30:00Z","utterances":[` + utts.String() + `]}`
	overMax := strings.Replace(atMax, `]}`, `,{"speaker":"agent","start_ms":99999,"end_ms":99999,"text":"好"}]}`, 1)
	pad := func(s string, n int) []byte { return []byte(s + strings.Repeat(" ", n-len(s))) }
	small := fullDoc().String()

	tests := []struct {
		name  string
		in    []byte
		count int    // utterances on success
		err   string // error fragment, "" for success
	}{
		{"10,000 utterances", []byte(atMax), MaxUtterances, ""},
		{"10,001 utterances", []byte(overMax), 0, "more than 10000 utterances"},
		{"exactly 5 MB", pad(small, MaxTranscriptBytes), 4, ""},
		{"one byte over 5 MB", pad(small, MaxTranscriptBytes+1), 0, "over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTranscript("big.json", tt.in)
			if tt.err == "" {
				if err != nil {
					t.Fatalf("ParseTranscript: %v", err)
				}
				if len(got.Utterances) != tt.count {
					t.Fatalf("%d utterances, want %d", len(got.Utterances), tt.count)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(ie.Msg, tt.err) {
				t.Fatalf("ParseTranscript error = %v, want an InputError with %q", err, tt.err)
			}
		})
	}
}

// TestParseTranscriptFiles reads the fixtures in testdata/transcripts: each
// valid one parses, each bad one fails as its name says.
func TestParseTranscriptFiles(t *testing.T) {
	tests := []struct {
		file string
		want wantErr // zero: valid
		utts int
	}{
		{file: "minimal.json", utts: 1},
		{file: "full.json", utts: 6},
		{file: "untimed.json", utts: 4},
		{file: "bad-multiline-utterance.json", want: wantErr{"utterances[1].end_ms", 18, "ends before it starts"}},
		{file: "bad-order-multiline.json", want: wantErr{"utterances[2].start_ms", 22, "time order"}},
		{file: "bad-crlf.json", want: wantErr{"hangup_by", 8, "not a hang-up side"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "transcripts", tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseTranscript(path, data)
			if tt.want == (wantErr{}) {
				if err != nil {
					t.Fatalf("ParseTranscript: %v", err)
				}
				if len(got.Utterances) != tt.utts {
					t.Fatalf("%d utterances, want %d", len(got.Utterances), tt.utts)
				}
				return
			}
			checkInputError(t, path, err, tt.want)
		})
	}
}

func TestInputErrorText(t *testing.T) {
	tests := []struct {
		err  InputError
		want string
	}{
		{InputError{File: "a.json", Field: "utterances[3].start_ms", Line: 17, Msg: "must not be negative"}, "a.json:17: utterances[3].start_ms: must not be negative"},
		{InputError{File: "a.json", Field: "call_id", Msg: "required field is missing"}, "a.json: call_id: required field is missing"},
		{InputError{File: "a.json", Line: 2, Msg: "malformed JSON"}, "a.json:2: malformed JSON"},
		{InputError{Line: 2, Field: "unit", Msg: "must not be empty"}, "line 2: unit: must not be empty"},
		{InputError{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestIsInputError(t *testing.T) {
	_, parseErr := ParseTranscript("x.json", []byte(`{}`))
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("connection refused"), false},
		{"from ParseTranscript", parseErr, true},
		{"InputError", &InputError{Msg: "bad"}, true},
		{"wrapped once", fmt.Errorf("score %s: %w", "x.json", parseErr), true},
		{"wrapped twice", fmt.Errorf("worker: %w", fmt.Errorf("score: %w", parseErr)), true},
		{"joined", errors.Join(errors.New("other"), parseErr), true},
		{"formatted, not wrapped", fmt.Errorf("score: %v", parseErr), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsInputError(tt.err); got != tt.want {
				t.Errorf("IsInputError(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
	var ie *InputError
	if !errors.As(fmt.Errorf("wrap: %w", parseErr), &ie) || ie.File != "x.json" || ie.Field != "call_id" {
		t.Errorf("errors.As through a wrap = %+v, want the call_id error of x.json", ie)
	}
}
