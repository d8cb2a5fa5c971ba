package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"callqa/api"
	"callqa/store"
)

// rescoreOptions are the settings of `callqa rescore`.
type rescoreOptions struct {
	redisURL  string
	keyPrefix string
	bucket    string
	sel       store.Selection
	watch     string
	cancel    string
	pause     string
	resume    string
	list      bool
	detach    bool
	jsonOut   bool
	by        string
	poll      time.Duration
}

func newRescoreCmd() *cobra.Command {
	o := &rescoreOptions{}
	cmd := &cobra.Command{
		Use:   "rescore [--prefix P | --unit U --team T --from D --to D --stale | --all] | --watch ID | --cancel ID | --pause ID | --resume ID | --list",
		Short: "Rescore stored calls with the workers' lexicon after the rules changed, with progress and a summary",
		Long: `Start a rescoring job and follow it: the running workers ('callqa work') rescore
every call the selection picks with their lexicon and engine, beside live
scoring and below it, and the job sums up what changed.

Selection (a prefix alone, or any of the others together, or --all):
  --prefix P     transcript objects of the bucket whose keys start with P
  --unit U       stored calls of unit U
  --team T       stored calls of team T
  --from/--to D  stored calls of these days (YYYY-MM-DD, the call's own offset)
  --stale        stored calls scored with another lexicon, scheme or engine
                 version than the workers run
  --all          every stored call

A job takes the versions of the live workers of the bucket as its target:
start the workers with the new lexicon (--lexicon-dir) first. While workers
of two lexicons run, no job starts. At most one job runs per selection.

The job is followed with a progress bar on stderr (done/total, rate, ETA;
a line every few seconds when stderr is no terminal) and its summary is
printed at the end: calls changed, mean and largest score changes, findings
added and removed per rule, reviews orphaned, failures. Ctrl-C detaches:
the job keeps running in the workers; --watch ID follows it again and
--cancel ID cancels it. Jobs survive worker restarts.

The API does the same: POST /v1/rescore, GET /v1/rescore/{id}.

Every server flag can be set by the environment variable named beside it,
as for 'callqa work' and 'callqa serve'.`,
		Example: `  callqa rescore --stale
  callqa rescore --prefix 2026/11/ --detach
  callqa rescore --watch 20261122T093000-3fa2c1
  callqa rescore --cancel 20261122T093000-3fa2c1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd); err != nil {
				return err
			}
			return runRescore(cmd.Context(), cmd, *o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.redisURL, "redis-url", "redis://localhost:6379/0", "Redis of the workers, as redis://[user:password@]host:port/db (rediss:// for TLS)")
	fs.StringVar(&o.keyPrefix, "key-prefix", store.DefaultPrefix, "prefix of every Redis key callqa uses; the workers' own")
	fs.StringVar(&o.bucket, "bucket", "calls", "bucket the workers score")
	fs.StringVar(&o.sel.Prefix, "prefix", "", "select the transcript objects whose keys start with this")
	fs.StringVar(&o.sel.Unit, "unit", "", "select the stored calls of this unit")
	fs.StringVar(&o.sel.Team, "team", "", "select the stored calls of this team")
	fs.StringVar(&o.sel.From, "from", "", "select stored calls from this day on (YYYY-MM-DD)")
	fs.StringVar(&o.sel.To, "to", "", "select stored calls up to this day (YYYY-MM-DD)")
	fs.BoolVar(&o.sel.Stale, "stale", false, "select stored calls scored with other versions than the workers run")
	fs.BoolVar(&o.sel.All, "all", false, "select every stored call")
	fs.StringVar(&o.watch, "watch", "", "follow job ID instead of starting one")
	fs.StringVar(&o.cancel, "cancel", "", "cancel job ID: its remaining calls are dropped (stored scores stay)")
	fs.StringVar(&o.pause, "pause", "", "pause job ID: workers take none of its calls until --resume")
	fs.StringVar(&o.resume, "resume", "", "resume the paused job ID")
	fs.BoolVar(&o.list, "list", false, "list the newest jobs")
	fs.BoolVar(&o.detach, "detach", false, "start the job, print its id and exit without following it")
	fs.BoolVar(&o.jsonOut, "json", false, "print the job as JSON (at its end when following) instead of the progress bar and summary")
	fs.StringVar(&o.by, "by", "", "name recorded as the job's creator or canceller (default cli:$USER@host)")
	fs.DurationVar(&o.poll, "poll", 500*time.Millisecond, "how often the job is read while following it")
	withSharedEnv(fs)
	return cmd
}

// selectionFlags are the flags that make a selection.
var selectionFlags = []string{"prefix", "unit", "team", "from", "to", "stale", "all"}

func runRescore(ctx context.Context, cmd *cobra.Command, o rescoreOptions) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	var actions []string
	for _, f := range []string{"watch", "cancel", "pause", "resume", "list"} {
		if cmd.Flags().Changed(f) {
			actions = append(actions, "--"+f)
		}
	}
	selecting := slices.ContainsFunc(selectionFlags, cmd.Flags().Changed)
	switch {
	case len(actions) > 1:
		return fmt.Errorf("%s: give one of them", strings.Join(actions, ", "))
	case len(actions) == 1 && selecting:
		return fmt.Errorf("%s takes no selection flags (--%s)", actions[0], strings.Join(selectionFlags, ", --"))
	case len(actions) == 0 && !selecting:
		return errors.New("select calls (--prefix, --unit, --team, --from/--to, --stale or --all), or give --watch, --cancel, --pause, --resume or --list; see --help")
	case o.poll <= 0:
		return fmt.Errorf("--poll %v: want a positive duration", o.poll)
	case o.bucket == "":
		return errors.New("--bucket: required")
	}
	ropts, err := redis.ParseURL(o.redisURL)
	if err != nil {
		return fmt.Errorf("--redis-url %q: %v", o.redisURL, err)
	}
	rdb := redis.NewClient(ropts)
	defer rdb.Close()
	st := store.New(rdb, store.Options{Prefix: o.keyPrefix})
	if o.by == "" {
		host, _ := os.Hostname()
		o.by = "cli:" + os.Getenv("USER") + "@" + host
	}
	switch {
	case o.list:
		return listRescores(ctx, st, stdout, o)
	case o.watch != "":
		return followRescore(ctx, st, o.watch, o, stdout, stderr)
	case o.cancel != "", o.pause != "", o.resume != "":
		return controlRescore(ctx, st, o, stdout)
	}
	sel := o.sel
	sel.Prefix = strings.TrimLeft(sel.Prefix, "/")
	job, err := st.StartRescore(ctx, o.bucket, sel, o.by)
	if err != nil {
		return rescoreError(err, o.bucket)
	}
	if o.detach {
		if o.jsonOut {
			return printRescoreJSON(ctx, st, job, stdout)
		}
		fmt.Fprintln(stdout, job.ID)
		fmt.Fprintf(stderr, "job %s started (%s) with %s; follow it with 'callqa rescore --watch %s'\n",
			job.ID, sel, job.Target, job.ID)
		return nil
	}
	if !o.jsonOut {
		fmt.Fprintf(stderr, "job %s started: %s, rescoring with %s\n", job.ID, sel, job.Target)
	}
	return followRescore(ctx, st, job.ID, o, stdout, stderr)
}

// rescoreError says what a failed start of a job means for the user.
func rescoreError(err error, bucket string) error {
	var exists *store.RescoreExistsError
	var se *store.SelectionError
	var mixed *store.MixedVersionsError
	switch {
	case errors.As(err, &exists):
		return fmt.Errorf("job %s with this selection is running; follow it with 'callqa rescore --watch %s' or cancel it with --cancel",
			exists.ID, exists.ID)
	case errors.As(err, &se) && se.Field != "":
		return fmt.Errorf("--%s: %s", se.Field, se.Msg)
	case errors.As(err, &se):
		return errors.New(se.Msg)
	case errors.As(err, &mixed):
		return fmt.Errorf("%v; start the job once every worker of the bucket runs the lexicon to rescore with", mixed)
	case errors.Is(err, store.ErrNoWorkers):
		return fmt.Errorf("no worker of bucket %s is running: a job rescores with the lexicon of the live workers; "+
			"start 'callqa work' (with --lexicon-dir for a changed lexicon) first", bucket)
	}
	return err
}

// followRescore follows a job until it finishes, or until ctx ends
// (Ctrl-C), which detaches from the job without cancelling it.
func followRescore(ctx context.Context, st *store.Store, id string, o rescoreOptions, stdout, stderr io.Writer) error {
	var p *rescoreProgress
	if !o.jsonOut {
		p = newRescoreProgress(stderr, id)
	}
	failures := 0
	for {
		job, err := st.Rescore(ctx, id)
		switch {
		case ctx.Err() != nil:
		case errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("no rescoring job %s in this Redis (key prefix %s)", id, o.keyPrefix)
		case err != nil:
			failures++
			if failures == 1 || failures%20 == 0 {
				fmt.Fprintf(stderr, "reading job %s failed, retrying: %v\n", id, err)
			}
		default:
			failures = 0
			if p != nil {
				p.update(job)
			}
			if job.Status.Finished() {
				if p != nil {
					p.finish()
				}
				if o.jsonOut {
					if err := printRescoreJSON(ctx, st, job, stdout); err != nil {
						return err
					}
				} else {
					printRescoreSummary(stdout, job)
				}
				if job.Status == store.RescoreCancelled {
					return exitError{code: 1}
				}
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if p != nil {
				p.finish()
			}
			fmt.Fprintf(stderr, "\ndetached from job %s; it keeps running in the workers. Follow it again with "+
				"'callqa rescore --watch %s', cancel it with 'callqa rescore --cancel %s'.\n", id, id, id)
			return nil
		case <-time.After(o.poll):
		}
	}
}

// controlRescore cancels, pauses or resumes a job and prints its state.
func controlRescore(ctx context.Context, st *store.Store, o rescoreOptions, stdout io.Writer) error {
	var job *store.Rescore
	var err error
	var id, done string
	switch {
	case o.cancel != "":
		id, done = o.cancel, "cancelled"
		job, err = st.CancelRescore(ctx, id, o.by)
	case o.pause != "":
		id, done = o.pause, "paused"
		job, err = st.PauseRescore(ctx, id)
	default:
		id, done = o.resume, "resumed"
		job, err = st.ResumeRescore(ctx, id)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("no rescoring job %s in this Redis (key prefix %s)", id, o.keyPrefix)
	case errors.Is(err, store.ErrRescoreFinished):
		return fmt.Errorf("job %s is finished (done or cancelled) and cannot change", id)
	case err != nil:
		return err
	}
	if o.jsonOut {
		return printRescoreJSON(ctx, st, job, stdout)
	}
	fmt.Fprintf(stdout, "job %s %s: %s, %d of %d calls done, %d failed, %d changed\n",
		job.ID, done, job.Status, job.Done, job.Total, job.Failed, job.Changed)
	return nil
}

// listRescores prints the newest jobs.
func listRescores(ctx context.Context, st *store.Store, stdout io.Writer, o rescoreOptions) error {
	jobs, err := st.Rescores(ctx, 50)
	if err != nil {
		return err
	}
	if o.jsonOut {
		views := make([]api.RescoreView, len(jobs))
		for i, j := range jobs {
			ws, err := st.Workers(ctx, j.Bucket)
			if err != nil {
				return err
			}
			views[i] = api.NewRescoreView(j, ws, time.Now())
		}
		return json.NewEncoder(stdout).Encode(map[string]any{"jobs": views})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tSELECTION\tDONE\tFAILED\tTOTAL\tCHANGED\tCREATED\tBY")
	for _, j := range jobs {
		total := fmt.Sprint(j.Total)
		if j.Selecting && !j.Status.Finished() {
			total += "+"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%d\t%s\t%s\n", j.ID, j.Status, j.Selection, j.Done, j.Failed, total,
			j.Changed, j.CreatedAt.Local().Format("2006-01-02 15:04"), j.By)
	}
	return tw.Flush()
}

func printRescoreJSON(ctx context.Context, st *store.Store, job *store.Rescore, stdout io.Writer) error {
	ws, err := st.Workers(context.WithoutCancel(ctx), job.Bucket)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(api.NewRescoreView(job, ws, time.Now()))
}

// printRescoreSummary prints what a finished job changed.
func printRescoreSummary(w io.Writer, job *store.Rescore) {
	fmt.Fprintf(w, "job %s %s: %s, rescored with %s\n", job.ID, job.Status, job.Selection, job.Target)
	pct := func(n int64) string {
		if job.Done == 0 {
			return "0 %"
		}
		return fmt.Sprintf("%.1f %%", 100*float64(n)/float64(job.Done))
	}
	fmt.Fprintf(w, "  calls:     %d selected, %d rescored, %d failed; %d changed (%s), %d with a new score, %d had no score before\n",
		job.Total, job.Done, job.Failed, job.Changed, pct(job.Changed), job.ScoreChanged, job.Created)
	if !job.StartedAt.IsZero() && !job.FinishedAt.IsZero() {
		took := job.FinishedAt.Sub(job.StartedAt)
		rate := 0.0
		if took > 0 {
			rate = float64(job.Processed()) / took.Seconds()
		}
		fmt.Fprintf(w, "  time:      %s, %.1f calls/s\n", took.Round(100*time.Millisecond), rate)
	}
	changedMean := 0.0
	if job.ScoreChanged > 0 {
		changedMean = float64(job.DeltaSum) / float64(job.ScoreChanged)
	}
	extreme := func(d int64) string {
		if d == 0 {
			return "none"
		}
		return fmt.Sprintf("%+d", d)
	}
	fmt.Fprintf(w, "  score:     mean change %+.2f (%+.2f over the calls whose score changed); largest rise %s, largest fall %s\n",
		job.MeanDelta(), changedMean, extreme(job.DeltaMax), extreme(job.DeltaMin))
	fmt.Fprintf(w, "  findings added:   %s\n", ruleCounts(job.Added))
	fmt.Fprintf(w, "  findings removed: %s\n", ruleCounts(job.Removed))
	fmt.Fprintf(w, "  reviews orphaned: %d (kept, shown as orphaned reviews of their calls)\n", job.Orphaned)
	if job.Failed > 0 {
		fmt.Fprintf(w, "  failures (first %d of %d):\n", len(job.Failures), job.Failed)
		for _, f := range job.Failures {
			fmt.Fprintf(w, "    %s: %s\n", f.Object, f.Reason)
		}
	}
	if job.Status == store.RescoreCancelled {
		fmt.Fprintf(w, "  cancelled by %s; %d selected calls were not rescored\n", job.CancelledBy,
			max(job.Total-job.Processed(), 0))
	}
}

// ruleCounts writes per-rule counts, largest first.
func ruleCounts(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	rules := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(rules, func(a, b string) int { return int(m[b] - m[a]) })
	parts := make([]string, len(rules))
	for i, r := range rules {
		parts[i] = fmt.Sprintf("%s %d", r, m[r])
	}
	return strings.Join(parts, ", ")
}

// rescoreProgress shows a job's progress on stderr: a progress bar on a
// terminal (done/total, rate, ETA), a line every few seconds otherwise.
type rescoreProgress struct {
	w   io.Writer
	id  string
	bar *progressbar.ProgressBar
	// samples are the processed counts of the last rateWindow, oldest
	// first, that the rate is worked out from.
	samples   []progressSample
	lineAt    time.Time
	lastTotal int64
}

type progressSample struct {
	at   time.Time
	done int64
}

// rateWindow is how far back the rate looks.
const rateWindow = 10 * time.Second

// lineEvery is how often progress is written as a line when stderr is no
// terminal.
const lineEvery = 5 * time.Second

func newRescoreProgress(w io.Writer, id string) *rescoreProgress {
	p := &rescoreProgress{w: w, id: id}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("job "+id),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionSetPredictTime(false),
		)
	}
	return p
}

// update shows job's state.
func (p *rescoreProgress) update(job *store.Rescore) {
	now := time.Now()
	done := job.Processed()
	p.samples = append(p.samples, progressSample{at: now, done: done})
	for len(p.samples) > 2 && now.Sub(p.samples[1].at) >= rateWindow {
		p.samples = p.samples[1:]
	}
	rate := 0.0
	if first := p.samples[0]; now.Sub(first.at) >= time.Second {
		rate = float64(done-first.done) / now.Sub(first.at).Seconds()
	} else if !job.StartedAt.IsZero() && now.Sub(job.StartedAt) >= time.Second {
		// Just attached: the job's mean rate so far.
		rate = float64(done) / now.Sub(job.StartedAt).Seconds()
	}
	status := fmt.Sprintf("%.0f calls/s", rate)
	switch {
	case job.Status == store.RescorePaused:
		status = "paused"
	case job.Selecting:
		status += ", selecting calls…"
	case rate > 0:
		eta := time.Duration(float64(max(job.Total-done, 0)) / rate * float64(time.Second))
		status += ", ETA " + eta.Round(time.Second).String()
	}
	if job.Failed > 0 {
		status += fmt.Sprintf(", %d failed", job.Failed)
	}
	if p.bar != nil {
		if job.Total != p.lastTotal {
			p.bar.ChangeMax64(max(job.Total, 1))
			p.lastTotal = job.Total
		}
		p.bar.Describe(status)
		_ = p.bar.Set64(done)
		return
	}
	if now.Sub(p.lineAt) >= lineEvery || job.Status.Finished() {
		p.lineAt = now
		total := fmt.Sprint(job.Total)
		if job.Selecting {
			total += "+"
		}
		fmt.Fprintf(p.w, "job %s %s: %d/%s, %s\n", p.id, job.Status, done, total, status)
	}
}

// finish ends the progress display.
func (p *rescoreProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Exit()
		fmt.Fprintln(p.w)
	}
}
