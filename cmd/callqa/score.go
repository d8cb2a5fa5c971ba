package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"callqa/adapt"
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
	return scoring.Build(lex)
}

type scoreOptions struct {
	json    bool
	lexicon string
	workers int
	adapt   adaptOptions
}

func newScoreCmd() *cobra.Command {
	var o scoreOptions
	cmd := &cobra.Command{
		Use:   "score [flags] PATH...",
		Short: "Score calls offline, with no servers",
		Long: `Score calls offline, with the embedded lexicon (or one laid over it with
--lexicon) and no servers.

PATH is a file or a folder of calls: transcript JSON v1, or vendor ASR
results (Alibaba, Tencent, iFlytek lfasr, FunASR) with their switch CDRs
and metadata paired by file name (<key>.asr.json + <key>.cdr.json +
<key>.meta.json; see adapt/README.md). --unit, --agent and the other
adapter flags fill in what a call's files do not say.

Without --json it prints a table per call: the score, then each finding
with its utterance, time and evidence. With --json it prints one JSON score
record per call per line. A call that cannot be read or scored is reported
on stderr with its file and reason; the other calls are still scored and
the exit status is 1.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScore(cmd.OutOrStdout(), cmd.ErrOrStderr(), o, args)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print one JSON score record per call per line")
	cmd.Flags().StringVar(&o.lexicon, "lexicon", os.Getenv("CALLQA_LEXICON_DIR"), "folder whose lexicon files replace the embedded ones (env CALLQA_LEXICON_DIR)")
	cmd.Flags().IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "calls scored in parallel")
	o.adapt.register(cmd)
	return cmd
}

// scored is the outcome of one call: a record, or the error that stopped it.
type scored struct {
	name   string
	t      *scoring.Transcript
	record *scoring.Record
	err    error
}

func runScore(stdout, stderr io.Writer, o scoreOptions, paths []string) error {
	engine, err := loadEngine(o.lexicon)
	if err != nil {
		return err
	}
	loader, err := o.adapt.loader(engine.Lexicon(), stderr)
	if err != nil {
		return err
	}
	items, err := loader.Expand(paths)
	if err != nil {
		return err
	}
	results := scoreItems(engine, loader, items, o.workers)

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

// scoreItems scores the calls on workers goroutines and returns the
// results in the items' order.
func scoreItems(engine *scoring.Engine, loader *adapt.Loader, items []adapt.Item, workers int) []scored {
	results := make([]scored, len(items))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = scoreItem(engine, loader, items[i])
			}
		}()
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

func scoreItem(engine *scoring.Engine, loader *adapt.Loader, it adapt.Item) scored {
	r := scored{name: it.Name()}
	t, err := loader.Load(it)
	if err != nil {
		r.err = err
		return r
	}
	r.t = t
	rec, err := engine.Score(t)
	if err != nil {
		var ie *scoring.InputError
		if errors.As(err, &ie) && ie.File == "" {
			ie.File = r.name
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
