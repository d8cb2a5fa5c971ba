package textnorm

import "testing"

// benchUtterance is a realistic agent utterance of about 60 characters:
// Chinese with punctuation, a filler, a spoken phone number and a hotline.
const benchUtterance = "嗯，您好，这里是国网杭州供电公司，您报的电话是一三八一二三四五六七八，户号3301，那个请问还有什么可以帮您？95598"

// BenchmarkNormalize normalizes benchUtterance into a reused Text, the way a
// worker does utterance after utterance; it should report 0 allocs/op.
func BenchmarkNormalize(b *testing.B) {
	n := mustNew(b, DefaultOptions())
	var txt Text
	n.NormalizeInto(&txt, benchUtterance)
	b.SetBytes(int64(len(benchUtterance)))
	b.ReportAllocs()
	for b.Loop() {
		n.NormalizeInto(&txt, benchUtterance)
	}
}

// BenchmarkNormalizeFresh normalizes into a new Text each time.
func BenchmarkNormalizeFresh(b *testing.B) {
	n := mustNew(b, DefaultOptions())
	b.SetBytes(int64(len(benchUtterance)))
	b.ReportAllocs()
	for b.Loop() {
		_ = n.Normalize(benchUtterance)
	}
}

// BenchmarkNormalizeTraditional normalizes traditional text, which takes
// the phrase table often.
func BenchmarkNormalizeTraditional(b *testing.B) {
	const s = "嗯，您好，這裡是國網杭州供電公司，請問您的電費帳單地址是幸福小區三號樓嗎？乾坤一擲，頭髮乾了"
	n := mustNew(b, DefaultOptions())
	var txt Text
	n.NormalizeInto(&txt, s)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		n.NormalizeInto(&txt, s)
	}
}

func BenchmarkToSimplified(b *testing.B) {
	const s = "請問您的電費帳單地址是幸福小區三號樓嗎？乾坤一擲，頭髮乾了"
	b.ReportAllocs()
	for b.Loop() {
		_ = ToSimplified(s)
	}
}

// BenchmarkSyllable looks up every rune of benchUtterance once per op.
func BenchmarkSyllable(b *testing.B) {
	rs := []rune(benchUtterance)
	Syllable('中') // build the table outside the loop
	b.ReportAllocs()
	var sum uint16
	for b.Loop() {
		for _, r := range rs {
			id, _ := Syllable(r)
			sum += id
		}
	}
	_ = sum
}
