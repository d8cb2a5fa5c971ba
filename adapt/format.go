package adapt

import (
	"errors"
	"fmt"
	"strings"

	"callqa/scoring"
)

// Format names a kind of input file.
type Format string

// Formats Detect tells apart. The first six are call transcripts (a v1
// transcript or a vendor ASR result); the rest are sidecars that describe
// a call without its text.
const (
	// FormatV1 is callqa's own transcript JSON v1.
	FormatV1 Format = "v1"
	// FormatAliyun is an Alibaba Cloud file transcription (录音文件识别)
	// result: Result.Sentences[] with ChannelId, BeginTime, EndTime, Text.
	FormatAliyun Format = "aliyun"
	// FormatTencent is a Tencent Cloud file transcription (录音文件识别)
	// result: ResultDetail[] with FinalSentence, StartMs, EndMs, SpeakerId.
	FormatTencent Format = "tencent"
	// FormatLfasr is an iFlytek long-form transcription (lfasr) result of
	// the first API: [{bg, ed, onebest, speaker}], bare or as the "data"
	// string of the getResult response.
	FormatLfasr Format = "lfasr"
	// FormatLfasrOrder is an iFlytek lfasr result of the v2 API: the
	// orderResult lattice of json_1best sentences.
	FormatLfasrOrder Format = "lfasr-order"
	// FormatFunASR is FunASR / Paraformer output with sentence_info[]
	// (text, start, end, spk).
	FormatFunASR Format = "funasr"
	// FormatFreeSWITCH is a FreeSWITCH JSON CDR of one call leg
	// (mod_json_cdr).
	FormatFreeSWITCH Format = "freeswitch-cdr"
	// FormatAsteriskCEL is a list of Asterisk CEL events of one call
	// (JSON array or CSV with a header row).
	FormatAsteriskCEL Format = "asterisk-cel"
	// FormatAsteriskCDR is one Asterisk CDR row (JSON object, CSV with a
	// header row, or a Master.csv line).
	FormatAsteriskCDR Format = "asterisk-cdr"
	// FormatMeta is a metadata sidecar: a JSON object with some of unit,
	// agent_id, team, direction, call_id, started_at … and no utterances.
	FormatMeta Format = "meta"
)

// IsTranscript reports whether f holds a call's speech (v1 or ASR).
func (f Format) IsTranscript() bool {
	switch f {
	case FormatV1, FormatAliyun, FormatTencent, FormatLfasr, FormatLfasrOrder, FormatFunASR:
		return true
	}
	return false
}

// IsSidecar reports whether f describes a call without its speech.
func (f Format) IsSidecar() bool {
	switch f {
	case FormatFreeSWITCH, FormatAsteriskCEL, FormatAsteriskCDR, FormatMeta:
		return true
	}
	return false
}

// Attempt is one format Detect tried and why it did not fit.
type Attempt struct {
	Format Format
	Reason string
}

// FormatError reports that no known format fits a file. It lists every
// format tried with the reason it was rejected, and unwraps to a
// *scoring.InputError so that callers treat it as bad input.
type FormatError struct {
	Tried []Attempt
	input *scoring.InputError
}

// Error returns the message of the wrapped InputError, which lists every
// format tried.
func (e *FormatError) Error() string { return e.input.Error() }

// Unwrap returns the *scoring.InputError describing the problem.
func (e *FormatError) Unwrap() error { return e.input }

func newFormatError(tried []Attempt) *FormatError {
	parts := make([]string, len(tried))
	for i, a := range tried {
		parts[i] = fmt.Sprintf("%s: %s", a.Format, a.Reason)
	}
	return &FormatError{
		Tried: tried,
		input: &scoring.InputError{Msg: "no known format fits (tried " + strings.Join(parts, "; ") + ")"},
	}
}

// detector recognises one format in a decoded JSON value; it returns nil
// when the value has the format's shape, or the reason it has not.
type detector struct {
	format Format
	check  func(v any) error
}

// jsonDetectors in the order they are tried. Every shape is specific
// enough that at most one fits a real file.
var jsonDetectors = []detector{
	{FormatV1, checkV1},
	{FormatAliyun, func(v any) error { _, err := aliyunSentences(v); return err }},
	{FormatTencent, func(v any) error { _, err := tencentDetails(v); return err }},
	{FormatLfasr, func(v any) error { _, err := lfasrItems(v); return err }},
	{FormatLfasrOrder, func(v any) error { _, err := lfasrLattice(v); return err }},
	{FormatFunASR, func(v any) error { _, err := funasrSentences(v); return err }},
	{FormatFreeSWITCH, func(v any) error { _, err := fsVariables(v); return err }},
	{FormatAsteriskCEL, func(v any) error { _, err := celRows(v); return err }},
	{FormatAsteriskCDR, func(v any) error { _, err := astCDRRow(v); return err }},
	{FormatMeta, checkMeta},
}

// Detect names the format of one input file from its content. When no
// format fits, the error is a *FormatError listing every format tried.
func Detect(data []byte) (Format, error) {
	f, _, err := detect(data)
	return f, err
}

// detect returns the format and, for JSON input, the decoded value so that
// the adapter does not decode it again.
func detect(data []byte) (Format, any, error) {
	if len(data) > scoring.MaxTranscriptBytes {
		return "", nil, &scoring.InputError{Msg: fmt.Sprintf("file is %d bytes, over the limit of %d", len(data), scoring.MaxTranscriptBytes)}
	}
	tree, jerr := decodeTree(data)
	if jerr == nil {
		var tried []Attempt
		for _, d := range jsonDetectors {
			err := d.check(tree)
			if err == nil {
				return d.format, tree, nil
			}
			tried = append(tried, Attempt{d.format, err.Error()})
		}
		return "", nil, newFormatError(tried)
	}
	// Not JSON: the only text formats read are Asterisk CSV files.
	f, cerr := detectCSV(data)
	if cerr == nil {
		return f, nil, nil
	}
	var ie *scoring.InputError
	reason := jerr.Error()
	if errors.As(jerr, &ie) {
		reason = ie.Msg
		if ie.Line > 0 {
			reason = fmt.Sprintf("line %d: %s", ie.Line, ie.Msg)
		}
	}
	return "", nil, newFormatError([]Attempt{
		{"json", "not JSON (" + reason + "), so none of the JSON formats fits"},
		{"csv", cerr.Error()},
	})
}

func checkV1(v any) error {
	m, ok := asObject(v)
	if !ok {
		return fmt.Errorf("want an object, got %s", kindOf(v))
	}
	u, ok := m["utterances"]
	if !ok {
		return errors.New(`no "utterances" field`)
	}
	if _, ok := asArray(u); !ok {
		return fmt.Errorf(`"utterances" is %s, not an array`, kindOf(u))
	}
	return nil
}

// metaKeys are the fields a metadata sidecar may carry.
var metaKeys = []string{"call_id", "unit", "agent_id", "team", "direction", "started_at",
	"ring_ms", "duration_ms", "hangup_by", "layout", "agent_channel"}

func checkMeta(v any) error {
	m, ok := asObject(v)
	if !ok {
		return fmt.Errorf("want an object, got %s", kindOf(v))
	}
	if _, ok := m["utterances"]; ok {
		return errors.New(`has "utterances": a transcript, not metadata`)
	}
	for _, k := range metaKeys {
		if _, ok := m[k]; ok {
			return nil
		}
	}
	return fmt.Errorf("none of the metadata fields (%s)", strings.Join(metaKeys, ", "))
}
