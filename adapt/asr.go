package adapt

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// labelKind says what the per-sentence label of an ASR result is.
type labelKind int

const (
	// labelsNone: the result carries no channel or speaker label.
	labelsNone labelKind = iota
	// labelsChannel: the label is the audio channel of a dual-channel
	// recording; roles come from the channel map.
	labelsChannel
	// labelsSpeaker: the label is a diarization cluster of mono audio;
	// roles come from what each speaker says.
	labelsSpeaker
	// labelsEither: the vendor uses one field for both (Tencent's
	// SpeakerId); the layout setting decides, and without one the label
	// is read as a speaker.
	labelsEither
)

// segment is one sentence of an ASR result.
type segment struct {
	label    string
	hasLabel bool
	start    int64
	end      int64
	text     string
	path     string // JSON path of the sentence, for error messages
}

// asrResult is what every vendor parser produces.
type asrResult struct {
	format Format
	kind   labelKind
	segs   []segment
	// audioMS is the audio length the vendor reports, if any.
	audioMS *int64
}

// parseASR reads the ASR result tree of format f.
func parseASR(f Format, tree any) (*asrResult, error) {
	switch f {
	case FormatAliyun:
		return parseAliyun(tree)
	case FormatTencent:
		return parseTencent(tree)
	case FormatLfasr:
		return parseLfasr(tree)
	case FormatLfasrOrder:
		return parseLfasrOrder(tree)
	case FormatFunASR:
		return parseFunASR(tree)
	}
	return nil, fmt.Errorf("adapt: %s is not an ASR format", f)
}

// times reads the start and end of a sentence from the members named by
// startKeys and endKeys of m.
func times(m map[string]any, path string, startKeys, endKeys []string) (int64, int64, error) {
	sv, ok := field(m, startKeys...)
	if !ok {
		return 0, 0, inputErr(path+"."+startKeys[0], "required field is missing")
	}
	start, err := parseMillis(sv)
	if err != nil {
		return 0, 0, inputErr(path+"."+startKeys[0], "%v", err)
	}
	ev, ok := field(m, endKeys...)
	if !ok {
		return 0, 0, inputErr(path+"."+endKeys[0], "required field is missing")
	}
	end, err := parseMillis(ev)
	if err != nil {
		return 0, 0, inputErr(path+"."+endKeys[0], "%v", err)
	}
	if end < start {
		return 0, 0, inputErr(path+"."+endKeys[0], "ends before it starts (%d < %d)", end, start)
	}
	return start, end, nil
}

// text reads a sentence's text from the first member of m named by keys.
func text(m map[string]any, path string, keys ...string) (string, error) {
	v, ok := field(m, keys...)
	if !ok {
		return "", inputErr(path+"."+keys[0], "required field is missing")
	}
	if v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", inputErr(path+"."+keys[0], "want a string, got %s", kindOf(v))
	}
	return s, nil
}

// label reads an optional channel or speaker label (a number or a string).
func label(m map[string]any, path string, keys ...string) (string, bool, error) {
	v, ok := field(m, keys...)
	if !ok || v == nil {
		return "", false, nil
	}
	s, ok := scalar(v)
	if !ok {
		return "", false, inputErr(path+"."+keys[0], "want a number or a string, got %s", kindOf(v))
	}
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil && n == float64(int64(n)) {
		s = strconv.FormatInt(int64(n), 10) // 1.0 and "1" are the same label
	}
	return s, s != "", nil
}

// ---- Alibaba Cloud ----

func aliyunSentences(v any) ([]any, error) {
	m, ok := asObject(v)
	if !ok {
		return nil, fmt.Errorf("want an object with Result.Sentences, got %s", kindOf(v))
	}
	r, ok := objField(m, "Result")
	if !ok {
		// A task that recognised nothing has a status but no Result.
		if _, hasTask := field(m, "TaskId"); hasTask && strField(m, "StatusText") != "" {
			return nil, nil
		}
		return nil, errors.New(`no "Result" object`)
	}
	s, ok := arrField(r, "Sentences")
	if !ok {
		return nil, errors.New(`no "Result.Sentences" array`)
	}
	return s, nil
}

// sentence reads what every vendor's sentence object has: its start and
// end times and its text (the first of textKeys present). It returns the
// object too, for the vendor's own fields.
func sentence(v any, path, startKey, endKey string, textKeys ...string) (map[string]any, segment, error) {
	s, ok := asObject(v)
	if !ok {
		return nil, segment{}, inputErr(path, "want an object, got %s", kindOf(v))
	}
	start, end, err := times(s, path, []string{startKey}, []string{endKey})
	if err != nil {
		return nil, segment{}, err
	}
	txt, err := text(s, path, textKeys...)
	if err != nil {
		return nil, segment{}, err
	}
	return s, segment{start: start, end: end, text: txt, path: path}, nil
}

