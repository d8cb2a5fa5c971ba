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

// sharedEnv names the environment variables of the flags that mean the
// same in every command that reaches the servers (work, serve, rescore and
// the benches), so that one deployment's environment serves them all.
// A flag whose meaning differs between commands (--listen) is given its
// variable by its command.
var sharedEnv = map[string]string{
	"redis-url":         "CALLQA_REDIS_URL",
	"key-prefix":        "CALLQA_KEY_PREFIX",
	"minio-endpoint":    "CALLQA_MINIO_ENDPOINT",
	"minio-access-key":  "CALLQA_MINIO_ACCESS_KEY",
	"minio-secret-key":  "CALLQA_MINIO_SECRET_KEY",
	"minio-secure":      "CALLQA_MINIO_SECURE",
	"bucket":            "CALLQA_BUCKET",
	"minio-events-key":  "CALLQA_MINIO_EVENTS_KEY",
	"lexicon-dir":       "CALLQA_LEXICON_DIR",
	"workers":           "CALLQA_WORKERS",
	"log-level":         "CALLQA_LOG_LEVEL",
	"log-format":        "CALLQA_LOG_FORMAT",
	"consumer":          "CALLQA_CONSUMER",
	"claim-after":       "CALLQA_CLAIM_AFTER",
	"scan-every":        "CALLQA_SCAN_EVERY",
	"max-deliveries":    "CALLQA_MAX_DELIVERIES",
	"shutdown-grace":    "CALLQA_SHUTDOWN_GRACE",
	"default-unit":      "CALLQA_DEFAULT_UNIT",
	"default-agent":     "CALLQA_DEFAULT_AGENT",
	"default-team":      "CALLQA_DEFAULT_TEAM",
	"default-direction": "CALLQA_DEFAULT_DIRECTION",
	"layout":            "CALLQA_LAYOUT",
	"channel-agent":     "CALLQA_CHANNEL_AGENT",
	"sidecar-wait":      "CALLQA_SIDECAR_WAIT",
	"auth-file":         "CALLQA_AUTH_FILE",
}

// withSharedEnv gives every flag of fs that sharedEnv names its variable.
func withSharedEnv(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if env, ok := sharedEnv[f.Name]; ok {
			withEnv(fs, f.Name, env)
		}
	})
}

// addMinIOFlags adds the flags that reach MinIO to fs.
func addMinIOFlags(fs *pflag.FlagSet, o *workOptions) {
	fs.StringVar(&o.minioEndpoint, "minio-endpoint", "localhost:9000", "MinIO server as host:port")
	fs.StringVar(&o.minioAccess, "minio-access-key", "", "MinIO access key (required)")
	fs.StringVar(&o.minioSecret, "minio-secret-key", "", "MinIO secret key (required)")
	fs.BoolVar(&o.minioSecure, "minio-secure", false, "use TLS to reach MinIO")
}
