package store

import "testing"

// TestRescoreKeysShareSlot checks the slots of the rescoring scripts: a
// job's scripts touch keys of one slot, and the account script keys of the
// call's unit.
func TestRescoreKeysShareSlot(t *testing.T) {
	k := NewKeys("")
	const unit, job = "sgcc-hz", "20261122T093000-3fa2c1"
	groups := map[string][]string{
		"job": {k.RescoreJobs(), k.RescoreActive(), k.RescoreSelections(), k.RescoreJob(job), k.RescoreJob("other"),
			k.RescoreStream(job), k.RescoreFailures(job), k.RescoreFailureList(job), k.RescorePlanner(job)},
		"workers": {k.WorkersSeen(), k.WorkerVersions()},
		"account": {k.Call(unit, "c1"), k.RescoreCounts(unit, job)},
	}
	for name, keys := range groups {
		want := slot(keys[0])
		for _, key := range keys[1:] {
			if got := slot(key); got != want {
				t.Errorf("%s: %q is in slot %d, %q in %d", name, key, got, keys[0], want)
			}
		}
	}
}
