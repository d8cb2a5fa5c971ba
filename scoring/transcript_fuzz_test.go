package scoring

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzParseTranscript checks that ParseTranscript never panics, that what
// it accepts satisfies the contract and survives a round trip through
// json.Marshal, and that what it rejects it rejects with an *InputError.
// The seed corpus is in testdata/fuzz/FuzzParseTranscript.
func FuzzParseTranscript(f *testing.F) {
	f.Add(fullDoc().bytes())
	f.Add(untimedDoc().bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.json"
		tr, err := ParseTranscript(name, data)
		if err != nil {
			if tr != nil {
				t.Errorf("ParseTranscript returned a transcript with the error %v", err)
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T) is not an *InputError", err, err)
			}
			if strings.TrimSpace(ie.Msg) == "" {
				t.Fatalf("InputError %+v has no message", ie)
			}
			if ie.File != name {
				t.Errorf("InputError %+v names file %q, want %q", ie, ie.File, name)
			}
			if lines := bytes.Count(data, []byte{'\n'}) + 1; ie.Line < 0 || ie.Line > lines {
				t.Errorf("InputError %v names line %d of an input of %d lines", ie, ie.Line, lines)
			}
			return
		}
		checkTranscriptInvariants(t, tr)

		b, err := json.Marshal(tr)
		if err != nil {
			t.Fatalf("json.Marshal of an accepted transcript: %v\ninput: %q", err, data)
		}
		again, err := ParseTranscript(name, b)
		if err != nil {
			t.Fatalf("re-parsing the marshalled transcript: %v\nmarshalled: %s\ninput: %q", err, b, data)
		}
		if !sameTranscript(again, tr) {
			t.Fatalf("round trip changed the transcript:\n%+v\nwant\n%+v\ninput: %q", *again, *tr, data)
		}
	})
}

// checkTranscriptInvariants checks what the contract promises of every
// transcript ParseTranscript accepts.
func checkTranscriptInvariants(t *testing.T, tr *Transcript) {
	t.Helper()
	if !callIDPattern.MatchString(tr.CallID) {
		t.Errorf("call id %q does not match the pattern", tr.CallID)
	}
	if strings.TrimSpace(tr.Unit) == "" || strings.TrimSpace(tr.AgentID) == "" {
		t.Errorf("unit %q or agent id %q is empty", tr.Unit, tr.AgentID)
	}
	switch tr.Direction {
	case Inbound, Outbound:
	default:
		t.Errorf("direction %q", tr.Direction)
	}
	switch tr.HangupBy {
	case HangupCustomer, HangupAgent, HangupSystem, HangupUnknown:
	default:
		t.Errorf("hangup_by %q", tr.HangupBy)
	}
	if tr.RingMS != nil && *tr.RingMS < 0 {
		t.Errorf("ring_ms %d", *tr.RingMS)
	}
	if tr.DurationMS != nil && *tr.DurationMS < 0 {
		t.Errorf("duration_ms %d", *tr.DurationMS)
	}
	if n := len(tr.Utterances); n == 0 || n > MaxUtterances {
		t.Fatalf("%d utterances", n)
	}
	timed := tr.Timed()
	var prev int64
	for i, u := range tr.Utterances {
		switch u.Speaker {
		case Agent, Customer, System, UnknownSpeaker:
		default:
			t.Errorf("utterances[%d]: speaker %q", i, u.Speaker)
		}
		if u.Timed != timed {
			t.Errorf("utterances[%d]: timed %v in a transcript with timed %v", i, u.Timed, timed)
		}
		if !u.Timed {
			if u.StartMS != 0 || u.EndMS != 0 {
				t.Errorf("utterances[%d]: untimed with times %d–%d", i, u.StartMS, u.EndMS)
			}
			continue
		}
		if u.StartMS < 0 || u.EndMS < u.StartMS {
			t.Errorf("utterances[%d]: times %d–%d", i, u.StartMS, u.EndMS)
		}
		if u.StartMS < prev {
			t.Errorf("utterances[%d]: starts at %d, before the previous one at %d", i, u.StartMS, prev)
		}
		prev = u.StartMS
	}
}
