package textnorm

import (
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzNormalize checks the invariants of Text on any input: no panic, one
// kind per rune, Src one longer than Runes, non-decreasing and ending at the
// rune count, and NormalizeInto on a used Text giving what Normalize gives.
// Its seed corpus is in testdata/fuzz/FuzzNormalize.
func FuzzNormalize(f *testing.F) {
	f.Add("您好，国网杭州供电公司，请问有什么可以帮您？")
	n := mustNew(f, DefaultOptions())
	var reused Text
	f.Fuzz(func(t *testing.T, s string) {
		txt := n.Normalize(s)
		if len(txt.Kinds) != len(txt.Runes) {
			t.Fatalf("len(Kinds) = %d, len(Runes) = %d", len(txt.Kinds), len(txt.Runes))
		}
		if len(txt.Src) != len(txt.Runes)+1 {
			t.Fatalf("len(Src) = %d, len(Runes) = %d", len(txt.Src), len(txt.Runes))
		}
		for i := 1; i < len(txt.Src); i++ {
			if txt.Src[i] < txt.Src[i-1] {
				t.Fatalf("Src decreases at %d: %v", i, txt.Src)
			}
		}
		if got, want := txt.Src[len(txt.Src)-1], int32(utf8.RuneCountInString(s)); got != want {
			t.Fatalf("Src[last] = %d, want rune count %d", got, want)
		}
		if txt.Src[0] != 0 && len(txt.Runes) > 0 {
			t.Fatalf("Src[0] = %d, want 0", txt.Src[0])
		}
		for i, k := range txt.Kinds {
			r := txt.Runes[i]
			switch {
			case k > Filler:
				t.Fatalf("Kinds[%d] = %v", i, k)
			case k == Boundary && r != ' ':
				t.Fatalf("boundary rune %q at %d, want ' '", r, i)
			case k == Digit && (r < '0' || r > '9'):
				t.Fatalf("digit rune %q at %d", r, i)
			}
		}
		n.NormalizeInto(&reused, s)
		if !slices.Equal(reused.Runes, txt.Runes) || !slices.Equal(reused.Kinds, txt.Kinds) || !slices.Equal(reused.Src, txt.Src) {
			t.Fatalf("NormalizeInto(reused) = %q %v %v, Normalize = %q %v %v",
				reused.String(), reused.Kinds, reused.Src, txt.String(), txt.Kinds, txt.Src)
		}
		_ = ToSimplified(s)
	})
}
