package main

import (
	"fmt"
	"os"
	"sort"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envAnnotation is the flag annotation that names a flag's environment
// variable.
const envAnnotation = "callqa_env"

// withEnv gives the flag name of fs the environment equivalent env: its
// usage text names the variable, and applyEnv reads it.
func withEnv(fs *pflag.FlagSet, name, env string) {
	f := fs.Lookup(name)
	if f == nil {
		panic("withEnv: no flag --" + name) // a programming error, caught by every test of the command
	}
	f.Usage += " [$" + env + "]"
	if f.Annotations == nil {
		f.Annotations = map[string][]string{}
	}
	f.Annotations[envAnnotation] = []string{env}
}

// applyEnv sets every flag of cmd that was not given on the command line
// from its environment variable, if that is set. A bad value is an error
// naming the variable, the flag and the value.
func applyEnv(cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		env := f.Annotations[envAnnotation]
		if err != nil || len(env) == 0 || f.Changed {
			return
		}
		v, ok := os.LookupEnv(env[0])
		if !ok {
			return
		}
		if serr := f.Value.Set(v); serr != nil {
			err = fmt.Errorf("$%s (--%s) = %q: %w", env[0], f.Name, v, serr)
		}
	})
	return err
}

// envNames returns the environment variables the flags of cmd read, sorted.
func envNames(cmd *cobra.Command) []string {
	var out []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if env := f.Annotations[envAnnotation]; len(env) > 0 {
			out = append(out, env[0])
		}
	})
	sort.Strings(out)
	return out
}
