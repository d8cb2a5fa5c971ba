package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"callqa/callgen"
	"callqa/scoring"
)

type benchScoreOptions struct {
	calls   int
	seed    uint64
	rounds  int
	corpus  string
	lexicon string
	jsonOut bool
}

func newBenchScoreCmd() *cobra.Command {
	var o benchScoreOptions
	cmd := &cobra.Command{
		Use:   "bench-score",
		Short: "Measure the scorer: calls/s per core, the cost over gse segmentation alone, allocations and memory",
		Long: `Measure the offline scorer in one process, on generated calls (callqa gen's
generator, -n calls of --seed) or on the calls under --corpus.

Each round times, on one goroutine locked to its thread, (a) gse
segmentation alone of every utterance of the calls — the baseline — and (b)
full scoring of the same calls, one after the other, by the thread's CPU
time (Linux; wall time elsewhere), so the figures hold on a shared machine;
they are the medians over --rounds, and the ratio is taken round by round. It then
scores the calls on every core once. It reports calls/s per core, the
ratio scoring/segmentation, allocations and bytes per call, the heap after
loading the lexicon and segmenter, and the process's resident memory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchScore(cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&o.calls, "calls", "n", 10000, "generated calls to score")
	f.Uint64Var(&o.seed, "seed", 1, "generator seed")
	f.IntVar(&o.rounds, "rounds", 5, "timed rounds (medians are reported)")
	f.StringVar(&o.corpus, "corpus", "", "score the calls under this path instead of generated ones")
	f.StringVar(&o.lexicon, "lexicon", os.Getenv("CALLQA_LEXICON_DIR"), "lexicon override folder (env CALLQA_LEXICON_DIR)")
	f.BoolVar(&o.jsonOut, "json", false, "print the figures as JSON")
	return cmd
}

// benchScoreResult holds the figures bench-score reports.
type benchScoreResult struct {
	Calls           int     `json:"calls"`
	Utterances      int     `json:"utterances"`
	Source          string  `json:"source"`
	Rounds          int     `json:"rounds"`
	LoadSeconds     float64 `json:"load_seconds"`
	SegmentCallsPS  float64 `json:"segment_calls_per_s_one_core"`
	ScoreCallsPS    float64 `json:"score_calls_per_s_one_core"`
	Ratio           float64 `json:"ratio_score_to_segment"`
	ParallelCallsPS float64 `json:"score_calls_per_s_all_cores"`
	Cores           int     `json:"cores"`
	AllocsPerCall   float64 `json:"allocs_per_call"`
	BytesPerCall    float64 `json:"bytes_per_call"`
	HeapAfterLoadMB float64 `json:"heap_after_load_mb"`
	RSSAfterLoadMB  float64 `json:"rss_after_load_mb"`
	PeakRSSMB       float64 `json:"peak_rss_mb"`
	RSSMB           float64 `json:"rss_mb"`
}

func runBenchScore(stdout, stderr io.Writer, o benchScoreOptions) error {
	if o.calls <= 0 && o.corpus == "" {
		return fmt.Errorf("--calls: %d is not a positive number", o.calls)
	}
	if o.rounds <= 0 {
		return fmt.Errorf("--rounds: %d is not a positive number", o.rounds)
	}
	start := time.Now()
	engine, err := loadEngine(o.lexicon)
	if err != nil {
		return err
	}
	res := benchScoreResult{Rounds: o.rounds, Cores: runtime.GOMAXPROCS(0), LoadSeconds: time.Since(start).Seconds()}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.HeapAfterLoadMB = float64(ms.HeapAlloc) / (1 << 20)
	_, loaded := procMemory()
	res.RSSAfterLoadMB = float64(loaded) / (1 << 20)

	calls, err := benchCalls(engine, o, stderr)
	if err != nil {
		return err
	}
	res.Calls = len(calls)
	res.Source = fmt.Sprintf("generated: %d calls, seed %d", len(calls), o.seed)
	if o.corpus != "" {
		res.Source = "corpus: " + o.corpus
	}
	for _, c := range calls {
		res.Utterances += len(c.Utterances)
	}

	seg := engine.Segmenter()
	// Both phases run on one locked OS thread and are timed by that
	// thread's CPU time (wall time where it is not measured).
	runtime.LockOSThread()
	var segRates, scoreRates, ratios []float64
	for r := 0; r < o.rounds; r++ {
		segD := timed(func() {
			for _, c := range calls {
				for _, u := range c.Utterances {
					seg.Cut(u.Text)
				}
			}
		})

		runtime.ReadMemStats(&ms)
		mallocs, bytes := ms.Mallocs, ms.TotalAlloc
		var scoreErr error
		scoreD := timed(func() {
			for _, c := range calls {
				if _, err := engine.Score(c); err != nil && scoreErr == nil {
					scoreErr = fmt.Errorf("score %s: %w", c.CallID, err)
				}
			}
		})
		if scoreErr != nil {
			return scoreErr
		}
		runtime.ReadMemStats(&ms)
		res.AllocsPerCall = float64(ms.Mallocs-mallocs) / float64(len(calls))
		res.BytesPerCall = float64(ms.TotalAlloc-bytes) / float64(len(calls))

		segRates = append(segRates, float64(len(calls))/segD.Seconds())
		scoreRates = append(scoreRates, float64(len(calls))/scoreD.Seconds())
		ratios = append(ratios, scoreD.Seconds()/segD.Seconds())
	}
	runtime.UnlockOSThread()
	res.SegmentCallsPS, res.ScoreCallsPS, res.Ratio = median(segRates), median(scoreRates), median(ratios)

	t0 := time.Now()
	var wg sync.WaitGroup
	next := make(chan *scoring.Transcript)
	for w := 0; w < res.Cores; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				engine.Score(c) // every call scored above; errors cannot differ
			}
		}()
	}
	for _, c := range calls {
		next <- c
	}
	close(next)
	wg.Wait()
	res.ParallelCallsPS = float64(len(calls)) / time.Since(t0).Seconds()
	peak, current := procMemory()
	res.PeakRSSMB, res.RSSMB = float64(peak)/(1<<20), float64(current)/(1<<20)

	if o.jsonOut {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "source              %s (%d utterances)\n", res.Source, res.Utterances)
	fmt.Fprintf(stdout, "load                %.1f s (lexicon, segmenter, engine)\n", res.LoadSeconds)
	fmt.Fprintf(stdout, "segmentation alone  %.0f calls/s per core-second of CPU (median of %d rounds)\n", res.SegmentCallsPS, res.Rounds)
	fmt.Fprintf(stdout, "full scoring        %.0f calls/s per core-second of CPU\n", res.ScoreCallsPS)
	fmt.Fprintf(stdout, "ratio               %.2f× scoring time / segmentation time\n", res.Ratio)
	fmt.Fprintf(stdout, "all %d cores         %.0f calls/s (wall time)\n", res.Cores, res.ParallelCallsPS)
	fmt.Fprintf(stdout, "per call            %.0f allocations, %.0f KB allocated\n", res.AllocsPerCall, res.BytesPerCall/1024)
	fmt.Fprintf(stdout, "memory after load   heap %.0f MB, resident %.0f MB\n", res.HeapAfterLoadMB, res.RSSAfterLoadMB)
	fmt.Fprintf(stdout, "memory at the end   resident %.0f MB, peak %.0f MB (holding all %d calls)\n", res.RSSMB, res.PeakRSSMB, res.Calls)
	return nil
}

// benchCalls returns the calls to measure: generated, or loaded from the
// corpus path.
func benchCalls(engine *scoring.Engine, o benchScoreOptions, stderr io.Writer) ([]*scoring.Transcript, error) {
	if o.corpus != "" {
		var none adaptOptions
		none.direction, none.layout = "inbound", "auto"
		loader, err := none.loader(engine.Lexicon(), stderr)
		if err != nil {
			return nil, err
		}
		items, err := loader.Expand([]string{o.corpus})
		if err != nil {
			return nil, err
		}
		var calls []*scoring.Transcript
		for _, it := range items {
			t, err := loader.Load(it)
			if err != nil {
				return nil, err
			}
			calls = append(calls, t)
		}
		return calls, nil
	}
	g, err := callgen.New(callgen.Options{Seed: o.seed, Units: engine.Lexicon().Units})
	if err != nil {
		return nil, fmt.Errorf("generator: %w", err)
	}
	calls := make([]*scoring.Transcript, o.calls)
	for i := range calls {
		calls[i] = g.Call(i)
	}
	return calls, nil
}

// timed runs f and returns the CPU time of the calling thread it took, or
// the wall time where thread CPU time is not measured.
func timed(f func()) time.Duration {
	c0, t0 := threadCPU(), time.Now()
	f()
	if c := threadCPU() - c0; c > 0 {
		return c
	}
	return time.Since(t0)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
