package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"callqa/lexicon"
	"callqa/scoring"
)

// loadEngine loads the lexicon (embedded, or laid over by dir) and builds
// the segmenter and engine for it.
func loadEngine(dir string) (*scoring.Engine, error) {
	lex, err := lexicon.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("load lexicon: %w", err)
	}
	seg, err := scoring.NewSegmenter(lex)
	if err != nil {
		return nil, err
	}
	return scoring.NewEngine(lex, seg)
}

type scoreOptions struct {
	json    bool
	lexicon string
	workers int
}

func newScoreCmd() *cobra.Command {
	var o scoreOptions
	cmd := &cobra.Command{
		Use:   "score [flags] PATH...",
		Short: "Score transcript files or folders offline, with no servers",
		Long: `Score transcript files or folders offline, with the embedded lexicon (or one
laid over it with --lexicon) and no servers.

Without --json it prints a table per call: the score, then each finding
with its utterance, time and evidence. With --json it prints one JSON score
record per call per line. A file that cannot be read or scored is reported
on stderr with its path and reason; the other files are still scored and
the exit status is 1.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScore(cmd.OutOrStdout(), cmd.ErrOrStderr(), o, args)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print one JSON score record per call per line")
	cmd.Flags().StringVar(&o.lexicon, "lexicon", os.Getenv("CALLQA_LEXICON_DIR"), "folder whose lexicon files replace the embedded ones (env CALLQA_LEXICON_DIR)")
	cmd.Flags().IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "calls scored in parallel")
	return cmd
}

// scored is the outcome of one input: a record, or the error that stopped it.
type scored struct {
	name   string
	t      *scoring.Transcript
	record *scoring.Record
	err    error
}

func runScore(stdout, stderr io.Writer, o scoreOptions, paths []string) error {
	files, err := expandPaths(paths)
	if err != nil {
		return err
	}
	engine, err := loadEngine(o.lexicon)
	if err != nil {
		return err
	}
	results := scoreFiles(engine, files, o.workers)

	out := bufio.NewWriter(stdout)
	defer out.Flush()
	failed := 0
	for _, r := range results {
		if r.err != nil {
			failed++
			fmt.Fprintf(stderr, "callqa score: %v\n", r.err)
			continue
		}
		if o.json {
			b, err := json.Marshal(r.record)
			if err != nil {
				return fmt.Errorf("encode score of %s: %w", r.name, err)
			}
			out.Write(b)
			out.WriteByte('\n')
			continue
		}
		writeTable(out, r)
	}
	if !o.json {
		fmt.Fprintf(out, "%d calls scored, %d failed (lexicon %s)\n", len(results)-failed, failed, engine.Lexicon().Version)
	}
	if failed > 0 {
		return exitError{code: 1}
	}
	return nil
}

// expandPaths turns files and folders into the sorted list of JSON files
// to score.
func expandPaths(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".json") && !isGoldenFile(path) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", p, err)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// isGoldenFile reports whether a file in a folder is the corpus' expected
// findings rather than a call.
func isGoldenFile(path string) bool {
	return filepath.Base(path) == "golden.json"
}

// scoreFiles scores the files on workers goroutines and returns the
// results in the files' order.
func scoreFiles(engine *scoring.Engine, files []string, workers int) []scored {
	results := make([]scored, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = scoreFile(engine, files[i])
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

func scoreFile(engine *scoring.Engine, path string) scored {
	r := scored{name: path}
	data, err := os.ReadFile(path)
	if err != nil {
		r.err = err
		return r
	}
	t, err := scoring.ParseTranscript(path, data)
	if err != nil {
		r.err = err
		return r
	}
	r.t = t
	rec, err := engine.Score(t)
	if err != nil {
		var ie *scoring.InputError
		if errors.As(err, &ie) && ie.File == "" {
			ie.File = path
		}
		r.err = err
		return r
	}
	r.record = rec
	return r
}

func writeTable(w io.Writer, r scored) {
	rec := r.record
	verdict := "PASS"
	if !rec.Passed {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "%s  %s  unit %s  agent %s  score %d %s", r.name, rec.CallID, rec.Unit, rec.AgentID, rec.Score, verdict)
	if rec.Fatal {
		fmt.Fprint(w, " (fatal)")
	}
	fmt.Fprintln(w)
	for _, f := range rec.Findings {
		where := "call"
		if f.Utterance >= 0 {
			where = fmt.Sprintf("#%d", f.Utterance)
			if f.StartMS != nil {
				where += " " + clock(*f.StartMS)
			}
		}
		fmt.Fprintf(w, "  %-12s %-24s -%-3d %s\n", where, f.Rule, f.Deduction, f.Message)
		if f.Utterance >= 0 && f.Utterance < len(r.t.Utterances) {
			u := r.t.Utterances[f.Utterance]
			fmt.Fprintf(w, "  %12s %s: %s\n", "", u.Speaker, excerpt(u.Text, f.Span, 60))
		}
	}
	if len(rec.NotAssessable) > 0 {
		fmt.Fprintf(w, "  not assessable: %s\n", strings.Join(rec.NotAssessable, ", "))
	}
	fmt.Fprintln(w)
}

// clock formats milliseconds as m:ss.s.
func clock(ms int64) string {
	return fmt.Sprintf("%d:%04.1f", ms/60000, float64(ms%60000)/1000)
}

// excerpt shortens an utterance for the table, marking the evidence span
// with 【】.
func excerpt(text string, span *scoring.Span, width int) string {
	runes := []rune(text)
	if span != nil && span.Start >= 0 && span.End <= len(runes) && span.Start < span.End {
		from := max(span.Start-width/2, 0)
		to := min(span.End+width/2, len(runes))
		s := string(runes[from:span.Start]) + "【" + string(runes[span.Start:span.End]) + "】" + string(runes[span.End:to])
		if from > 0 {
			s = "…" + s
		}
		if to < len(runes) {
			s += "…"
		}
		return s
	}
	if utf8.RuneCountInString(text) > width {
		return string(runes[:width]) + "…"
	}
	return text
}
