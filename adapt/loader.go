package adapt

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"callqa/scoring"
)

// Layout says how the channel or speaker label of an ASR result is read.
type Layout string

// Layouts. LayoutAuto reads Alibaba's ChannelId as a channel and every
// other label (Alibaba's SpeakerId, Tencent's SpeakerId, lfasr's speaker,
// FunASR's spk) as a diarized speaker.
const (
	LayoutAuto Layout = ""
	// LayoutDual: labels are audio channels of a dual-channel recording;
	// Config.AgentChannel is the agent's, every other one the customer's.
	LayoutDual Layout = "dual"
	// LayoutMono: labels are speakers of diarized mono audio; roles come
	// from what each speaker says (Alibaba with auto_split).
	LayoutMono Layout = "mono"
)

// ParseLayout reads a layout name: "" or "auto", "dual", "mono".
func ParseLayout(s string) (Layout, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return LayoutAuto, nil
	case "dual", "dual-channel", "stereo":
		return LayoutDual, nil
	case "mono", "diarized":
		return LayoutMono, nil
	}
	return "", fmt.Errorf("%q is not a layout (auto, dual or mono)", truncate(s, 40))
}

// Config is what the adapters need beyond the files. Its fields are the
// defaults of the last resort: a metadata sidecar wins over a CDR, which
// wins over Config. The zero value is usable: inbound calls, dual-channel
// results with the agent on channel 0, times of switches read in China
// Standard Time, the default role hints.
type Config struct {
	Unit    string // the unit id of the lexicon (--unit)
	AgentID string // --agent
	Team    string // --team
	// Direction of the calls; "" means inbound.
	Direction scoring.Direction
	// StartedAt is used for calls whose start neither a CDR nor a
	// metadata sidecar gives; zero means none, which is an error.
	StartedAt time.Time
	// Location reads switch times written without a zone; nil means
	// UTC+8 (China Standard Time).
	Location *time.Location
	// Layout forces how ASR labels are read; see Layout.
	Layout Layout
	// AgentChannel is the agent's channel of dual-channel results
	// (--channel-agent); other channels are the customer's.
	AgentChannel int
	// Roles is what role detection of diarized mono audio looks for.
	Roles RoleHints
}

// chinaTime is the default Location: switches in China log local time.
var chinaTime = time.FixedZone("UTC+8", 8*3600)

func (c Config) location() *time.Location {
	if c.Location != nil {
		return c.Location
	}
	return chinaTime
}

// Sidecar is a file that describes a call next to its transcript: a CDR or
// a metadata JSON. Name is its file name or object key (PairKey reads the
// leg tag from it); Data its bytes.
type Sidecar struct {
	Name string
	Data []byte
}

// Item is one call found by Loader.Expand: a transcript or ASR file and
// the sidecars paired with it.
type Item struct {
	// Key is the pairing key (see PairKey); the default call id is made
	// from its last element.
	Key string
	// Transcript is the path of the v1 transcript or ASR result; "" when
	// the item is only sidecars (then Err says so).
	Transcript string
	// Sidecars are the paths of the CDRs and metadata paired with it.
	Sidecars []string
	// Err is set when the files cannot make a call (a sidecar without a
	// transcript, two transcripts for one key, an unreadable path).
	// Load returns it; the other items of a batch are not affected.
	Err error
}

// Name returns the path to report for the item.
func (it Item) Name() string {
	if it.Transcript != "" {
		return it.Transcript
	}
	if len(it.Sidecars) > 0 {
		return it.Sidecars[0]
	}
	return it.Key
}

// Loader finds calls in files and directories and builds their
// transcripts. It is safe for concurrent use once built.
type Loader struct {
	Config
}

