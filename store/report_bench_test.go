package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"callqa/internal/testserver"
	"callqa/lexicon"
	"callqa/scoring"
	"callqa/store"
)

// BenchmarkReportMillion loads a month of scored calls (1,000,000 unless
// CALLQA_BENCH_CALLS says otherwise) through Put into a private Redis,
// with 1% of one agent's calls reviewed, and measures in the same run the
// latency of one agent-month report from the aggregates (store.Report)
// and of the same report computed by scanning the calls
// (store.ReportByScan). It checks that both give the same report. Run:
//
//	CALLQA_TEST_REDIS_SERVER=$(command -v redis-server) \
//	  go test -run '^$' -bench BenchmarkReportMillion -benchtime 1x -timeout 60m ./store/
func BenchmarkReportMillion(b *testing.B) {
	calls := 1_000_000
	if v := os.Getenv("CALLQA_BENCH_CALLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("CALLQA_BENCH_CALLS=%q: want a number ≥ 1000", v)
		}
		calls = n
	}
	const (
		agents  = 200
		teams   = 20
		days    = 30
		workers = 64
	)
	ctx := context.Background()
	srv := testserver.Redis(b)
	rdb := srv.Client(b)
	st := store.New(rdb, store.Options{})
	lex, err := lexicon.Default()
	if err != nil {
		b.Fatal(err)
	}
	rules := lex.Rules
	start := time.Date(2026, 11, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	mod := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	// record i: agent i%agents, spread over the month, 0-3 findings with
	// the catalogue's clause and message, as the engine writes them.
	record := func(i int) *scoring.Record {
		rng := rand.New(rand.NewPCG(uint64(i), 42))
		agent := i % agents
		rec := &scoring.Record{
			CallID: fmt.Sprintf("hz-202611-%07d", i), Unit: "sgcc-hz", AgentID: fmt.Sprintf("A%04d", agent),
			Team: fmt.Sprintf("95598-%02d班", agent%teams), Direction: scoring.Inbound,
			StartedAt:     start.Add(time.Duration(rng.Int64N(int64(days*24*time.Hour - 10*time.Hour)))).Truncate(time.Second),
			NotAssessable: []string{}, Scheme: "power-95598", SchemeVersion: "bench", LexiconVersion: lex.Version, EngineVersion: scoring.EngineVersion,
		}
		total := 0
		used := map[string]bool{}
		for range rng.IntN(4) {
			r := rules[rng.IntN(len(rules))]
			if r.ID == lexicon.RuleForbiddenProfanity {
				continue
			}
			d := 5
			if used[r.ID] {
				d = 0
			}
			used[r.ID] = true
			u := rng.IntN(20)
			rec.Findings = append(rec.Findings, scoring.Finding{Rule: r.ID, Severity: scoring.Minor, Deduction: d,
				Utterance: u, Evidence: "不知道", Span: &scoring.Span{Start: 3, End: 6}, Clause: r.Clause, Message: r.Message})
			total += d
		}
		if rec.Findings == nil {
			rec.Findings = []scoring.Finding{}
		}
		rec.Score = 100 - total
		rec.Passed = rec.Score >= 90
		return rec
	}

	// Load.
	began := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= calls {
					return
				}
				rec := record(i)
				if _, err := st.Put(ctx, rec, store.Source{Object: rec.CallID + ".json", ETag: "e", Modified: mod}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	load := time.Since(began)
	mem, _ := rdb.Info(ctx, "memory").Result()
	used := ""
	for line := range strings.SplitSeq(mem, "\n") {
		if v, ok := strings.CutPrefix(line, "used_memory_human:"); ok {
			used = strings.TrimSpace(v)
		}
	}

	// Review 1% of the target agent's calls: overturn their first finding.
	q := store.ReportQuery{Units: []string{"sgcc-hz"}, Dim: store.DimAgent, ID: "A0007", From: "2026-11-01", To: "2026-11-30", Worst: 10}
	ids, err := st.CallIDs(ctx, "sgcc-hz", store.IndexAgent, q.ID, 0, 1e13, 0, -1)
	if err != nil {
		b.Fatal(err)
	}
	reviewed := 0
	for _, id := range ids[:len(ids)/100] {
		c, err := st.CallIn(ctx, "sgcc-hz", id)
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Record.Findings) == 0 {
			continue
		}
		if _, err := st.Review(ctx, "sgcc-hz", store.ReviewInput{CallID: id, Finding: 0, Key: store.FindingKeys(c.Record)[0],
			Decision: store.Overturn, Comment: "bench", Reviewer: "bench", PassScore: 90, At: time.Now()}, c.Record.Findings[0]); err != nil {
			b.Fatal(err)
		}
		reviewed++
	}

	measure := func(n int, f func() (*store.Report, error)) (p50, p99 time.Duration, r *store.Report) {
		lat := make([]time.Duration, n)
		for i := range n {
			t0 := time.Now()
			var err error
			if r, err = f(); err != nil {
				b.Fatal(err)
			}
			lat[i] = time.Since(t0)
		}
		slices.Sort(lat)
		return lat[n/2], lat[min(n-1, n*99/100)], r
	}
	b.ResetTimer()
	for range b.N {
		fp50, fp99, fast := measure(1000, func() (*store.Report, error) { return st.Report(ctx, q) })
		sp50, sp99, slow := measure(50, func() (*store.Report, error) { return st.ReportByScan(ctx, q) })
		ft, stt := fast.Total(), slow.Total()
		if !ft.Aggregate.Equal(stt.Aggregate) || !ft.Adjustment.Equal(stt.Adjustment) || !slices.Equal(fast.Worst, slow.Worst) {
			b.Fatalf("reports differ:\naggregates %v %v\nscan       %v %v", ft.Aggregate, ft.Adjustment, stt.Aggregate, stt.Adjustment)
		}
		b.ReportMetric(float64(fp50.Microseconds())/1000, "agg-p50-ms")
		b.ReportMetric(float64(fp99.Microseconds())/1000, "agg-p99-ms")
		b.ReportMetric(float64(sp50.Microseconds())/1000, "scan-p50-ms")
		b.ReportMetric(float64(sp99.Microseconds())/1000, "scan-p99-ms")
		b.Logf("%d calls loaded through Put with %d writers in %v (%.0f calls/s), Redis used_memory %s; "+
			"agent %s: %d calls in the month, %d reviewed; report from aggregates p50 %v p99 %v (1000 runs); by scan p50 %v p99 %v (50 runs)",
			calls, workers, load.Round(time.Millisecond), float64(calls)/load.Seconds(), used,
			q.ID, ft.Aggregate.Calls, reviewed, fp50, fp99, sp50, sp99)
	}
}
