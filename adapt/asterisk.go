package adapt

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"callqa/scoring"
)

// row is one record of an Asterisk CEL or CDR table, with lower-case
// column names.
type row map[string]string

func (r row) get(names ...string) string {
	for _, n := range names {
		if v, ok := r[n]; ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func rowFromObject(m map[string]any) row {
	r := row{}
	for k, v := range m {
		if s, ok := scalar(v); ok {
			r[strings.ToLower(k)] = s
		} else if o, ok := asObject(v); ok && strings.EqualFold(k, "extra") {
			// Some exporters store the CEL extra blob as an object.
			r["extra"] = objectJSON(o)
		}
	}
	return r
}

// objectJSON renders the scalar members of o as a JSON object; used only
// to carry an "extra" object through the string-valued row.
func objectJSON(o map[string]any) string {
	var b bytes.Buffer
	b.WriteByte('{')
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		s, _ := scalar(o[k])
		fmt.Fprintf(&b, "%q:%q", k, s)
	}
	b.WriteByte('}')
	return b.String()
}

// ---- CEL ----

var celTypeKeys = []string{"eventtype", "eventname", "event_type"}

// celRows returns the CEL events of a JSON array of CEL records.
func celRows(v any) ([]row, error) {
	a, ok := asArray(v)
	if !ok {
		return nil, fmt.Errorf("want an array of CEL events, got %s", kindOf(v))
	}
	if len(a) == 0 {
		return nil, errors.New("empty array: no CEL event")
	}
	rows := make([]row, 0, len(a))
	for i, e := range a {
		m, ok := asObject(e)
		if !ok {
			return nil, fmt.Errorf("element %d is %s, not a CEL event", i, kindOf(e))
		}
		r := rowFromObject(m)
		if r.get(celTypeKeys...) == "" {
			return nil, fmt.Errorf(`element %d has no "eventtype"`, i)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func celRowsFrom(tree any, data []byte) ([]row, error) {
	if tree != nil {
		rows, err := celRows(tree)
		if err != nil {
			return nil, inputErr("", "%v", err)
		}
		return rows, nil
	}
	rows, _, err := csvRows(data)
	return rows, err
}

type celEvent struct {
	typ      string
	at       time.Time
	channel  string
	uniqueid string
	linkedid string
	extra    map[string]any
	order    int
}

func parseCEL(rows []row, cx cdrContext) (callInfo, error) {
	evs := make([]celEvent, 0, len(rows))
	for i, r := range rows {
		e := celEvent{
			typ:      strings.TrimPrefix(strings.ToUpper(r.get(celTypeKeys...)), "AST_CEL_"),
			channel:  r.get("channame", "channel", "channel_name"),
			uniqueid: r.get("uniqueid", "unique_id"),
			linkedid: r.get("linkedid", "linked_id"),
			order:    i,
		}
		if t, ok := parseSwitchTime(r.get("eventtime", "event_time", "timestamp"), cx.loc); ok {
			e.at = t
		}
		if x := r.get("extra", "eventextra"); x != "" {
			if tree, err := decodeTree([]byte(x)); err == nil {
				e.extra, _ = asObject(tree)
			}
		}
		evs = append(evs, e)
	}
	sort.SliceStable(evs, func(a, b int) bool {
		if !evs[a].at.Equal(evs[b].at) && !evs[a].at.IsZero() && !evs[b].at.IsZero() {
			return evs[a].at.Before(evs[b].at)
		}
		return evs[a].order < evs[b].order
	})

	// The originating channel is the one whose uniqueid is the linkedid;
	// failing that, the first channel to start.
	var first, origin string
	chans := map[string]bool{}
	var chanOrder []string
	for _, e := range evs {
		if e.channel == "" {
			continue
		}
		if !chans[e.channel] {
			chans[e.channel] = true
			chanOrder = append(chanOrder, e.channel)
		}
		if first == "" && e.typ == "CHAN_START" {
			first = e.channel
		}
		if origin == "" && e.uniqueid != "" && e.uniqueid == e.linkedid {
			origin = e.channel
		}
	}
	if origin == "" {
		origin = first
	}
	if origin == "" && len(chanOrder) > 0 {
		origin = chanOrder[0]
	}
	if origin == "" {
		return callInfo{}, inputErr("channame", "no CEL event names a channel")
	}
	// On an inbound call the customer's channel originates and the agent's
	// is dialed; on an outbound call the other way round.
	roleOf := func(ch string) legRole {
		isOrigin := ch == origin
		if (cx.direction == scoring.Outbound) == isOrigin {
			return legAgent
		}
		return legCustomer
	}
	var agentChan, otherChan string
	for _, ch := range chanOrder {
		if roleOf(ch) == legAgent && agentChan == "" {
			agentChan = ch
		}
		if ch != origin && otherChan == "" {
			otherChan = ch
		}
	}

	info := callInfo{hangup: scoring.HangupUnknown}
	at := func(typ, ch string) time.Time {
		for _, e := range evs {
			if e.typ == typ && e.channel == ch {
				return e.at
			}
		}
		return time.Time{}
	}
	info.startedAt = at("CHAN_START", origin)
	ringCh := origin
	if otherChan != "" && !at("ANSWER", otherChan).IsZero() {
		ringCh = otherChan
	}
	answer := at("ANSWER", ringCh)
	info.ringMS = spanMS(at("CHAN_START", ringCh), answer)
	var hangupAt time.Time
	var source string
	for _, e := range evs {
		if e.typ != "HANGUP" {
			continue
		}
		if hangupAt.IsZero() {
			hangupAt = e.at
		}
		if s, _ := scalar(e.extra["hangupsource"]); strings.TrimSpace(s) != "" && source == "" {
			source = strings.TrimSpace(s)
		}
	}
	info.durationMS = spanMS(answer, hangupAt)
	if agentChan != "" {
		info.agentExt = extensionOf(agentChan)
	}
	info.hangup, info.hangupWhy = hangupBySource(source, chanOrder, roleOf)
	return info, nil
}

// hangupBySource maps Asterisk's CHANNEL(hangupsource) onto a side.
func hangupBySource(source string, chans []string, roleOf func(string) legRole) (scoring.HangupSide, string) {
	switch {
	case source == "":
		return scoring.HangupUnknown, "no hangupsource recorded"
	case strings.HasPrefix(strings.ToLower(source), "dialplan/"):
		return scoring.HangupSystem, "hangupsource=" + source
	}
	for _, ch := range chans {
		if sameChannel(ch, source) {
			return scoring.HangupSide(roleOf(ch)), "hangupsource=" + source
		}
	}
	return scoring.HangupUnknown, fmt.Sprintf("hangupsource=%s is none of the call's channels", source)
}

// ---- CDR ----

// astCDRKeys must all be present in an Asterisk CDR row.
var astCDRKeys = []string{"channel", "dstchannel"}

func astCDRRow(v any) (row, error) {
	if a, ok := asArray(v); ok {
		if len(a) != 1 {
			return nil, fmt.Errorf("want one CDR row, got an array of %d", len(a))
		}
		v = a[0]
	}
	m, ok := asObject(v)
	if !ok {
		return nil, fmt.Errorf("want a CDR row object, got %s", kindOf(v))
	}
	r := rowFromObject(m)
	for _, k := range astCDRKeys {
		if _, ok := r[k]; !ok {
			return nil, fmt.Errorf("no %q column", k)
		}
	}
	if r.get("start", "calldate", "answer", "billsec") == "" {
		return nil, errors.New(`no "start", "calldate", "answer" or "billsec" column`)
	}
	return r, nil
}

func astCDRRowFrom(tree any, data []byte) (row, error) {
	if tree != nil {
		r, err := astCDRRow(tree)
		if err != nil {
			return nil, inputErr("", "%v", err)
		}
		return r, nil
	}
	rows, _, err := csvRows(data)
	if err != nil {
		return nil, err
	}
	if len(rows) != 1 {
		return nil, inputErr("", "want one CDR row, got %d", len(rows))
	}
	return rows[0], nil
}

func parseAsteriskCDR(r row, cx cdrContext) (callInfo, error) {
	info := callInfo{hangup: scoring.HangupUnknown}
	caller, callee := r.get("channel"), r.get("dstchannel")
	roleOf := func(ch string) legRole {
		if (cx.direction == scoring.Outbound) == (ch == caller) {
			return legAgent
		}
		return legCustomer
	}
	source := r.get("hangupsource", "hangup_source")
	if source == "" {
		// CHANNEL(hangupsource) is often kept in the userfield.
		if u := r.get("userfield"); strings.Contains(u, "/") && !strings.ContainsAny(u, " \t") {
			source = u
		}
	}
	info.hangup, info.hangupWhy = hangupBySource(source, []string{caller, callee}, roleOf)
	if source == "" {
		info.hangupWhy = "no hangupsource field (set CDR(hangupsource)=${CHANNEL(hangupsource)} in the dialplan)"
	}
	start, _ := parseSwitchTime(r.get("start", "calldate"), cx.loc)
	answer, _ := parseSwitchTime(r.get("answer"), cx.loc)
	end, _ := parseSwitchTime(r.get("end"), cx.loc)
	info.startedAt = start
	info.ringMS = spanMS(start, answer)
	if n, err := strconv.ParseInt(r.get("billsec"), 10, 64); err == nil && n >= 0 && n < maxMillis/1000 {
		ms := n * 1000
		info.durationMS = &ms
	} else {
		info.durationMS = spanMS(answer, end)
	}
	if ch := map[bool]string{true: caller, false: callee}[cx.direction == scoring.Outbound]; ch != "" {
		info.agentExt = extensionOf(ch)
	}
	return info, nil
}

// ---- CSV ----

// masterCSVColumns is the column order of Asterisk's default cdr-csv
// Master.csv, which has no header row.
var masterCSVColumns = []string{"accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel",
	"lastapp", "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
	"uniqueid", "userfield"}

var cdrDispositions = map[string]bool{"ANSWERED": true, "NO ANSWER": true, "BUSY": true, "FAILED": true, "CONGESTION": true}

// csvRows reads an Asterisk CSV file: CEL or CDR rows under a header row,
// or Master.csv lines.
func csvRows(data []byte) ([]row, Format, error) {
	rd := csv.NewReader(bytes.NewReader(data))
	rd.FieldsPerRecord = -1
	rd.LazyQuotes = true
	recs, err := rd.ReadAll()
	if err != nil {
		return nil, "", inputErr("", "not CSV: %v", err)
	}
	if len(recs) == 0 {
		return nil, "", inputErr("", "empty file")
	}
	header := make([]string, len(recs[0]))
	has := map[string]bool{}
	for i, h := range recs[0] {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		has[header[i]] = true
	}
	var f Format
	lineOffset := 2 // record i is on line i+2 below a header row
	switch {
	case has["eventtype"] || has["eventname"] || has["event_type"]:
		f = FormatAsteriskCEL
	case has["channel"] && has["dstchannel"]:
		f = FormatAsteriskCDR
	case len(recs[0]) >= 16 && len(recs[0]) <= len(masterCSVColumns) && cdrDispositions[strings.TrimSpace(recs[0][14])]:
		header, f = masterCSVColumns, FormatAsteriskCDR
		recs = append([][]string{nil}, recs...) // no header row to skip
		lineOffset = 1
	default:
		return nil, "", inputErr("", "no header row naming eventtype (CEL) or channel and dstchannel (CDR), and not a Master.csv line")
	}
	rows := make([]row, 0, len(recs)-1)
	for i, rec := range recs[1:] {
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) > len(header) {
			return nil, "", &scoring.InputError{Line: i + lineOffset, Msg: fmt.Sprintf("%d columns, the header has %d", len(rec), len(header))}
		}
		r := row{}
		for j, v := range rec {
			r[header[j]] = v
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, "", inputErr("", "a header row and no records")
	}
	return rows, f, nil
}

// detectCSV names the format of an Asterisk CSV file.
func detectCSV(data []byte) (Format, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return "", errors.New("binary data, not CSV")
	}
	_, f, err := csvRows(data)
	if err != nil {
		var ie *scoring.InputError
		if errors.As(err, &ie) {
			return "", errors.New(ie.Msg)
		}
		return "", err
	}
	return f, nil
}
