package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"callqa/callgen"
	"callqa/lexicon"
	"callqa/scoring"
)

// genOptions are the flags of callqa gen.
type genOptions struct {
	n        int
	dir      string
	seed     uint64
	first    int
	start    string
	days     int
	workers  int
	units    []string
	idPrefix string
	lexicon  string
	verify   bool
}

func newGenCmd() *cobra.Command {
	var o genOptions
	cmd := &cobra.Command{
		Use:   "gen -n N -o DIR",
		Short: "Write realistic synthetic call transcripts for benchmarks and load tests",
		Long: `gen writes N synthetic calls as transcript v1 files DIR/<call_id>.json:
Chinese power-supply and district-heating hotline calls as ASR writes them,
with rule violations and hard negatives injected at realistic rates.

The corpus is reproducible: call i depends only on the seed, the options and
i, so the same flags write the same bytes, whatever --workers is, and
--first lets several runs write disjoint parts of one corpus.`,
		Example: `  callqa gen -n 10000 -o /tmp/calls --seed 7
  callqa gen -n 100000 -o calls --start 2026-12-01 --days 7 --workers 8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.IntVarP(&o.n, "count", "n", 0, "number of calls to write (required)")
	f.StringVarP(&o.dir, "out", "o", "", "folder to write the calls into; created if missing (required)")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the corpus: the same seed writes the same calls")
	f.IntVar(&o.first, "first", 0, "index of the first call, to split one corpus over several runs")
	f.StringVar(&o.start, "start", "2026-11-01", "first day calls start on (YYYY-MM-DD, +08:00)")
	f.IntVar(&o.days, "days", 30, "number of days the calls are spread over")
	f.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "calls made and written in parallel")
	f.StringSliceVar(&o.units, "unit", nil, "make calls for these unit ids only (repeatable; default every unit of the lexicon)")
	f.StringVar(&o.idPrefix, "id-prefix", "", "put this in front of every call id")
	f.StringVar(&o.lexicon, "lexicon", os.Getenv("CALLQA_LEXICON_DIR"), "folder whose lexicon files replace the embedded ones (env CALLQA_LEXICON_DIR)")
	f.BoolVar(&o.verify, "verify", true, "check every call with the transcript parser before writing it")
	return cmd
}

// generatorOptions checks the flags and turns them into generator options.
func (o *genOptions) generatorOptions() (callgen.Options, error) {
	var opts callgen.Options
	switch {
	case o.n <= 0:
		return opts, fmt.Errorf("-n/--count: %d: want a positive number of calls", o.n)
	case o.dir == "":
		return opts, errors.New("-o/--out: the folder to write into is required")
	case o.first < 0:
		return opts, fmt.Errorf("--first: %d: must not be negative", o.first)
	case o.days <= 0:
		return opts, fmt.Errorf("--days: %d: want a positive number of days", o.days)
	case o.workers <= 0:
		return opts, fmt.Errorf("--workers: %d: want at least 1", o.workers)
	}
	start, err := time.ParseInLocation("2006-01-02", o.start, time.FixedZone("CST", 8*3600))
	if err != nil {
		return opts, fmt.Errorf("--start: %q is not a date like 2026-11-01", o.start)
	}
	lex, err := lexicon.Load(o.lexicon)
	if err != nil {
		return opts, fmt.Errorf("--lexicon: %w", err)
	}
	for _, id := range o.units {
		u, ok := lex.Unit(id)
		if !ok {
			return opts, fmt.Errorf("--unit: %q is not a unit of the lexicon (%s)", id, lex.Source)
		}
		opts.Units = append(opts.Units, *u)
	}
	opts.Seed, opts.Lexicon, opts.Start, opts.Days, opts.IDPrefix = o.seed, lex, start, o.days, o.idPrefix
	return opts, nil
}

// genStats are the running totals of a gen run.
type genStats struct {
	calls, clean, bytes atomic.Int64
}

func (o *genOptions) run(ctx context.Context, stdout io.Writer) error {
	opts, err := o.generatorOptions()
	if err != nil {
		return err
	}
	g, err := callgen.New(opts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return fmt.Errorf("-o/--out: %w", err)
	}
	began := time.Now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// Workers take chunks of indices from a shared counter: no call is
	// held longer than it takes to write it, and since call i depends on
	// i alone the order they are made in does not matter.
	const chunk = 64
	var next atomic.Int64
	next.Store(int64(o.first))
	end := int64(o.first) + int64(o.n)
	var stats genStats
	var wg sync.WaitGroup
	for range min(o.workers, o.n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				lo := next.Add(chunk) - chunk
				if lo >= end {
					return
				}
				for i := lo; i < min(lo+chunk, end); i++ {
					if err := o.writeCall(g, int(i), &stats); err != nil {
						cancel(err)
						return
					}
					if ctx.Err() != nil {
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return fmt.Errorf("gen: %w (%d calls written to %s)", err, stats.calls.Load(), o.dir)
	}

	took := time.Since(began)
	calls := stats.calls.Load()
	fmt.Fprintf(stdout, "wrote %d calls (%s) to %s in %s, %.0f calls/s; seed %d, calls %d–%d: %d clean, %d with injected violations\n",
		calls, sizeText(stats.bytes.Load()), o.dir, took.Round(time.Millisecond),
		float64(calls)/max(took.Seconds(), 1e-9), o.seed, o.first, end-1, stats.clean.Load(), calls-stats.clean.Load())
	return nil
}

// writeCall makes call i and writes it as DIR/<call_id>.json.
func (o *genOptions) writeCall(g *callgen.Generator, i int, stats *genStats) error {
	t, meta := g.Generate(i)
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("call %d: encode: %w", i, err)
	}
	data = append(data, '\n')
	name := t.CallID + ".json"
	if o.verify {
		if _, err := scoring.ParseTranscript(name, data); err != nil {
			return fmt.Errorf("call %d is not a valid transcript: %w", i, err)
		}
	}
	if err := os.WriteFile(filepath.Join(o.dir, name), data, 0o644); err != nil {
		return fmt.Errorf("call %d: %w", i, err)
	}
	stats.calls.Add(1)
	stats.bytes.Add(int64(len(data)))
	if meta.Clean() {
		stats.clean.Add(1)
	}
	return nil
}

// sizeText writes a byte count for people: 512 B, 3.4 MiB.
func sizeText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, suffix := float64(n)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB", "TiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}
