package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"callqa/api"
)

// tokenOptions are the settings of `callqa token`.
type tokenOptions struct {
	name  string
	role  string
	teams []string
	pii   bool
	add   string
}

func newTokenCmd() *cobra.Command {
	var o tokenOptions
	cmd := &cobra.Command{
		Use:   "token --name NAME --role ROLE [--team TEAM]... [--pii] [--add FILE]",
		Short: "Make a new API token and its auth-file entry",
		Long: `Make a new random API token. The first line printed is the token, to hand to
its holder; it is shown once and stored nowhere. The second line is its entry
for the auth file (CALLQA_AUTH_FILE), which keeps only the token's SHA-256:

  {"name":"li.qa","sha256":"...","role":"reviewer","teams":["95598-一班"],"pii":false}

Roles: reviewer (read calls, write reviews), supervisor (read calls and
reports), admin (everything, every team). --team may be given several times;
"*" grants every team. --pii lets the token read customer phone, ID-card and
account numbers unmasked. With --add the entry is also added to that auth file
(created if missing); a running 'callqa serve' reloads it on SIGHUP.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tok, entry, err := api.NewToken(o.name, api.Role(o.role), o.teams, o.pii)
			if err != nil {
				return err
			}
			line, err := json.Marshal(entry)
			if err != nil {
				return err
			}
			if o.add != "" {
				if err := addToken(o.add, entry); err != nil {
					return fmt.Errorf("--add %q: %w", o.add, err)
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			fmt.Fprintln(cmd.OutOrStdout(), string(line))
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.name, "name", "", "who holds the token, as logs name it (required)")
	fs.StringVar(&o.role, "role", "", "reviewer, supervisor or admin (required)")
	fs.StringArrayVar(&o.teams, "team", nil, `a team the token covers; repeat for more, "*" for all`)
	fs.BoolVar(&o.pii, "pii", false, "grant reading customer phone, ID-card and account numbers unmasked")
	fs.StringVar(&o.add, "add", "", "also add the entry to this auth file")
	return cmd
}

// addToken adds entry to the auth file at path, replacing the file
// atomically and keeping it private.
func addToken(path string, entry api.TokenEntry) error {
	var f api.TokenFile
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("not an auth file: %w", err)
		}
	}
	f.Tokens = append(f.Tokens, entry)
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".auth-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(out, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
