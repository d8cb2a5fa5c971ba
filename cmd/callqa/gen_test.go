package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"callqa/callgen"
	"callqa/scoring"
)

// runGen runs callqa with args and returns its stdout and error.
func runGen(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// readCorpus returns the files of dir by name.
func readCorpus(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := make(map[string][]byte, len(entries))
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

var genSummary = regexp.MustCompile(`^wrote 60 calls \(.+\) to .+ in .+, \d+ calls/s; seed 11, calls 0–59: \d+ clean, \d+ with injected violations\n$`)

// TestGenWritesCorpus drives callqa gen into a temporary folder and checks
// every file: named by its call id, a transcript the parser accepts, the
// call the generator makes for that index; and that the worker count does
// not change a byte.
func TestGenWritesCorpus(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "calls")
	out, err := runGen(t, "gen", "-n", "60", "-o", dir, "--seed", "11", "--workers", "3")
	if err != nil {
		t.Fatalf("gen: %v", err)
	}
	if !genSummary.MatchString(out) {
		t.Errorf("summary %q, want one line like %s", out, genSummary)
	}
	files := readCorpus(t, dir)
	if len(files) != 60 {
		t.Fatalf("%d files written, want 60", len(files))
	}
	g, err := callgen.New(callgen.Options{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		want, err := json.MarshalIndent(g.Call(i), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		var id struct {
			CallID string `json:"call_id"`
		}
		if err := json.Unmarshal(want, &id); err != nil {
			t.Fatal(err)
		}
		name := id.CallID + ".json"
		got, ok := files[name]
		if !ok {
			t.Fatalf("call %d: no file %s", i, name)
		}
		if !bytes.Equal(got, append(want, '\n')) {
			t.Errorf("%s differs from call %d of the generator", name, i)
		}
		if _, err := scoring.ParseTranscript(name, got); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	again := filepath.Join(t.TempDir(), "again")
	if _, err := runGen(t, "gen", "-n", "60", "-o", again, "--seed", "11", "--workers", "1", "--verify=false"); err != nil {
		t.Fatalf("gen with one worker: %v", err)
	}
	for name, b := range readCorpus(t, again) {
		if !bytes.Equal(b, files[name]) {
			t.Fatalf("%s differs between 3 workers and 1", name)
		}
	}
}

// TestGenSplitsRange checks that --first writes the later part of the same
// corpus, and that the unit and start flags shape the calls.
func TestGenSplitsRange(t *testing.T) {
	whole, part := t.TempDir(), t.TempDir()
	if _, err := runGen(t, "gen", "-n", "20", "-o", whole, "--seed", "4", "--unit", "csg-gz", "--start", "2027-01-05", "--days", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := runGen(t, "gen", "-n", "8", "--first", "12", "-o", part, "--seed", "4", "--unit", "csg-gz", "--start", "2027-01-05", "--days", "1"); err != nil {
		t.Fatal(err)
	}
	all, some := readCorpus(t, whole), readCorpus(t, part)
	if len(some) != 8 {
		t.Fatalf("--first 12 -n 8 wrote %d files, want 8", len(some))
	}
	for name, b := range some {
		if !bytes.Equal(all[name], b) {
			t.Errorf("%s of the split run differs from the whole run", name)
		}
		if !strings.HasPrefix(name, "csg-gz-20270105-") {
			t.Errorf("file %s: want unit csg-gz on 2027-01-05", name)
		}
	}
}

func TestGenRejectsBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gen", "-o", dir}, "--count"},
		{[]string{"gen", "-n", "5"}, "--out"},
		{[]string{"gen", "-n", "5", "-o", dir, "--start", "1.11.2026"}, "--start"},
		{[]string{"gen", "-n", "5", "-o", dir, "--days", "0"}, "--days"},
		{[]string{"gen", "-n", "5", "-o", dir, "--workers", "0"}, "--workers"},
		{[]string{"gen", "-n", "5", "-o", dir, "--unit", "nowhere"}, "--unit"},
		{[]string{"gen", "-n", "5", "-o", dir, "--id-prefix", "a b"}, "IDPrefix"},
	} {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			_, err := runGen(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
	if files := readCorpus(t, dir); len(files) != 0 {
		t.Errorf("rejected runs wrote %d files", len(files))
	}
}
