package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"callqa/accuracy"
	"callqa/callgen"
	"callqa/lexicon"
	"callqa/scoring"
)

func newEvalCmd() *cobra.Command {
	var golden, lexDir string
	var verbose bool
	var generated int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "eval (--golden FILE PATH... | --generated N) [flags]",
		Short: "Precision and recall per rule against a golden file, beside a naive keyword baseline",
		Long: `Score the calls under PATH and compare their findings (rule, utterance) with
the golden file's. Prints precision and recall per rule for callqa and, in
the same run, for a naive baseline: plain substring search of the same
phrase lists, with no normalization, word boundaries or exemptions.

With --generated N it scores N calls of callqa gen's generator (--seed)
instead, and compares them with the violations the generator injected.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case generated > 0 && (golden != "" || len(args) > 0):
				return fmt.Errorf("--generated takes neither --golden nor paths")
			case generated > 0:
				return runEvalGenerated(cmd.OutOrStdout(), lexDir, generated, seed)
			case golden == "" || len(args) == 0:
				return fmt.Errorf("give --golden FILE and the paths of its calls, or --generated N")
			}
			return runEval(cmd.OutOrStdout(), cmd.ErrOrStderr(), golden, lexDir, verbose, args)
		},
	}
	cmd.Flags().StringVar(&golden, "golden", "", "golden file of expected findings")
	cmd.Flags().StringVar(&lexDir, "lexicon", "", "folder whose lexicon files replace the embedded ones")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every call where callqa differs from the golden file")
	cmd.Flags().IntVar(&generated, "generated", 0, "evaluate on this many generated calls instead of a golden file")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "generator seed for --generated")
	return cmd
}

// runEvalGenerated evaluates callqa and the naive baseline on generated
// calls, with the generator's injected violations as the golden findings.
func runEvalGenerated(stdout io.Writer, lexDir string, n int, seed uint64) error {
	engine, err := loadEngine(lexDir)
	if err != nil {
		return err
	}
	g, err := callgen.New(callgen.Options{Seed: seed, Lexicon: engine.Lexicon()})
	if err != nil {
		return fmt.Errorf("generator: %w", err)
	}
	ours, naive := accuracy.NewReport(), accuracy.NewReport()
	for i := 0; i < n; i++ {
		t, meta := g.Generate(i)
		rec, err := engine.Score(t)
		if err != nil {
			return fmt.Errorf("score generated call %s: %w", t.CallID, err)
		}
		want := make([]accuracy.Expected, len(meta.Violations))
		for k, v := range meta.Violations {
			want[k] = accuracy.Expected{Rule: v.Rule, Utterance: v.Utterance}
		}
		got := accuracy.FromRecord(rec)
		ours.Add(want, got)
		naive.Add(want, naiveWith(engine, t, got))
	}
	fmt.Fprintf(stdout, "generated calls, seed %d\n", seed)
	writeEvalTable(stdout, ours, naive)
	return nil
}

// naiveWith returns the naive baseline's findings for t, taking callqa's
// for the rules that read no phrases.
func naiveWith(engine *scoring.Engine, t *scoring.Transcript, ours []accuracy.Expected) []accuracy.Expected {
	base := accuracy.Naive(engine.Lexicon(), t)
	for _, f := range ours {
		if phraseless[f.Rule] {
			base = append(base, f)
		}
	}
	return base
}

// phraseless rules read no phrases; the naive baseline takes callqa's
// verdicts for them, so they show no difference.
var phraseless = map[string]bool{
	lexicon.RuleTimingInterrupt: true, lexicon.RuleTimingSpeechRate: true, lexicon.RuleTimingDeadAir: true,
}

func runEval(stdout, stderr io.Writer, goldenPath, lexDir string, verbose bool, paths []string) error {
	golden, err := accuracy.LoadGolden(goldenPath)
	if err != nil {
		return err
	}
	engine, err := loadEngine(lexDir)
	if err != nil {
		return err
	}
	var noFlags adaptOptions
	noFlags.direction, noFlags.layout = "inbound", "auto"
	loader, err := noFlags.loader(engine.Lexicon(), stderr)
	if err != nil {
		return err
	}
	items, err := loader.Expand(paths)
	if err != nil {
		return err
	}
	ours, naive := accuracy.NewReport(), accuracy.NewReport()
	failed, unknown := 0, 0
	for _, r := range scoreItems(engine, loader, items, runtime.GOMAXPROCS(0)) {
		if r.err != nil {
			failed++
			fmt.Fprintf(stderr, "callqa eval: %v\n", r.err)
			continue
		}
		want, ok := golden.Calls[r.record.CallID]
		if !ok {
			unknown++
			fmt.Fprintf(stderr, "callqa eval: %s: call %s is not in the golden file\n", r.name, r.record.CallID)
			continue
		}
		got := accuracy.FromRecord(r.record)
		ours.Add(want.Findings, got)
		naive.Add(want.Findings, naiveWith(engine, r.t, got))
		if verbose {
			missing, extra := accuracy.Diff(want.Findings, got)
			for _, m := range missing {
				fmt.Fprintf(stdout, "%s: missed %s at utterance %d\n", r.name, m.Rule, m.Utterance)
			}
			for _, x := range extra {
				fmt.Fprintf(stdout, "%s: extra %s at utterance %d\n", r.name, x.Rule, x.Utterance)
			}
		}
	}
	writeEvalTable(stdout, ours, naive)
	if failed > 0 || unknown > 0 {
		return exitError{code: 1}
	}
	return nil
}

func writeEvalTable(w io.Writer, ours, naive *accuracy.Report) {
	fmt.Fprintf(w, "%d calls\n\n", ours.Calls)
	fmt.Fprintf(w, "%-24s %8s  %9s %7s  %9s %7s\n", "rule", "expected", "callqa P", "R", "naive P", "R")
	fmt.Fprintln(w, strings.Repeat("-", 72))
	row := func(name string, o, n accuracy.Tally) {
		fmt.Fprintf(w, "%-24s %8d  %9.2f %7.2f  %9.2f %7.2f\n", name, o.TP+o.FN, o.Precision(), o.Recall(), n.Precision(), n.Recall())
	}
	for _, id := range lexicon.RuleIDs {
		row(id, *ours.Rules[id], *naive.Rules[id])
	}
	fmt.Fprintln(w, strings.Repeat("-", 72))
	row("all rules", ours.Total(), naive.Total())
}
