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
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
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
		newBenchPipelineCmd(),
		newBenchScoreCmd(),
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