func parseAliyun(tree any) (*asrResult, error) {
	m, _ := asObject(tree)
	if st := strField(m, "StatusText"); st != "" && st != "SUCCESS" {
		if st == "SUCCESS_WITH_NO_VALID_FRAGMENT" {
			return nil, inputErr("StatusText", "the task recognised no speech (%s)", st)
		}
		return nil, inputErr("StatusText", "the task did not succeed (%s)", st)
	}
	sents, err := aliyunSentences(tree)
	if err != nil {
		return nil, inputErr("Result.Sentences", "%v", err)
	}
	res := &asrResult{format: FormatAliyun}
	speakers, channels := false, false
	for i, sv := range sents {
		path := fmt.Sprintf("Result.Sentences[%d]", i)
		s, seg, err := sentence(sv, path, "BeginTime", "EndTime", "Text")
		if err != nil {
			return nil, err
		}
		// SpeakerId (speaker diarization) wins over ChannelId, which then
		// only numbers the one track.
		if l, ok, err := label(s, path, "SpeakerId"); err != nil {
			return nil, err
		} else if ok {
			seg.label, seg.hasLabel, speakers = l, true, true
		} else if l, ok, err := label(s, path, "ChannelId"); err != nil {
			return nil, err
		} else if ok {
			seg.label, seg.hasLabel, channels = l, true, true
		}
		res.segs = append(res.segs, seg)
	}
	switch {
	case speakers:
		res.kind = labelsSpeaker
	case channels:
		res.kind = labelsChannel
	}
	if v, ok := field(m, "BizDuration"); ok {
		if n, err := parseMillis(v); err == nil {
			res.audioMS = &n
		}
	}
	return res, nil
}

// ---- Tencent Cloud ----

// tencentData finds the task data object holding ResultDetail: the
// DescribeTaskStatus response ({"Response":{"Data":…}}), its Data object,
// or a bare object with ResultDetail.
func tencentData(v any) (map[string]any, error) {
	m, ok := asObject(v)
	if !ok {
		return nil, fmt.Errorf("want an object with ResultDetail, got %s", kindOf(v))
	}
	if r, ok := objField(m, "Response"); ok {
		m = r
	}
	if d, ok := objField(m, "Data"); ok {
		m = d
	}
	if _, ok := field(m, "ResultDetail"); !ok {
		return nil, errors.New(`no "ResultDetail" array (looked in Response.Data, Data and at the top)`)
	}
	return m, nil
}

func tencentDetails(v any) ([]any, error) {
	d, err := tencentData(v)
	if err != nil {
		return nil, err
	}
	rd, _ := field(d, "ResultDetail")
	if rd == nil {
		return nil, nil
	}
	a, ok := asArray(rd)
	if !ok {
		return nil, fmt.Errorf(`"ResultDetail" is %s, not an array`, kindOf(rd))
	}
	return a, nil
}

func parseTencent(tree any) (*asrResult, error) {
	d, err := tencentData(tree)
	if err != nil {
		return nil, inputErr("ResultDetail", "%v", err)
	}
	if sv, ok := field(d, "Status"); ok {
		switch s, _ := scalar(sv); s {
		case "2", "":
		case "3":
			return nil, inputErr("Data.Status", "the task failed: %s", truncate(strField(d, "ErrorMsg"), 200))
		default:
			return nil, inputErr("Data.Status", "the task has not finished (status %s %s)", s, strField(d, "StatusStr"))
		}
	}
	details, err := tencentDetails(tree)
	if err != nil {
		return nil, inputErr("ResultDetail", "%v", err)
	}
	res := &asrResult{format: FormatTencent}
	for i, sv := range details {
		path := fmt.Sprintf("ResultDetail[%d]", i)
		s, seg, err := sentence(sv, path, "StartMs", "EndMs", "FinalSentence")
		if err != nil {
			return nil, err
		}
		if l, ok, err := label(s, path, "SpeakerId"); err != nil {
			return nil, err
		} else if ok {
			seg.label, seg.hasLabel = l, true
			res.kind = labelsEither
		}
		res.segs = append(res.segs, seg)
	}
	if v, ok := field(d, "AudioDuration"); ok {
		// AudioDuration is in seconds (a float).
		if s, ok := scalar(v); ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f < float64(maxMillis/1000) {
				n := int64(f * 1000)
				res.audioMS = &n
			}
		}
	}
	return res, nil
}

// ---- iFlytek lfasr, first API ----