// Expand turns command-line paths into calls. A directory is walked (files
// and directories whose names start with "." are skipped), and its files
// are grouped by PairKey: each transcript or ASR file with the CDRs and
// metadata of the same key in the same directory. A file named on its own
// is grouped with the sidecars next to it. Files that are no part of a call
// by name (not .json, or a .csv that is not <key>.cdr.csv / <key>.cel.csv)
// are skipped in directories and reported when named. A JSON file met in a
// directory is skipped as clearly not a call when no format fits it (or it
// reads as bare metadata) and it holds none of the fields that mark a call
// (utterances, Sentences, ResultDetail, onebest, orderResult, lattice,
// sentence_info, variables, eventtype, dstchannel) at its top two levels —
// a corpus' golden.json, say. Problems with single paths are reported in
// Item.Err so that the rest of a batch goes on; the error is non-nil only
// when paths is empty.
func (l *Loader) Expand(paths []string) ([]Item, error) {
	if len(paths) == 0 {
		return nil, errors.New("adapt: no paths given")
	}
	type group struct {
		transcripts []string
		sidecars    []string
		seen        map[string]bool
	}
	groups := map[string]*group{}
	var order []string
	var bad []Item
	add := func(path string) {
		key, kind := PairKey(path)
		g := groups[key]
		if g == nil {
			g = &group{seen: map[string]bool{}}
			groups[key] = g
			order = append(order, key)
		}
		if g.seen[path] {
			return
		}
		g.seen[path] = true
		if kind == KindTranscript {
			g.transcripts = append(g.transcripts, path)
		} else {
			g.sidecars = append(g.sidecars, path)
		}
	}
	for _, p := range paths {
		p = filepath.Clean(p)
		fi, err := os.Stat(p)
		if err != nil {
			bad = append(bad, Item{Key: p, Transcript: p, Err: &scoring.InputError{File: p, Msg: pathErrMsg(err)}})
			continue
		}
		if !fi.IsDir() {
			key, kind := PairKey(p)
			if kind == KindOther {
				bad = append(bad, Item{Key: key, Transcript: p, Err: &scoring.InputError{File: p,
					Msg: "not part of a call by its name: want <key>.json, <key>.asr.json, <key>.cdr.json, <key>.cel.csv or <key>.meta.json"}})
				continue
			}
			add(p)
			siblings, err := os.ReadDir(filepath.Dir(p))
			if err != nil {
				continue
			}
			for _, s := range siblings {
				sp := filepath.Join(filepath.Dir(p), s.Name())
				if sk, kind := PairKey(sp); sk == key && kind != KindOther && s.Type().IsRegular() && !strings.HasPrefix(s.Name(), ".") {
					add(sp)
				}
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				bad = append(bad, Item{Key: path, Transcript: path, Err: &scoring.InputError{File: path, Msg: pathErrMsg(err)}})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			_, kind := PairKey(path)
			if kind == KindOther {
				return nil
			}
			if kind == KindTranscript && clearlyNotACall(path) {
				return nil
			}
			add(path)
			return nil
		})
		if err != nil {
			bad = append(bad, Item{Key: p, Transcript: p, Err: &scoring.InputError{File: p, Msg: pathErrMsg(err)}})
		}
	}

	items := bad
	for _, key := range order {
		g := groups[key]
		sort.Strings(g.sidecars)
		it := Item{Key: key, Sidecars: g.sidecars}
		switch len(g.transcripts) {
		case 0:
			it.Err = &scoring.InputError{File: g.sidecars[0], Msg: fmt.Sprintf(
				"no transcript or ASR result for this call: want %s.json or %s.asr.json next to it", filepath.Base(key), filepath.Base(key))}
		case 1:
			it.Transcript = g.transcripts[0]
		default:
			sort.Strings(g.transcripts)
			it.Transcript = g.transcripts[0]
			it.Err = &scoring.InputError{File: g.transcripts[0], Msg: fmt.Sprintf(
				"two transcripts for one call: %s", strings.Join(g.transcripts, " and "))}
		}
		items = append(items, it)
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].Name() < items[b].Name() })
	return items, nil
}

func pathErrMsg(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// callMarkers are field names that only call files have.
var callMarkers = []string{"utterances", "sentences", "resultdetail", "onebest", "orderresult",
	"lattice", "lattice2", "sentence_info", "variables", "eventtype", "dstchannel"}

// clearlyNotACall reports whether the JSON file at path is no call: no
// format fits it (or only bare metadata does) and none of its top two
// levels holds a field that marks a call. Unreadable and malformed files
// are not "clearly not a call": Load reports them.
func clearlyNotACall(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() > scoring.MaxTranscriptBytes {
		return false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	tree, err := decodeTree(data)
	if err != nil {
		return false
	}
	if f, err := Detect(data); err == nil && f != FormatMeta {
		return false
	}
	return !hasMarker(tree, 2)
}

func hasMarker(v any, depth int) bool {
	if depth == 0 {
		return false
	}
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			for _, m := range callMarkers {
				if strings.EqualFold(k, m) {
					return true
				}
			}
			if hasMarker(c, depth-1) {
				return true
			}
		}
	case []any:
		for _, c := range x {
			if hasMarker(c, depth-1) {
				return true
			}
		}
	}
	return false
}

