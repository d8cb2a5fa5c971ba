// Package adapt turns what call centers actually have — a vendor ASR
// engine's file-transcription result and the switch's call-detail record —
// into callqa's transcript model (transcript JSON v1, scoring.Transcript).
//
// Formats are told apart by content, never by file name: Detect names the
// format of one file, and Loader groups an ASR result with its sidecars (a
// CDR, a metadata JSON) by the pairing convention of PairKey and builds one
// scoring.Transcript per call. Speaker roles come from the channel of a
// dual-channel recording (by configuration) or, for diarized mono results,
// from what each speaker says; when that evidence is weak every utterance is
// left "unknown" and Transcript.RolesNote says why. The package does no
// network I/O and reads files only in Loader.
package adapt