// lfasrItems finds the [{bg, ed, onebest, speaker}] list: bare, or the
// "data" member (a JSON string or an array) of the getResult response.
func lfasrItems(v any) ([]any, error) {
	if m, ok := asObject(v); ok {
		d, ok := field(m, "data")
		if !ok {
			return nil, errors.New(`want [{bg, ed, onebest, speaker}] or an object with "data", found neither`)
		}
		if s, ok := d.(string); ok {
			inner, err := decodeTree([]byte(s))
			if err != nil {
				return nil, fmt.Errorf(`"data" is a string but not JSON: %v`, err)
			}
			d = inner
		}
		v = d
	}
	a, ok := asArray(v)
	if !ok {
		return nil, fmt.Errorf("want an array of {bg, ed, onebest, speaker}, got %s", kindOf(v))
	}
	if len(a) == 0 {
		return nil, errors.New("empty array: no sentence to tell the format by")
	}
	first, ok := asObject(a[0])
	if !ok {
		return nil, fmt.Errorf("array elements are %s, not {bg, ed, onebest, speaker}", kindOf(a[0]))
	}
	if _, ok := field(first, "onebest"); !ok {
		return nil, errors.New(`first element has no "onebest"`)
	}
	return a, nil
}

func parseLfasr(tree any) (*asrResult, error) {
	if m, ok := asObject(tree); ok {
		if v, ok := field(m, "err_no"); ok {
			if s, _ := scalar(v); s != "" && s != "0" {
				return nil, inputErr("err_no", "the task failed (err_no %s): %s", s, truncate(strField(m, "failed"), 200))
			}
		}
	}
	items, err := lfasrItems(tree)
	if err != nil {
		return nil, inputErr("data", "%v", err)
	}
	res := &asrResult{format: FormatLfasr, kind: labelsSpeaker}
	for i, iv := range items {
		path := fmt.Sprintf("[%d]", i)
		it, ok := asObject(iv)
		if !ok {
			return nil, inputErr(path, "want an object, got %s", kindOf(iv))
		}
		start, end, err := times(it, path, []string{"bg"}, []string{"ed"})
		if err != nil {
			return nil, err
		}
		txt, err := text(it, path, "onebest")
		if err != nil {
			return nil, err
		}
		l, ok, err := label(it, path, "speaker")
		if err != nil {
			return nil, err
		}
		res.segs = append(res.segs, segment{label: l, hasLabel: ok, start: start, end: end, text: txt, path: path})
	}
	return res, nil
}

// ---- iFlytek lfasr, v2 API (orderResult) ----

// lfasrLattice finds the lattice list: in content.orderResult of the
// getResult response, in a top-level orderResult, or in an orderResult
// object given bare. orderResult may be a JSON string or an object;
// "lattice" (smoothed) is preferred to "lattice2".
func lfasrLattice(v any) ([]any, error) {
	m, ok := asObject(v)
	if !ok {
		return nil, fmt.Errorf("want an object with orderResult or lattice, got %s", kindOf(v))
	}
	if c, ok := objField(m, "content"); ok {
		m = c
	}
	if or, ok := field(m, "orderResult"); ok {
		if s, ok := or.(string); ok && s == "" {
			// An unfinished or failed order has an empty orderResult;
			// its orderInfo says why.
			if _, ok := objField(m, "orderInfo"); ok {
				return nil, nil
			}
			return nil, errors.New(`"orderResult" is empty`)
		}
		if s, ok := or.(string); ok {
			inner, err := decodeTree([]byte(s))
			if err != nil {
				return nil, fmt.Errorf(`"orderResult" is a string but not JSON: %v`, err)
			}
			or = inner
		}
		om, ok := asObject(or)
		if !ok {
			return nil, fmt.Errorf(`"orderResult" is %s, not an object`, kindOf(or))
		}
		m = om
	}
	for _, k := range []string{"lattice", "lattice2"} {
		if a, ok := arrField(m, k); ok {
			return a, nil
		}
	}
	return nil, errors.New(`no "orderResult" with a "lattice" array`)
}

