// Package scoring checks a call transcript against the service norms and
// scores it. It is pure: a transcript and a compiled lexicon in, a score
// record out; it does no I/O, reads no clock and keeps no state but the
// read-only lexicon and the shared segmenter.
package scoring
