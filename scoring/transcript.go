package scoring

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on one transcript object. They bound the work a single call can
// cost a worker and are part of the input contract.
const (
	MaxTranscriptBytes = 5 << 20
	MaxUtterances      = 10000
)

// Speaker says who spoke an utterance.
type Speaker string

// Speakers a transcript may name. System covers IVR prompts and
// announcements; Unknown marks an utterance whose role could not be decided
// (diarized audio with weak evidence), which makes agent-speech rules not
// assessable.
const (
	Agent          Speaker = "agent"
	Customer       Speaker = "customer"
	System         Speaker = "system"
	UnknownSpeaker Speaker = "unknown"
)

// Direction says who placed the call.
type Direction string

// Call directions.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// HangupSide says which party ended the call.
type HangupSide string

// Hang-up sides; HangupUnknown makes hangup.agent_first not assessable.
const (
	HangupCustomer HangupSide = "customer"
	HangupAgent    HangupSide = "agent"
	HangupSystem   HangupSide = "system"
	HangupUnknown  HangupSide = "unknown"
)

// Transcript is one call as the scorer sees it: transcript JSON v1.
type Transcript struct {
	CallID     string     `json:"call_id"`
	Unit       string     `json:"unit"`
	AgentID    string     `json:"agent_id"`
	Team       string     `json:"team,omitempty"`
	Direction  Direction  `json:"direction"`
	StartedAt  time.Time  `json:"started_at"`
	RingMS     *int64     `json:"ring_ms,omitempty"`
	DurationMS *int64     `json:"duration_ms,omitempty"`
	HangupBy   HangupSide `json:"hangup_by"`
	// RolesNote explains how speaker roles were assigned when an adapter
	// could not be sure of them; it is carried into the score record.
	RolesNote  string      `json:"roles_note,omitempty"`
	Utterances []Utterance `json:"utterances"`
}

// Utterance is one stretch of speech by one speaker.
type Utterance struct {
	Speaker Speaker
	// Timed reports whether StartMS and EndMS were given. A transcript is
	// either timed throughout or not at all.
	Timed   bool
	StartMS int64
	EndMS   int64
	Text    string
}

type utteranceJSON struct {
	Speaker Speaker `json:"speaker"`
	StartMS *int64  `json:"start_ms,omitempty"`
	EndMS   *int64  `json:"end_ms,omitempty"`
	Text    string  `json:"text"`
}

// MarshalJSON writes the utterance in the v1 form, leaving out the times of
// an untimed utterance.
func (u Utterance) MarshalJSON() ([]byte, error) {
	j := utteranceJSON{Speaker: u.Speaker, Text: u.Text}
	if u.Timed {
		j.StartMS, j.EndMS = &u.StartMS, &u.EndMS
	}
	return json.Marshal(j)
}

// Timed reports whether the transcript carries utterance times.
func (t *Transcript) Timed() bool {
	return len(t.Utterances) > 0 && t.Utterances[0].Timed
}

// InputError is a problem with a transcript that no retry can fix: it names
// the file, the field (a JSON path such as "utterances[3].end_ms") and, where
// known, the line of the input.
type InputError struct {
	File  string
	Field string
	Line  int
	Msg   string
}

func (e *InputError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// IsInputError reports whether err is, or wraps, an InputError: bad input
// that must be rejected rather than retried.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

var callIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// ParseTranscript decodes and validates transcript JSON v1. name is used in
// errors only (a file path or object key). Every error it returns is an
// *InputError.
func ParseTranscript(name string, data []byte) (*Transcript, error) {
	p := parser{name: name, data: data}
	t, err := p.parse()
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) && ie.File == "" {
			ie.File = name
		}
		return nil, err
	}
	return t, nil
}

type parser struct {
	name string
	data []byte
	// at holds, per utterance, the offsets errors about it point to.
	at []uttOffsets
}

// uttOffsets locate an utterance in the input: its first byte, and where
// its keys are (raw, base), so that start finds its start_ms key only when
// an error needs it: finding the keys of every utterance up front was a
// third of what parsing a transcript cost.
type uttOffsets struct {
	elem int64
	raw  json.RawMessage
	base int64
}

// start returns the offset of the utterance's start_ms key, or its first
// byte when it has none.
func (o uttOffsets) start() int64 {
	if k, ok := keyOffsets(o.raw)["start_ms"]; ok {
		return o.base + k
	}
	return o.elem
}

