package scoring_test

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"callqa/scoring"
)

// FuzzScore feeds arbitrary transcripts to the engine: whatever the text
// holds, scoring must not panic, and the record must hold together —
// findings point at utterances that exist, spans lie inside their text and
// give back their evidence, deductions add up to the score.
func FuzzScore(f *testing.F) {
	for _, name := range []string{"hz-011-stairwell-light.json", "hz-012-payment-check-profanity.json", "hz-016-new-connection.json", "hz-024-mono-roles-unknown.json"} {
		data, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	e := testEngine(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := scoring.ParseTranscript("fuzz.json", data)
		if err != nil {
			return
		}
		checkRecord(t, e, tr)
	})
}

// FuzzScoreText scores a fixed dialog whose texts the fuzzer writes: any
// Unicode in any utterance, timed to the fuzzer's choice.
func FuzzScoreText(f *testing.F) {
	f.Add("您好,國網杭州供電公司,請問有什麼可以幫您?", "我家停電了,電話一三八零零零零一二三四", "不知道您说的是哪个小区,麻烦您再说一遍", "他吗的,不规我管“你有病”", uint16(300))
	f.Add("", "\x00\xff", "？？？", "嗯嗯啊那个那个", uint16(0))
	f.Add("喂", "投诉!!!举报", "对吧是吗对吗", "再见", uint16(65535))
	e := testEngine(f)
	f.Fuzz(func(t *testing.T, a1, c1, a2, a3 string, gap uint16) {
		tr := dialog("sgcc-hz", "A: "+a1, "C: "+c1, "A: "+a2, "C: 好", "A: "+a3)
		for i := range tr.Utterances {
			tr.Utterances[i].StartMS += int64(i) * int64(gap)
			tr.Utterances[i].EndMS += int64(i) * int64(gap)
		}
		checkRecord(t, e, tr)
	})
}

// checkRecord scores tr and checks the record holds together.
func checkRecord(t *testing.T, e *scoring.Engine, tr *scoring.Transcript) {
	t.Helper()
	rec, err := e.Score(tr)
	if err != nil {
		if !scoring.IsInputError(err) {
			t.Fatalf("Score error is no input error: %v", err)
		}
		return
	}
	total := 0
	for _, fd := range rec.Findings {
		total += fd.Deduction
		if fd.Utterance < -1 || fd.Utterance >= len(tr.Utterances) {
			t.Fatalf("finding %s points at utterance %d of %d", fd.Rule, fd.Utterance, len(tr.Utterances))
		}
		if fd.Span == nil {
			continue
		}
		text := tr.Utterances[fd.Utterance].Text
		if fd.Span.Start < 0 || fd.Span.End < fd.Span.Start || fd.Span.End > utf8.RuneCountInString(text) {
			t.Fatalf("finding %s span %+v outside %q", fd.Rule, *fd.Span, text)
		}
		if got := string([]rune(text)[fd.Span.Start:fd.Span.End]); got != fd.Evidence {
			t.Fatalf("finding %s evidence %q, span gives %q", fd.Rule, fd.Evidence, got)
		}
	}
	want := max(100-total, 0)
	if rec.Fatal {
		want = 0
	}
	if rec.Score != want {
		t.Fatalf("score %d, deductions %d (fatal %v)", rec.Score, total, rec.Fatal)
	}
}
