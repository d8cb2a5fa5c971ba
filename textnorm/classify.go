package textnorm

import (
	"unicode"

	"golang.org/x/text/width"
)

// foldWidth maps a full-width rune to its half-width form (and a half-width
// katakana or hangul to its usual wide form), as width.Fold does. Only
// U+20A9, U+3000 and U+FF01–U+FFEE change, so all other runes skip the
// lookup.
func foldWidth(r rune) rune {
	if r < 0x20A9 || (r > 0x20A9 && r < 0x3000) || (r > 0x3000 && r < 0xFF01) || r > 0xFFEE {
		return r
	}
	switch {
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		return r - 0xFF01 + '!'
	case r == 0x3000: // ideographic space
		return ' '
	}
	if f := width.LookupRune(r).Folded(); f != 0 {
		return f
	}
	return r
}

// asciiKinds classifies the ASCII runes: letters, digits, and everything
// else (punctuation, symbols, space, controls) a boundary.
var asciiKinds = func() (k [utf8RuneSelf]Kind) {
	for r := range k {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			k[r] = Latin
		case r >= '0' && r <= '9':
			k[r] = Digit
		default:
			k[r] = Boundary
		}
	}
	return k
}()

// utf8RuneSelf is utf8.RuneSelf, the end of ASCII.
const utf8RuneSelf = 0x80

// classify returns the normalized form of an already folded and simplified
// rune and its kind: Latin letters lower-cased, boundaries as ' '.
func classify(r rune) (rune, Kind) {
	switch {
	case r < utf8RuneSelf:
		k := asciiKinds[r]
		switch k {
		case Boundary:
			return ' ', Boundary
		case Latin:
			return r | 0x20, Latin
		}
		return r, k
	case r >= 0x4E00 && r <= 0x9FFF:
		return r, Han
	case unicode.Is(unicode.Han, r):
		return r, Han
	case unicode.Is(unicode.Latin, r):
		return unicode.ToLower(r), Latin
	case unicode.IsPunct(r), unicode.IsSpace(r), unicode.IsSymbol(r),
		unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == unicode.ReplacementChar:
		return ' ', Boundary
	}
	return r, Other
}
