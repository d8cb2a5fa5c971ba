package textnorm

import "testing"

func TestSyllableHomophones(t *testing.T) {
	tests := []struct {
		a, b rune
		same bool
	}{
		{'归', '规', true},
		{'恒', '衡', true},
		{'妈', '吗', true},
		{'永', '勇', true},
		{'恒', '红', false},
		{'归', '桂', true}, // tones are ignored: guī and guì
		{'有', '友', true},
		{'电', '店', true},
		{'电', '费', false},
	}
	for _, tt := range tests {
		ia, oka := Syllable(tt.a)
		ib, okb := Syllable(tt.b)
		if !oka || !okb {
			t.Errorf("Syllable(%q), Syllable(%q): ok = %v, %v; want both true", tt.a, tt.b, oka, okb)
			continue
		}
		if (ia == ib) != tt.same {
			t.Errorf("Syllable(%q) = %s, Syllable(%q) = %s; same = %v, want %v",
				tt.a, SyllableName(ia), tt.b, SyllableName(ib), ia == ib, tt.same)
		}
	}
}

func TestSyllableName(t *testing.T) {
	tests := []struct {
		r    rune
		want string
	}{
		{'归', "gui"},
		{'中', "zhong"},
		{'绿', "lv"},
		{'女', "nv"},
		{'〇', "ling"},
		{'㐀', "qiu"},   // Extension A
		{'長', "zhang"}, // traditional runes have readings too
		{'的', "de"},    // the default reading of a heteronym
	}
	for _, tt := range tests {
		id, ok := Syllable(tt.r)
		if !ok {
			t.Errorf("Syllable(%q) not ok", tt.r)
			continue
		}
		if got := SyllableName(id); got != tt.want {
			t.Errorf("SyllableName(Syllable(%q)) = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestSyllableNotHan(t *testing.T) {
	for _, r := range []rune{'a', '1', ' ', '，', 'カ', '𠀀', 0x4DC0, -1, 0x10FFFF + 1} {
		if id, ok := Syllable(r); ok {
			t.Errorf("Syllable(%U) = %d (%s), true; want false", r, id, SyllableName(id))
		}
	}
}

func TestSyllableTable(t *testing.T) {
	count := 0
	seen := make(map[uint16]bool)
	for r := rune(pinyinLo); r < pinyinHi; r++ {
		id, ok := Syllable(r)
		if !ok {
			continue
		}
		count++
		seen[id] = true
		if SyllableName(id) == "" {
			t.Fatalf("Syllable(%q) = %d, which has no name", r, id)
		}
	}
	// go-pinyin v0.21.0 reads 26702 of these runes, as about 410 syllables.
	if count < 25000 || len(seen) < 380 || len(seen) > 450 {
		t.Errorf("table reads %d runes as %d syllables, want over 25000 runes and 380 to 450 syllables", count, len(seen))
	}
	if got := SyllableName(uint16(len(seen))); got != "" {
		t.Errorf("SyllableName(%d) = %q past the last id, want \"\"", len(seen), got)
	}
}
