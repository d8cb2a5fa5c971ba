package textnorm

import (
	"slices"
	"strings"
	"sync"

	"github.com/mozillazg/go-pinyin"
)

// The syllable table covers CJK Unified Ideographs Extension A and the main
// block (U+3400–U+9FFF); 〇 (U+3007) is looked up on its own.
const (
	pinyinLo = 0x3400
	pinyinHi = 0xA000
	ling     = '〇'
)

// syllables is the table behind Syllable and SyllableName.
type syllables struct {
	ids   []uint16 // id+1 of rune pinyinLo+i's syllable, 0 if it has none
	ling  uint16   // id+1 of 〇's syllable
	names []string // syllable names by id, sorted
}

// syllableTable builds the table once from go-pinyin's dictionary: the
// default (first) reading of each rune in Style Normal, without tone.
var syllableTable = sync.OnceValue(func() *syllables {
	args := pinyin.Args{Style: pinyin.Normal}
	// Many runes share a reading; convert each distinct raw reading once.
	byRaw := make(map[string]string)
	names := make(map[string]bool)
	read := func(r rune) string {
		raw, ok := pinyin.PinyinDict[int(r)]
		if !ok {
			return ""
		}
		raw, _, _ = strings.Cut(raw, ",")
		name, ok := byRaw[raw]
		if !ok {
			if p := pinyin.SinglePinyin(r, args); len(p) > 0 {
				name = p[0]
			}
			byRaw[raw] = name
		}
		if name != "" {
			names[name] = true
		}
		return name
	}
	raw := make([]string, pinyinHi-pinyinLo)
	for i := range raw {
		raw[i] = read(pinyinLo + rune(i))
	}
	lingName := read(ling)

	s := &syllables{ids: make([]uint16, len(raw))}
	for name := range names {
		s.names = append(s.names, name)
	}
	slices.Sort(s.names)
	id := func(name string) uint16 {
		if name == "" {
			return 0
		}
		i, _ := slices.BinarySearch(s.names, name)
		return uint16(i + 1)
	}
	for i, name := range raw {
		s.ids[i] = id(name)
	}
	s.ling = id(lingName)
	return s
})

// Syllable returns the id of the toneless pinyin syllable of the Han rune r:
// its default reading in go-pinyin, Style Normal. Homophones share an id
// (归 and 规 are both gui, 妈 and 吗 both ma), so comparing ids compares
// sounds. It reports false for runes outside U+3400–U+9FFF other than 〇, and
// for those go-pinyin has no reading of. Ids are dense, from 0, and stable
// for one go-pinyin version only: do not store them.
func Syllable(r rune) (id uint16, ok bool) {
	s := syllableTable()
	var v uint16
	switch {
	case r >= pinyinLo && r < pinyinHi:
		v = s.ids[r-pinyinLo]
	case r == ling:
		v = s.ling
	}
	if v == 0 {
		return 0, false
	}
	return v - 1, true
}

// SyllableName returns the toneless pinyin of a syllable id, such as "gui",
// or "" for an id Syllable never returns. ü is written v, as in lv.
func SyllableName(id uint16) string {
	s := syllableTable()
	if int(id) >= len(s.names) {
		return ""
	}
	return s.names[id]
}
