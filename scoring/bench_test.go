package scoring_test

import (
	"os"
	"path/filepath"
	"testing"

	"callqa/lexicon"
	"callqa/scoring"
)

// corpus loads the transcripts of testcalls/.
func corpus(b *testing.B) []*scoring.Transcript {
	b.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil {
		b.Fatal(err)
	}
	var out []*scoring.Transcript
	for _, f := range files {
		if filepath.Base(f) == "golden.json" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		t, err := scoring.ParseTranscript(f, data)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, t)
	}
	return out
}

// BenchmarkScoreCorpus scores every corpus call once per iteration.
// Compare with BenchmarkSegmentCorpus: the ratio is what the rules cost on
// top of segmentation.
func BenchmarkScoreCorpus(b *testing.B) {
	e := testEngine(b)
	calls := corpus(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, t := range calls {
			if _, err := e.Score(t); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportPerCall(b, len(calls))
}

// BenchmarkSegmentCorpus segments every utterance of every corpus call
// with the shared gse segmenter, and does nothing else: the baseline.
func BenchmarkSegmentCorpus(b *testing.B) {
	lex, err := lexicon.Default()
	if err != nil {
		b.Fatal(err)
	}
	seg, err := scoring.NewSegmenter(lex)
	if err != nil {
		b.Fatal(err)
	}
	calls := corpus(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, t := range calls {
			for _, u := range t.Utterances {
				seg.Cut(u.Text)
			}
		}
	}
	reportPerCall(b, len(calls))
}

func reportPerCall(b *testing.B, calls int) {
	n := float64(b.N) * float64(calls)
	b.ReportMetric(n/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/call")
}

// BenchmarkParseCorpus parses every corpus transcript once per iteration:
// what the worker spends on a call before scoring it.
func BenchmarkParseCorpus(b *testing.B) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil {
		b.Fatal(err)
	}
	var data [][]byte
	for _, f := range files {
		if filepath.Base(f) == "golden.json" {
			continue
		}
		d, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		data = append(data, d)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, d := range data {
			if _, err := scoring.ParseTranscript("call.json", d); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportPerCall(b, len(data))
}
