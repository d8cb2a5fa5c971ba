package adapt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"callqa/scoring"
)

// decodeTree parses data as exactly one JSON value, keeping numbers as
// json.Number so that millisecond values survive unrounded.
func decodeTree(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &scoring.InputError{Line: lineAt(data, dec.InputOffset()), Msg: "unexpected data after the JSON value"}
	}
	return v, nil
}

func syntaxError(data []byte, dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &scoring.InputError{Line: lineAt(data, se.Offset), Msg: fmt.Sprintf("malformed JSON: %v", se)}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &scoring.InputError{Line: lineAt(data, int64(len(data))), Msg: "malformed JSON: unexpected end of input"}
	}
	return &scoring.InputError{Line: lineAt(data, dec.InputOffset()), Msg: fmt.Sprintf("malformed JSON: %v", err)}
}

// lineAt returns the 1-based line holding byte offset off of data.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// field returns the member of m named by the first of names present,
// matching exactly first and then ignoring case, the way encoding/json
// matches struct fields. Vendors are not consistent about key case
// (Alibaba's results use both "Result" and "result").
func field(m map[string]any, names ...string) (any, bool) {
	for _, n := range names {
		if v, ok := m[n]; ok {
			return v, true
		}
	}
	for _, n := range names {
		for k, v := range m {
			if strings.EqualFold(k, n) {
				return v, true
			}
		}
	}
	return nil, false
}

func asObject(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

func asArray(v any) ([]any, bool) {
	a, ok := v.([]any)
	return a, ok
}

// objField returns the object member of m named by one of names.
func objField(m map[string]any, names ...string) (map[string]any, bool) {
	v, ok := field(m, names...)
	if !ok {
		return nil, false
	}
	return asObject(v)
}

// arrField returns the array member of m named by one of names.
func arrField(m map[string]any, names ...string) ([]any, bool) {
	v, ok := field(m, names...)
	if !ok {
		return nil, false
	}
	return asArray(v)
}

// scalar renders a string, number or boolean as text; ok is false for
// null, objects and arrays.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// strField returns the text of the scalar member of m named by one of
// names, or "" when there is none.
func strField(m map[string]any, names ...string) string {
	v, ok := field(m, names...)
	if !ok {
		return ""
	}
	s, _ := scalar(v)
	return s
}

// maxMillis bounds every time value: about 285 years, far beyond any call,
// and small enough that sums of two never overflow.
const maxMillis = int64(1) << 53

// parseMillis reads a non-negative number of milliseconds given as a JSON
// number or a numeric string ("280", 280, 280.0). Fractions are truncated.
func parseMillis(v any) (int64, error) {
	s, ok := scalar(v)
	if !ok || v == nil {
		return 0, fmt.Errorf("want a number of milliseconds, got %s", kindOf(v))
	}
	s = strings.TrimSpace(s)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("want a number of milliseconds, got %q", truncate(s, 24))
		}
		if f < 0 || f > float64(maxMillis) {
			return 0, fmt.Errorf("%s is out of range", truncate(s, 24))
		}
		n = int64(f)
	}
	if n < 0 {
		return 0, fmt.Errorf("must not be negative (got %d)", n)
	}
	if n > maxMillis {
		return 0, fmt.Errorf("%d is out of range", n)
	}
	return n, nil
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "an unknown value"
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// inputErr builds the *scoring.InputError every adapter returns for bad
// input; Build fills in the file name.
func inputErr(field, format string, args ...any) error {
	return &scoring.InputError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// withFile sets the file of an *scoring.InputError in err that names none,
// and wraps any other error in one naming the file.
func withFile(err error, name string) error {
	if err == nil {
		return nil
	}
	var ie *scoring.InputError
	if errors.As(err, &ie) {
		if ie.File == "" {
			ie.File = name
		}
		return err
	}
	return &scoring.InputError{File: name, Msg: err.Error()}
}