func parseLfasrOrder(tree any) (*asrResult, error) {
	if m, ok := asObject(tree); ok {
		if c, ok := objField(m, "content"); ok {
			if oi, ok := objField(c, "orderInfo"); ok {
				if s := strField(oi, "status"); s != "" && s != "4" {
					return nil, inputErr("content.orderInfo.status", "the order is not finished or failed (status %s, failType %s)", s, strField(oi, "failType"))
				}
			}
		}
	}
	lat, err := lfasrLattice(tree)
	if err != nil {
		return nil, inputErr("orderResult", "%v", err)
	}
	res := &asrResult{format: FormatLfasrOrder, kind: labelsSpeaker}
	for i, lv := range lat {
		path := fmt.Sprintf("lattice[%d]", i)
		l, ok := asObject(lv)
		if !ok {
			return nil, inputErr(path, "want an object, got %s", kindOf(lv))
		}
		jb, ok := field(l, "json_1best")
		if !ok {
			return nil, inputErr(path+".json_1best", "required field is missing")
		}
		if s, ok := jb.(string); ok {
			inner, err := decodeTree([]byte(s))
			if err != nil {
				return nil, inputErr(path+".json_1best", "a string but not JSON: %v", err)
			}
			jb = inner
		}
		jm, ok := asObject(jb)
		if !ok {
			return nil, inputErr(path+".json_1best", "want an object, got %s", kindOf(jb))
		}
		st, ok := objField(jm, "st")
		if !ok {
			return nil, inputErr(path+".json_1best.st", "required object is missing")
		}
		sp := path + ".json_1best.st"
		start, end, err := times(st, sp, []string{"bg"}, []string{"ed"})
		if err != nil {
			return nil, err
		}
		txt, err := latticeText(st, sp)
		if err != nil {
			return nil, err
		}
		lbl, has, err := label(st, sp, "rl")
		if err != nil {
			return nil, err
		}
		res.segs = append(res.segs, segment{label: lbl, hasLabel: has, start: start, end: end, text: txt, path: sp})
	}
	return res, nil
}

// latticeText joins the best candidate of every word of st.rt[].ws[],
// skipping the empty segment markers (wp "g").
func latticeText(st map[string]any, path string) (string, error) {
	rt, ok := arrField(st, "rt")
	if !ok {
		return "", inputErr(path+".rt", "required array is missing")
	}
	var b strings.Builder
	for i, rv := range rt {
		r, ok := asObject(rv)
		if !ok {
			return "", inputErr(fmt.Sprintf("%s.rt[%d]", path, i), "want an object, got %s", kindOf(rv))
		}
		ws, _ := arrField(r, "ws")
		for j, wv := range ws {
			w, ok := asObject(wv)
			if !ok {
				return "", inputErr(fmt.Sprintf("%s.rt[%d].ws[%d]", path, i, j), "want an object, got %s", kindOf(wv))
			}
			cw, _ := arrField(w, "cw")
			if len(cw) == 0 {
				continue
			}
			c, ok := asObject(cw[0])
			if !ok {
				return "", inputErr(fmt.Sprintf("%s.rt[%d].ws[%d].cw[0]", path, i, j), "want an object, got %s", kindOf(cw[0]))
			}
			if strField(c, "wp") == "g" {
				continue
			}
			b.WriteString(strField(c, "w"))
		}
	}
	return b.String(), nil
}

// ---- FunASR / Paraformer ----

// funasrSentences finds sentence_info in FunASR's generate() output: a
// list holding one result object, or the result object itself.
func funasrSentences(v any) ([]any, error) {
	if a, ok := asArray(v); ok {
		if len(a) == 0 {
			return nil, errors.New("empty array: no result")
		}
		first, ok := asObject(a[0])
		if !ok {
			return nil, fmt.Errorf("array elements are %s, not result objects", kindOf(a[0]))
		}
		if _, ok := field(first, "sentence_info"); !ok {
			return nil, errors.New(`first result has no "sentence_info"`)
		}
		if len(a) > 1 {
			return nil, fmt.Errorf("holds %d results: write one call per file", len(a))
		}
		v = first
	}
	m, ok := asObject(v)
	if !ok {
		return nil, fmt.Errorf("want a result object with sentence_info, got %s", kindOf(v))
	}
	si, ok := field(m, "sentence_info")
	if !ok {
		return nil, errors.New(`no "sentence_info" array`)
	}
	a, ok := asArray(si)
	if !ok {
		return nil, fmt.Errorf(`"sentence_info" is %s, not an array`, kindOf(si))
	}
	return a, nil
}

func parseFunASR(tree any) (*asrResult, error) {
	sents, err := funasrSentences(tree)
	if err != nil {
		return nil, inputErr("sentence_info", "%v", err)
	}
	res := &asrResult{format: FormatFunASR}
	for i, sv := range sents {
		path := fmt.Sprintf("sentence_info[%d]", i)
		// Paraformer writes "text", SenseVoice "sentence".
		s, seg, err := sentence(sv, path, "start", "end", "text", "sentence")
		if err != nil {
			return nil, err
		}
		if seg.label, seg.hasLabel, err = label(s, path, "spk"); err != nil {
			return nil, err
		}
		if seg.hasLabel {
			res.kind = labelsSpeaker
		}
		res.segs = append(res.segs, seg)
	}
	return res, nil
}