func (p *parser) errf(field string, offset int64, format string, args ...any) error {
	line := 0
	if offset >= 0 {
		line = lineAt(p.data, offset)
	}
	return &InputError{File: p.name, Field: field, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// lineAt returns the 1-based line holding byte offset off of data.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	// Offsets from the decoder point just past a token; step back over
	// trailing whitespace so the line is that of the token itself.
	for off > 0 && (data[off-1] == ' ' || data[off-1] == '\t' || data[off-1] == '\n' || data[off-1] == '\r') {
		off--
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

func (p *parser) parse() (*Transcript, error) {
	if len(p.data) > MaxTranscriptBytes {
		return nil, p.errf("", -1, "transcript is %d bytes, over the limit of %d", len(p.data), MaxTranscriptBytes)
	}
	if !utf8.Valid(p.data) {
		off := invalidUTF8At(p.data)
		return nil, p.errf("", int64(off), "invalid UTF-8 at byte %d", off)
	}
	dec := json.NewDecoder(bytes.NewReader(p.data))
	dec.UseNumber()

	tok, err := dec.Token()
	if err != nil {
		return nil, p.syntaxErr(dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, p.errf("", dec.InputOffset(), "transcript must be a JSON object")
	}

	t := &Transcript{Direction: Inbound, HangupBy: HangupUnknown}
	seen := map[string]int64{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, p.syntaxErr(dec, err)
		}
		key := tok.(string)
		off := dec.InputOffset()
		seen[key] = off
		if key == "utterances" {
			if err := p.parseUtterances(dec, t); err != nil {
				return nil, err
			}
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, p.syntaxErr(dec, err)
		}
		if err := p.setField(t, key, raw, off); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, p.syntaxErr(dec, err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		// Point at the first byte after the object that is not space, not
		// at the end of the object the decoder stopped at.
		extra := skipSpace(p.data, end)
		return nil, p.errf("", extra+1, "unexpected data after the transcript object")
	}

	for _, f := range []string{"call_id", "unit", "agent_id", "started_at", "utterances"} {
		if _, ok := seen[f]; !ok {
			return nil, p.errf(f, -1, "required field is missing")
		}
	}
	return t, p.checkUtterances(t, seen["utterances"])
}

func (p *parser) syntaxErr(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// The offset of a SyntaxError from a Decoder counts only the bytes
		// it scanned as whole values, not those it read as tokens, so it
		// points too early. A fresh scan of the whole input meets the same
		// first bad byte and counts from the start.
		var raw json.RawMessage
		var full *json.SyntaxError
		if errors.As(json.NewDecoder(bytes.NewReader(p.data)).Decode(&raw), &full) {
			se = full
		}
		return p.errf("", se.Offset, "malformed JSON: %v", se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return p.errf("", int64(len(p.data)), "malformed JSON: unexpected end of input")
	}
	return p.errf("", dec.InputOffset(), "malformed JSON: %v", err)
}

func (p *parser) setField(t *Transcript, key string, raw json.RawMessage, off int64) error {
	switch key {
	case "call_id":
		s, err := p.str(key, raw, off)
		if err != nil {
			return err
		}
		if !callIDPattern.MatchString(s) {
			return p.errf(key, off, "%q is not a valid call id (1-128 of A-Z a-z 0-9 . _ : -)", truncate(s, 40))
		}
		t.CallID = s
	case "unit":
		s, err := p.nonEmpty(key, raw, off)
		if err != nil {
			return err
		}
		t.Unit = s
	case "agent_id":
		s, err := p.nonEmpty(key, raw, off)
		if err != nil {
			return err
		}
		t.AgentID = s
	case "team":
		if string(raw) == "null" {
			return nil
		}
		s, err := p.str(key, raw, off)
		if err != nil {
			return err
		}
		t.Team = s
	case "roles_note":
		if string(raw) == "null" {
			return nil
		}
		s, err := p.str(key, raw, off)
		if err != nil {
			return err
		}
		t.RolesNote = s
	case "direction":
		if string(raw) == "null" {
			return nil
		}
		s, err := p.str(key, raw, off)
		if err != nil {
			return err
		}
		switch d := Direction(s); d {
		case Inbound, Outbound:
			t.Direction = d
		case "":
			t.Direction = Inbound
		default:
			return p.errf(key, off, "%q is not a direction (inbound or outbound)", truncate(s, 40))
		}
	case "hangup_by":
		if string(raw) == "null" {
			return nil
		}
		s, err := p.str(key, raw, off)
		if err != nil {
			return err
		}
		switch h := HangupSide(s); h {
		case HangupCustomer, HangupAgent, HangupSystem, HangupUnknown:
			t.HangupBy = h
		case "":
			t.HangupBy = HangupUnknown
		default:
			return p.errf(key, off, "%q is not a hang-up side (customer, agent, system or unknown)", truncate(s, 40))
		}
	case "started_at":
		s, err := p.nonEmpty(key, raw, off)
		if err != nil {
			return err
		}
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err == nil {
			// time.Parse takes a zone offset of 24 hours (+24:00), which
			// RFC 3339 does not allow and time.Time cannot write back.
			_, err = ts.MarshalText()
		}
		if err != nil {
			return p.errf(key, off, "%q is not an RFC 3339 time (e.g. 2026-11-22T09:30:00+08:00)", truncate(s, 40))
		}
		t.StartedAt = ts
	case "ring_ms", "duration_ms":
		if string(raw) == "null" {
			return nil
		}
		n, err := p.millis(key, raw, off)
		if err != nil {
			return err
		}
		if key == "ring_ms" {
			t.RingMS = &n
		} else {
			t.DurationMS = &n
		}
	}
	// Unknown fields are ignored by contract.
	return nil
}

func (p *parser) str(field string, raw json.RawMessage, off int64) (string, error) {
	s, problem := decodeString(raw)
	if problem != "" {
		return "", p.errf(field, off, "%s", problem)
	}
	return s, nil
}

// decodeString decodes raw, one JSON value the decoder has checked, as a
// string; problem says why it is none.
func decodeString(raw json.RawMessage) (s string, problem string) {
	// json.Unmarshal takes null into a string as "no change": reject it
	// here so a required field given as null is named as such.
	if jsonKind(raw) != "a string" {
		return "", "want a string, got " + jsonKind(raw)
	}
	// A checked string literal without escapes is its own text.
	if lit := bytes.TrimSpace(raw); len(lit) >= 2 && lit[len(lit)-1] == '"' && bytes.IndexByte(lit[1:len(lit)-1], '\\') < 0 {
		return string(lit[1 : len(lit)-1]), ""
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", "want a string, got " + jsonKind(raw)
	}
	return s, ""
}

func (p *parser) nonEmpty(field string, raw json.RawMessage, off int64) (string, error) {
	s, err := p.str(field, raw, off)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(s) == "" {
		return "", p.errf(field, off, "must not be empty")
	}
	return s, nil
}

// millis decodes a non-negative whole number of milliseconds.
func (p *parser) millis(field string, raw json.RawMessage, off int64) (int64, error) {
	n, problem := decodeMillis(raw)
	if problem != "" {
		return 0, p.errf(field, off, "%s", problem)
	}
	return n, nil
}

// decodeMillis decodes raw, one JSON value the decoder has checked, as a
// non-negative whole number of milliseconds; problem says why it is none.
func decodeMillis(raw json.RawMessage) (n int64, problem string) {
	// raw is one JSON value the decoder has checked: a number is its
	// literal text, which needs no decoder of its own (one per number was
	// half of what parsing a transcript allocated). A string holding a
	// number ("1200") is not a number here.
	if jsonKind(raw) != "a number" {
		return 0, "want a number of milliseconds, got " + jsonKind(raw)
	}
	num := string(bytes.TrimSpace(raw))
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(num, 64)
		if ferr != nil || f != float64(int64(f)) || f > 1<<53 || f < -(1<<53) {
			return 0, "want a whole number of milliseconds, got " + num
		}
		n = int64(f)
	}
	if n < 0 {
		return 0, fmt.Sprintf("must not be negative (got %d)", n)
	}
	return n, ""
}

func (p *parser) parseUtterances(dec *json.Decoder, t *Transcript) error {
	start := dec.InputOffset()
	tok, err := dec.Token()
	if err != nil {
		return p.syntaxErr(dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		if tok == nil {
			return p.errf("utterances", start, "want an array, got null")
		}
		// Skip the rest of a non-array value so the error names the field.
		return p.errf("utterances", start, "want an array of utterances")
	}
	t.Utterances = t.Utterances[:0]
	p.at = p.at[:0]
	for i := 0; dec.More(); i++ {
		if i >= MaxUtterances {
			return p.errf("utterances", dec.InputOffset(), "more than %d utterances", MaxUtterances)
		}
		off := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return p.syntaxErr(dec, err)
		}
		u, at, err := p.utterance(i, raw, off)
		if err != nil {
			return err
		}
		t.Utterances = append(t.Utterances, u)
		p.at = append(p.at, at)
	}
	if _, err := dec.Token(); err != nil {
		return p.syntaxErr(dec, err)
	}
	return nil
}

func (p *parser) utterance(i int, raw json.RawMessage, off int64) (Utterance, uttOffsets, error) {
	// off points just before the element; move it onto the element's first
	// byte so the reported line is the element's own.
	off = skipSpaceComma(p.data, off)
	elem := uttOffsets{elem: off + 1, raw: raw, base: off}
	path := func(f string) string { return fmt.Sprintf("utterances[%d].%s", i, f) }
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return Utterance{}, elem, p.errf(fmt.Sprintf("utterances[%d]", i), elem.elem, "want an object, got %s", jsonKind(raw))
	}
	// at is the offset of a field's key, so that an error names the line
	// of the field even in an utterance spread over several lines. Only
	// errors need it: the keys are found on the first call.
	var keys map[string]int64
	at := func(f string) int64 {
		if keys == nil {
			keys = keyOffsets(raw)
		}
		if k, ok := keys[f]; ok {
			return off + k
		}
		return elem.elem
	}
	var u Utterance
	sp, ok := fields["speaker"]
	if !ok {
		return u, elem, p.errf(path("speaker"), elem.elem, "required field is missing")
	}
	s, problem := decodeString(sp)
	if problem != "" {
		return u, elem, p.errf(path("speaker"), at("speaker"), "%s", problem)
	}
	switch Speaker(s) {
	case Agent, Customer, System, UnknownSpeaker:
		u.Speaker = Speaker(s)
	default:
		return u, elem, p.errf(path("speaker"), at("speaker"), "%q is not a speaker (agent, customer, system or unknown)", truncate(s, 40))
	}
	txt, ok := fields["text"]
	if !ok {
		return u, elem, p.errf(path("text"), elem.elem, "required field is missing")
	}
	if u.Text, problem = decodeString(txt); problem != "" {
		return u, elem, p.errf(path("text"), at("text"), "%s", problem)
	}
	st, hasStart := fields["start_ms"]
	en, hasEnd := fields["end_ms"]
	if hasStart && string(st) == "null" {
		hasStart = false
	}
	if hasEnd && string(en) == "null" {
		hasEnd = false
	}
	switch {
	case hasStart && hasEnd:
		if u.StartMS, problem = decodeMillis(st); problem != "" {
			return u, elem, p.errf(path("start_ms"), at("start_ms"), "%s", problem)
		}
		if u.EndMS, problem = decodeMillis(en); problem != "" {
			return u, elem, p.errf(path("end_ms"), at("end_ms"), "%s", problem)
		}
		if u.EndMS < u.StartMS {
			return u, elem, p.errf(path("end_ms"), at("end_ms"), "ends before it starts (%d < %d)", u.EndMS, u.StartMS)
		}
		u.Timed = true
	case hasStart:
		return u, elem, p.errf(path("end_ms"), at("start_ms"), "required when start_ms is given")
	case hasEnd:
		return u, elem, p.errf(path("start_ms"), at("end_ms"), "required when end_ms is given")
	}
	return u, elem, nil
}

// keyOffsets returns, for each key of the JSON object raw, the offset in
// raw just past the key. raw has been decoded once already.
func keyOffsets(raw []byte) map[string]int64 {
	m := map[string]int64{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return m
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return m
		}
		k, ok := tok.(string)
		if !ok {
			return m
		}
		m[k] = dec.InputOffset()
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return m
		}
	}
	return m
}

