package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callqa/scoring"
)

// runCLI runs the callqa command with args and returns its stdout, stderr
// and error.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errOut.String(), err
}

const adaptTestdata = "../../adapt/testdata"

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConvertOneCall converts the end-to-end pair (an Alibaba result and a
// FreeSWITCH CDR) to stdout.
func TestConvertOneCall(t *testing.T) {
	out, errOut, err := runCLI(t, "convert", "--unit", "sgcc-hz", filepath.Join(adaptTestdata, "e2e"))
	if err != nil {
		t.Fatalf("convert: %v (stderr %s)", err, errOut)
	}
	tr, err := scoring.ParseTranscript("stdout", []byte(out))
	if err != nil {
		t.Fatalf("output is not transcript v1: %v\n%s", err, out)
	}
	if tr.CallID != "hz-20261122-000123" || tr.Unit != "sgcc-hz" || tr.AgentID != "1024" || tr.HangupBy != scoring.HangupAgent {
		t.Errorf("transcript = %+v", tr)
	}
	if tr.RingMS == nil || *tr.RingMS != 6200 {
		t.Errorf("ring_ms = %v, want 6200 from the CDR", tr.RingMS)
	}
	if len(tr.Utterances) != 7 || tr.Utterances[0].Speaker != scoring.Agent || tr.Utterances[1].Speaker != scoring.Customer {
		t.Errorf("utterances = %+v", tr.Utterances)
	}
	if !strings.Contains(out, "\n \"utterances\"") {
		t.Errorf("one call is not printed indented:\n%s", out)
	}
}

// TestConvertBatch converts a folder with a bad call into -o DIR: the good
// calls are written, the bad one is reported, and the exit status is 1.
func TestConvertBatch(t *testing.T) {
	in := t.TempDir()
	copyFile(t, filepath.Join(adaptTestdata, "e2e", "hz-20261122-000123.asr.json"), filepath.Join(in, "hz-1.asr.json"))
	copyFile(t, filepath.Join(adaptTestdata, "e2e", "hz-20261122-000123.cdr.json"), filepath.Join(in, "hz-1.cdr.json"))
	copyFile(t, filepath.Join(adaptTestdata, "funasr", "spk.json"), filepath.Join(in, "gz-2.json"))
	if err := os.WriteFile(filepath.Join(in, "gz-2.meta.json"), []byte(`{"unit":"csg-gz","agent_id":"G8"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(in, "bad-3.json"), []byte(`{"Result":{"Sentences":[{"BeginTime":5,"EndTime":1,"Text":"好"}]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(t.TempDir(), "v1")
	out, errOut, err := runCLI(t, "convert", "--unit", "sgcc-hz", "--started-at", "2026-11-22T09:00:00+08:00", "-o", outDir, in)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	if out != "" {
		t.Errorf("stdout = %q, want nothing with -o", out)
	}
	if !strings.Contains(errOut, "bad-3.json") || !strings.Contains(errOut, "ends before it starts") {
		t.Errorf("stderr = %q, want the bad file and its reason", errOut)
	}
	for name, unit := range map[string]string{"hz-1.json": "sgcc-hz", "gz-2.json": "csg-gz"} {
		data, err := os.ReadFile(filepath.Join(outDir, name))
		if err != nil {
			t.Fatalf("%s not written: %v", name, err)
		}
		tr, err := scoring.ParseTranscript(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tr.Unit != unit {
			t.Errorf("%s unit = %q, want %q", name, tr.Unit, unit)
		}
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 2 {
		t.Errorf("%d files in the output folder, want 2", len(entries))
	}
}

// TestConvertLines prints several calls as one JSON object per line.
func TestConvertLines(t *testing.T) {
	out, errOut, err := runCLI(t, "convert", "--unit", "real-966", "--agent", "966", "--started-at", "2017-06-23T09:00:00+08:00",
		filepath.Join(adaptTestdata, "realcalls", "lfasr"))
	if err != nil {
		t.Fatalf("convert: %v (stderr %s)", err, errOut)
	}
	if !strings.Contains(errOut, "not a unit of the lexicon") {
		t.Errorf("stderr = %q, want a warning about the unknown unit", errOut)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		if _, err := scoring.ParseTranscript("line", sc.Bytes()); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
	}
	if n != 37 {
		t.Errorf("%d lines, want 37", n)
	}
}

func TestConvertFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--direction", "sideways"}, "--direction"},
		{[]string{"--started-at", "yesterday"}, "--started-at"},
		{[]string{"--layout", "quad"}, "--layout"},
		{[]string{"--channel-agent", "-1"}, "--channel-agent"},
	}
	for _, tt := range tests {
		args := append([]string{"convert"}, tt.args...)
		args = append(args, filepath.Join(adaptTestdata, "e2e"))
		_, _, err := runCLI(t, args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want it to name %s", tt.args, err, tt.want)
		}
	}
}

// TestConvertThenScore is the end-to-end check of the e2e fixture pair: an
// Alibaba dual-channel result and the FreeSWITCH CDR of the agent's leg
// (recv_bye), converted and scored. The call is compliant but for the agent
// hanging up first, which only the CDR tells.
func TestConvertThenScore(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, err := runCLI(t, "convert", "--unit", "sgcc-hz", "-o", dir, filepath.Join(adaptTestdata, "e2e")); err != nil {
		t.Fatalf("convert: %v (stderr %s)", err, errOut)
	}
	out, errOut, err := runCLI(t, "score", "--json", filepath.Join(dir, "hz-20261122-000123.json"))
	if err != nil {
		t.Fatalf("score: %v (stderr %s)", err, errOut)
	}
	var rec scoring.Record
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatalf("score output %q: %v", out, err)
	}
	var rules []string
	for _, f := range rec.Findings {
		rules = append(rules, fmt.Sprintf("%s@%d", f.Rule, f.Utterance))
	}
	if strings.Join(rules, ",") != "hangup.agent_first@-1" {
		t.Errorf("findings = %v, want only hangup.agent_first on the call", rules)
	}
	if len(rec.NotAssessable) != 0 {
		t.Errorf("not_assessable = %v, want none (roles, ring time and times are all known)", rec.NotAssessable)
	}
	if rec.Score != 90 {
		t.Errorf("score = %d, want 90", rec.Score)
	}
}
