package store

import (
	"callqa/scoring"
)

// RecordDiff is what changed between two score records of one call.
// Findings are matched by identity (FindingKeys: rule, utterance, evidence
// span and text), as review decisions are.
type RecordDiff struct {
	// ScoreDelta is the new score minus the old.
	ScoreDelta int
	// PassedChanged and FatalChanged report a changed verdict.
	PassedChanged, FatalChanged bool
	// Added and Removed are the findings only the new or only the old
	// record has, with their keys; Modified the findings both have with
	// another severity or deduction (old, new); Kept counts the findings
	// both have unchanged.
	Added, Removed []KeyedFinding
	Modified       []ModifiedFinding
	Kept           int
}

// KeyedFinding is a finding with its identity and its index in its
// record.
type KeyedFinding struct {
	Key     string
	Index   int
	Finding scoring.Finding
}

// ModifiedFinding is a finding both records have, as each has it.
type ModifiedFinding struct {
	Key      string
	Old, New KeyedFinding
}

// Changed reports whether anything a reader or an aggregate sees changed:
// the score, the verdicts or the findings.
func (d RecordDiff) Changed() bool {
	return d.ScoreDelta != 0 || d.PassedChanged || d.FatalChanged ||
		len(d.Added) > 0 || len(d.Removed) > 0 || len(d.Modified) > 0
}

// AddedByRule and RemovedByRule count the added and removed findings per
// rule.
func (d RecordDiff) AddedByRule() map[string]int   { return byRule(d.Added) }
func (d RecordDiff) RemovedByRule() map[string]int { return byRule(d.Removed) }

func byRule(fs []KeyedFinding) map[string]int {
	out := map[string]int{}
	for _, f := range fs {
		out[f.Finding.Rule]++
	}
	return out
}

// DiffRecords compares the old and new records of one call. A nil old
// record is a call that had no score: every new finding is added.
func DiffRecords(old, new *scoring.Record) RecordDiff {
	var d RecordDiff
	if new == nil {
		return d
	}
	newKeys := FindingKeys(new)
	if old == nil {
		for i, f := range new.Findings {
			d.Added = append(d.Added, KeyedFinding{Key: newKeys[i], Index: i, Finding: f})
		}
		return d
	}
	d.ScoreDelta = new.Score - old.Score
	d.PassedChanged = new.Passed != old.Passed
	d.FatalChanged = new.Fatal != old.Fatal
	oldKeys := FindingKeys(old)
	oldAt := make(map[string]int, len(oldKeys))
	for i, k := range oldKeys {
		oldAt[k] = i
	}
	seen := make(map[string]bool, len(newKeys))
	for i, f := range new.Findings {
		k := newKeys[i]
		seen[k] = true
		j, ok := oldAt[k]
		switch {
		case !ok:
			d.Added = append(d.Added, KeyedFinding{Key: k, Index: i, Finding: f})
		case old.Findings[j].Severity != f.Severity || old.Findings[j].Deduction != f.Deduction:
			d.Modified = append(d.Modified, ModifiedFinding{Key: k,
				Old: KeyedFinding{Key: k, Index: j, Finding: old.Findings[j]}, New: KeyedFinding{Key: k, Index: i, Finding: f}})
		default:
			d.Kept++
		}
	}
	for j, f := range old.Findings {
		if !seen[oldKeys[j]] {
			d.Removed = append(d.Removed, KeyedFinding{Key: oldKeys[j], Index: j, Finding: f})
		}
	}
	return d
}