// checkUtterances enforces the rules that span utterances.
func (p *parser) checkUtterances(t *Transcript, off int64) error {
	if len(t.Utterances) == 0 {
		return p.errf("utterances", off, "must hold at least one utterance")
	}
	timed := t.Utterances[0].Timed
	var prevStart int64
	for i, u := range t.Utterances {
		if u.Timed != timed {
			return p.errf(fmt.Sprintf("utterances[%d]", i), p.at[i].elem,
				"has %s while utterances[0] has %s: give times on every utterance or on none",
				timesWord(u.Timed), timesWord(timed))
		}
		if timed {
			if u.StartMS < prevStart {
				return p.errf(fmt.Sprintf("utterances[%d].start_ms", i), p.at[i].start(),
					"utterances must be in time order (%d starts before the previous one at %d)", u.StartMS, prevStart)
			}
			prevStart = u.StartMS
		}
	}
	return nil
}

func timesWord(timed bool) string {
	if timed {
		return "times"
	}
	return "no times"
}

func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\n', '\r':
			off++
		default:
			return off
		}
	}
	return off
}

func skipSpaceComma(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\n', '\r', ',':
			off++
		default:
			return off
		}
	}
	return off
}

func jsonKind(raw json.RawMessage) string {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 {
		return "nothing"
	}
	switch s[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
