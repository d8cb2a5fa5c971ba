// Package callgen generates realistic, reproducible call transcripts for
// benchmarks and load tests: Chinese customer-service calls of power-supply
// and district-heating hotlines as ASR writes them, with rule violations and
// hard negatives (phrasings the scorer must exempt) injected at configured
// rates.
//
// A Generator makes call i from its seed and i alone (Generator.Call), so a
// benchmark can make one call, and parallel writers can split an index range
// in any order and get the same calls. Generate also returns the call's Meta:
// which violations were injected, where the scorer should report them, and
// which exempt phrasings the call holds.
//
// Unit names come from the lexicon's unit aliases; the dialogue vocabulary
// (openings, problem statements, agent replies, closings) is test data held
// in this package. The lexicon's phrase lists are read, never copied: they
// keep a clean call clear of the phrases a violation must avoid.
package callgen
