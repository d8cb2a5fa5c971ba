package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callqa/scoring"
)

// TestScoreVendorFilesEndToEnd scores an Alibaba ASR result with its
// FreeSWITCH CDR in one command: the CDR's agent leg says the agent hung
// up, which only the switch can tell.
func TestScoreVendorFilesEndToEnd(t *testing.T) {
	out, errOut, err := runCLI(t, "score", "--json", "--unit", "sgcc-hz", filepath.Join(adaptTestdata, "e2e"))
	if err != nil {
		t.Fatalf("score: %v (stderr %s)", err, errOut)
	}
	var rec scoring.Record
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &rec); err != nil {
		t.Fatalf("output is not one score record: %v\n%s", err, out)
	}
	if rec.CallID != "hz-20261122-000123" || rec.Score != 90 || len(rec.NotAssessable) != 0 {
		t.Errorf("call %s score %d not assessable %v, want hz-20261122-000123 90 []", rec.CallID, rec.Score, rec.NotAssessable)
	}
	if len(rec.Findings) != 1 || rec.Findings[0].Rule != "hangup.agent_first" || rec.Findings[0].Utterance != -1 {
		t.Errorf("findings = %+v, want hangup.agent_first on the call", rec.Findings)
	}
}

// TestScoreBadFilesDoNotStopTheBatch checks that broken and unscorable
// calls are reported with their file and reason while the others are
// scored, and that the exit status says so.
func TestScoreBadFilesDoNotStopTheBatch(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile("../../testcalls/hz-001-outage-clean.json")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a-good.json", string(good))
	write("b-malformed.json", "{\"call_id\": \"x-1\",\n \"unit\": ")
	write("c-unknown-unit.json", strings.Replace(string(good), `"sgcc-hz"`, `"no-such-unit"`, 1))
	write("d-bad-time.json", strings.Replace(string(good), `"utterances"`, `"started_at": "yesterday", "utterances"`, 1))

	out, errOut, err := runCLI(t, "score", "--json", dir)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	if n := strings.Count(strings.TrimSpace(out), "\n") + 1; n != 1 || !strings.Contains(out, `"call_id":"hz-20261103-0001"`) {
		t.Errorf("stdout holds %d records, want the good call only:\n%s", n, out)
	}
	for _, want := range []string{
		"b-malformed.json", "malformed JSON",
		"c-unknown-unit.json", `unknown unit "no-such-unit"`,
		"d-bad-time.json", "started_at",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// TestScoreTable checks the readable table: the score, then each finding
// with its utterance, time and marked evidence.
func TestScoreTable(t *testing.T) {
	out, errOut, err := runCLI(t, "score", "../../testcalls/hz-011-stairwell-light.json")
	if err != nil {
		t.Fatalf("score: %v (stderr %s)", err, errOut)
	}
	for _, want := range []string{"hz-20261112-0011", "score 85 PASS", "forbidden.evasive", "-15", "【不归我们管】", "1 calls scored, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