// Load reads the files of one item and builds its transcript.
func (l *Loader) Load(item Item) (*scoring.Transcript, error) {
	if item.Err != nil {
		return nil, item.Err
	}
	data, err := readLimited(item.Transcript)
	if err != nil {
		return nil, err
	}
	scs := make([]Sidecar, 0, len(item.Sidecars))
	for _, p := range item.Sidecars {
		d, err := readLimited(p)
		if err != nil {
			return nil, err
		}
		scs = append(scs, Sidecar{Name: p, Data: d})
	}
	return l.Build(item.Transcript, data, scs...)
}

// readLimited reads a file of at most scoring.MaxTranscriptBytes; a larger
// file is bad input.
func readLimited(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("adapt: %w", err)
	}
	if fi.Size() > scoring.MaxTranscriptBytes {
		return nil, &scoring.InputError{File: path, Msg: fmt.Sprintf("file is %d bytes, over the limit of %d", fi.Size(), scoring.MaxTranscriptBytes)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("adapt: %w", err)
	}
	return data, nil
}

// Build makes the transcript of one call from the bytes of its transcript
// or ASR file and of its sidecars, as the worker fetches them from the
// bucket. name is the file name or object key of the transcript: errors
// name it, and the default call id is made from its pairing key. A v1
// transcript passes through scoring.ParseTranscript; sidecars then fill in
// only what it leaves open (hangup_by "unknown", no ring_ms, duration_ms
// or team). Every error about the input is, or wraps, a
// *scoring.InputError.
func (l *Loader) Build(name string, data []byte, sidecars ...Sidecar) (*scoring.Transcript, error) {
	f, tree, err := detect(data)
	if err != nil {
		return nil, withFile(err, name)
	}
	if !f.IsTranscript() {
		key, _ := PairKey(name)
		return nil, &scoring.InputError{File: name, Msg: fmt.Sprintf(
			"holds %s data, not a transcript or ASR result (as a sidecar it would be named %s)", f, sidecarName(key, f))}
	}

	md, cdrs, err := l.readSidecars(sidecars)
	if err != nil {
		return nil, err
	}
	direction := md.direction
	if direction == "" {
		direction = l.Direction
	}
	if direction == "" {
		direction = scoring.Inbound
	}
	var infos []callInfo
	for _, c := range cdrs {
		info, err := parseCDR(c.format, c.tree, c.data, cdrContext{direction: direction, loc: l.location(), tag: c.tag})
		if err != nil {
			return nil, withFile(err, c.name)
		}
		info.source = c.name
		infos = append(infos, info)
	}
	cdr := combineCDRs(infos)

	if f == FormatV1 {
		t, err := scoring.ParseTranscript(name, data)
		if err != nil {
			return nil, err
		}
		fillOpen(t, md, cdr, len(infos) > 0)
		return t, nil
	}

	res, err := parseASR(f, tree)
	if err != nil {
		return nil, withFile(err, name)
	}
	t := &scoring.Transcript{Direction: direction, HangupBy: scoring.HangupUnknown}
	key, _ := PairKey(name)
	t.CallID = firstNonEmpty(md.callID, defaultCallID(key))
	t.Unit = firstNonEmpty(md.unit, l.Unit)
	t.AgentID = firstNonEmpty(md.agentID, cdr.agentExt, l.AgentID)
	t.Team = firstNonEmpty(md.team, l.Team)
	switch {
	case !md.startedAt.IsZero():
		t.StartedAt = md.startedAt
	case !cdr.startedAt.IsZero():
		t.StartedAt = cdr.startedAt
	default:
		t.StartedAt = l.StartedAt
	}
	t.RingMS = firstPtr(md.ringMS, cdr.ringMS)
	t.DurationMS = firstPtr(md.durationMS, cdr.durationMS, res.audioMS)
	switch {
	case md.hangupBy != "":
		t.HangupBy = md.hangupBy
	case len(infos) > 0:
		t.HangupBy = cdr.hangup
	}

	base := filepath.Base(key)
	switch {
	case t.Unit == "":
		return nil, &scoring.InputError{File: name, Field: "unit", Msg: fmt.Sprintf(
			"not given: put it in %s.meta.json or set a default unit (--unit)", base)}
	case t.AgentID == "":
		return nil, &scoring.InputError{File: name, Field: "agent_id", Msg: fmt.Sprintf(
			"not given by %s.meta.json or a CDR: add one of them or set a default agent (--agent)", base)}
	case t.StartedAt.IsZero():
		return nil, &scoring.InputError{File: name, Field: "started_at", Msg: fmt.Sprintf(
			"not given by a CDR or %s.meta.json: add one of them or set a default start (--started-at)", base)}
	}

	layout := l.Layout
	if md.layout != LayoutAuto {
		layout = md.layout
	}
	agentChannel := l.AgentChannel
	if md.agentChannel != nil {
		agentChannel = *md.agentChannel
	}
	kept := res.segs[:0:0]
	for _, s := range res.segs {
		s.text = strings.TrimSpace(s.text)
		if s.text != "" {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		return nil, &scoring.InputError{File: name, Msg: "the ASR result holds no speech (every sentence is empty)"}
	}
	if len(kept) > scoring.MaxUtterances {
		return nil, &scoring.InputError{File: name, Msg: fmt.Sprintf("%d sentences, over the limit of %d", len(kept), scoring.MaxUtterances)}
	}
	sort.SliceStable(kept, func(a, b int) bool { return kept[a].start < kept[b].start })
	res.segs = kept
	speakers, note := assignRoles(res, layout, agentChannel, l.Roles)
	t.RolesNote = note
	t.Utterances = make([]scoring.Utterance, len(kept))
	for i, s := range kept {
		t.Utterances[i] = scoring.Utterance{Speaker: speakers[i], Timed: true, StartMS: s.start, EndMS: s.end, Text: s.text}
	}
	// Whatever the adapters made must be a valid v1 transcript: round-trip
	// it through the one parser the scorer trusts.
	out, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("adapt: encode %s: %w", name, err)
	}
	return scoring.ParseTranscript(name, out)
}

