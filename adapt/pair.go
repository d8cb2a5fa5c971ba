package adapt

import (
	"regexp"
	"strings"
)

// FileKind says what part of a call a file is, by its name.
type FileKind int

// File kinds of the pairing convention (see PairKey).
const (
	// KindOther is no part of a call: skipped while walking a directory.
	KindOther FileKind = iota
	// KindTranscript is a v1 transcript or an ASR result: <key>.json or
	// <key>.asr.json. Its content decides which.
	KindTranscript
	// KindCDR is a switch record: <key>.cdr.json, <key>.cel.json,
	// <key>.cdr.csv, <key>.cel.csv, or one leg of several:
	// <key>.cdr.<tag>.json where a tag of "agent" or "customer" names
	// the leg.
	KindCDR
	// KindMeta is a metadata sidecar: <key>.meta.json.
	KindMeta
)

// String returns the kind's name: transcript, cdr, meta or other.
func (k FileKind) String() string {
	switch k {
	case KindTranscript:
		return "transcript"
	case KindCDR:
		return "cdr"
	case KindMeta:
		return "meta"
	}
	return "other"
}

// PairKey splits a file name or object key into the key of the call it
// belongs to and its kind. Files of one call share the key, which keeps
// any directory or object prefix:
//
//	calls/hz-0001.asr.json       → calls/hz-0001, KindTranscript
//	calls/hz-0001.json           → calls/hz-0001, KindTranscript
//	calls/hz-0001.cdr.json       → calls/hz-0001, KindCDR
//	calls/hz-0001.cdr.agent.json → calls/hz-0001, KindCDR
//	calls/hz-0001.cel.csv        → calls/hz-0001, KindCDR
//	calls/hz-0001.meta.json      → calls/hz-0001, KindMeta
//	calls/hz-0001.wav            → calls/hz-0001.wav, KindOther
//
// Kind words are matched without regard to case; a .csv file is part of a
// call only as a CDR.
func PairKey(name string) (callKey string, kind FileKind) {
	key, kind, _ := splitName(name)
	return key, kind
}

// splitName is PairKey that also returns the tag of <key>.cdr.<tag>.json.
func splitName(name string) (key string, kind FileKind, tag string) {
	dir, base := "", name
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		dir, base = name[:i+1], name[i+1:]
	}
	lower := strings.ToLower(base)
	var ext string
	switch {
	case strings.HasSuffix(lower, ".json"):
		ext = ".json"
	case strings.HasSuffix(lower, ".csv"):
		ext = ".csv"
	default:
		return name, KindOther, ""
	}
	stem := base[:len(base)-len(ext)]
	parts := strings.Split(stem, ".")
	n := len(parts)
	kindOf := func(w string) FileKind {
		switch strings.ToLower(w) {
		case "asr":
			return KindTranscript
		case "cdr", "cel":
			return KindCDR
		case "meta":
			return KindMeta
		}
		return KindOther
	}
	if n >= 2 && parts[0] != "" {
		if k := kindOf(parts[n-1]); k != KindOther && (ext == ".json" || k == KindCDR) {
			return dir + strings.Join(parts[:n-1], "."), k, ""
		}
	}
	if n >= 3 && parts[0] != "" && kindOf(parts[n-2]) == KindCDR {
		return dir + strings.Join(parts[:n-2], "."), KindCDR, parts[n-1]
	}
	if ext == ".json" && stem != "" {
		return dir + stem, KindTranscript, ""
	}
	return name, KindOther, ""
}

var callIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

var callIDBad = regexp.MustCompile(`[^A-Za-z0-9._:-]+`)

// defaultCallID makes a call id from the last element of a pairing key:
// characters the v1 pattern does not allow become "-", and the result is
// cut to 128 characters.
func defaultCallID(key string) string {
	if i := strings.LastIndexAny(key, `/\`); i >= 0 {
		key = key[i+1:]
	}
	id := strings.Trim(callIDBad.ReplaceAllString(key, "-"), "-")
	if len(id) > 128 {
		id = id[:128]
	}
	if id == "" {
		id = "call"
	}
	return id
}
