// Package textnorm turns an utterance's text into the normalized form the
// scorer matches on, keeping for every normalized rune the index of the
// original rune it came from, so evidence spans point at what the
// transcript says.
//
// Normalization works rune by rune: full-width forms become half-width,
// traditional Chinese becomes simplified (OpenCC's t2s tables, phrases
// before characters), Latin letters are lower-cased, every punctuation,
// whitespace or symbol rune becomes a space of Kind Boundary, runs of spoken
// digits (一三八…) become ASCII digits, and fillers (嗯, 啊, 那个 at a clause
// edge) are kept but marked Filler. Syllable gives the toneless pinyin of a
// Han rune for homophone matching.
//
// The OpenCC table in data/t2s.txt is generated; see data/README.md.
package textnorm

//go:generate go run ./internal/gent2s -src=${OPENCC_JS} -out=data