type cdrFile struct {
	name   string
	format Format
	tree   any
	data   []byte
	tag    string
}

// readSidecars detects and reads the sidecars: at most one metadata file
// and any number of CDRs.
func (l *Loader) readSidecars(sidecars []Sidecar) (meta, []cdrFile, error) {
	var md meta
	var mdName string
	var cdrs []cdrFile
	for _, sc := range sidecars {
		f, tree, err := detect(sc.Data)
		if err != nil {
			return md, nil, withFile(err, sc.Name)
		}
		switch {
		case f == FormatMeta:
			if mdName != "" {
				return md, nil, &scoring.InputError{File: sc.Name, Msg: "a second metadata file for the call (the first is " + mdName + ")"}
			}
			if md, err = parseMeta(tree); err != nil {
				return md, nil, withFile(err, sc.Name)
			}
			mdName = sc.Name
		case f.IsSidecar():
			_, _, tag := splitName(sc.Name)
			cdrs = append(cdrs, cdrFile{name: sc.Name, format: f, tree: tree, data: sc.Data, tag: tag})
		default:
			return md, nil, &scoring.InputError{File: sc.Name, Msg: fmt.Sprintf("holds a %s transcript, not a CDR or metadata", f)}
		}
	}
	return md, cdrs, nil
}

// fillOpen lets sidecars complete a v1 transcript where it leaves fields
// open, never overriding what it says.
func fillOpen(t *scoring.Transcript, md meta, cdr callInfo, haveCDR bool) {
	if t.HangupBy == scoring.HangupUnknown {
		switch {
		case md.hangupBy != "":
			t.HangupBy = md.hangupBy
		case haveCDR:
			t.HangupBy = cdr.hangup
		}
	}
	if t.RingMS == nil {
		t.RingMS = firstPtr(md.ringMS, cdr.ringMS)
	}
	if t.DurationMS == nil {
		t.DurationMS = firstPtr(md.durationMS, cdr.durationMS)
	}
	if t.Team == "" {
		t.Team = md.team
	}
}

func firstPtr(ps ...*int64) *int64 {
	for _, p := range ps {
		if p != nil {
			v := *p
			return &v
		}
	}
	return nil
}

// sidecarName suggests the name a sidecar of format f should have.
func sidecarName(key string, f Format) string {
	base := filepath.Base(key)
	switch f {
	case FormatMeta:
		return base + ".meta.json"
	case FormatAsteriskCEL:
		return base + ".cel.json"
	}
	return base + ".cdr.json"
}
