// Command callqa scores recorded service calls for compliance with the
// service norms: offline (score, eval, gen, convert) or as a service (work,
// serve, rescore).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"
)

// defaultMemoryLimit is the soft heap limit callqa sets unless GOMEMLIMIT
// says otherwise. The segmenter's dictionary is ~130 MB of long-lived heap;
// with the default GOGC the heap would grow to twice that between
// collections, so the limit makes the collector run before resident memory
// passes ~250 MB. Scoring allocates little per call, so it costs little.
const defaultMemoryLimit = 200 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	if err := root.ExecuteContext(ctx); err != nil {
		var ee exitError
		if !errors.As(err, &ee) {
			fmt.Fprintln(os.Stderr, "callqa:", err)
		}
		os.Exit(exitCode(err))
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "callqa",
		Short:         "Score recorded service calls against the service norms",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Each subcommand lives in its own file as newXxxCmd.
	root.AddCommand(
		newScoreCmd(),
		newEvalCmd(),
		newConvertCmd(),
		newWorkCmd(),
		newServeCmd(),
		newRescoreCmd(),
		newTokenCmd(),
		newBenchPipelineCmd(),
		newBenchScoreCmd(),
		newBenchRescoreCmd(),
		newGenCmd(),
	)
	return root
}

// exitError carries an exit code for a failure that was already reported
// to the user (e.g. some files of a batch failed).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func exitCode(err error) int {
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}
