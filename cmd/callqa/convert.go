package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"callqa/adapt"
	"callqa/lexicon"
	"callqa/scoring"
)

// adaptOptions are the flags that tell the adapters what a call's files do
// not: a metadata sidecar (<key>.meta.json) wins over a CDR, which wins
// over these. Any command that reads vendor files registers them with
// register and makes its loader with loader.
type adaptOptions struct {
	unit         string
	agent        string
	team         string
	direction    string
	startedAt    string
	layout       string
	agentChannel int
}

func (o *adaptOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.unit, "unit", "", "unit id of calls whose metadata names none (e.g. sgcc-hz)")
	f.StringVar(&o.agent, "agent", "", "agent id of calls whose metadata and CDR name none")
	f.StringVar(&o.team, "team", "", "team of calls whose metadata names none")
	f.StringVar(&o.direction, "direction", "inbound", "direction of calls whose metadata names none: inbound or outbound")
	f.StringVar(&o.startedAt, "started-at", "", "start (RFC 3339) of calls whose CDR and metadata give none")
	f.StringVar(&o.layout, "layout", "auto", "how ASR channel/speaker labels are read: auto, dual (channels) or mono (diarized speakers)")
	f.IntVar(&o.agentChannel, "channel-agent", 0, "the agent's channel in dual-channel results; other channels are the customer's")
}

// loader checks the flags and makes the Loader they describe, with the
// unit names of the lexicon added to the role hints. A --unit the lexicon
// does not know is only warned about on stderr: the transcript is still
// valid, and an override lexicon may add the unit at scoring time.
func (o *adaptOptions) loader(lex *lexicon.Lexicon, stderr io.Writer) (*adapt.Loader, error) {
	var cfg adapt.Config
	cfg.Unit, cfg.AgentID, cfg.Team = strings.TrimSpace(o.unit), strings.TrimSpace(o.agent), o.team
	switch d := scoring.Direction(strings.ToLower(strings.TrimSpace(o.direction))); d {
	case scoring.Inbound, scoring.Outbound:
		cfg.Direction = d
	default:
		return nil, fmt.Errorf("--direction: %q is not inbound or outbound", o.direction)
	}
	if o.startedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, o.startedAt)
		if err != nil {
			return nil, fmt.Errorf("--started-at: %q is not an RFC 3339 time (e.g. 2026-11-22T09:30:00+08:00)", o.startedAt)
		}
		cfg.StartedAt = t
	}
	l, err := adapt.ParseLayout(o.layout)
	if err != nil {
		return nil, fmt.Errorf("--layout: %w", err)
	}
	cfg.Layout = l
	if o.agentChannel < 0 {
		return nil, fmt.Errorf("--channel-agent: %d is not a channel number", o.agentChannel)
	}
	cfg.AgentChannel = o.agentChannel
	if cfg.Unit != "" {
		if _, ok := lex.Unit(cfg.Unit); !ok {
			fmt.Fprintf(stderr, "callqa: warning: --unit %q is not a unit of the lexicon (%s)\n", cfg.Unit, lex.Source)
		}
	}
	cfg.Roles = adapt.DefaultRoleHints()
	for _, u := range lex.Units {
		cfg.Roles.UnitAliases = append(cfg.Roles.UnitAliases, u.Name)
		cfg.Roles.UnitAliases = append(cfg.Roles.UnitAliases, u.Aliases...)
	}
	return &adapt.Loader{Config: cfg}, nil
}

type convertOptions struct {
	adapt   adaptOptions
	outDir  string
	lexicon string
}

func newConvertCmd() *cobra.Command {
	var o convertOptions
	cmd := &cobra.Command{
		Use:   "convert [flags] PATH...",
		Short: "Write transcript JSON v1 from vendor ASR results and switch CDRs",
		Long: `Convert turns each call found in PATH (files or folders) into transcript
JSON v1. A call is an ASR result (Alibaba, Tencent, iFlytek lfasr, FunASR) or
a v1 transcript, named <key>.json or <key>.asr.json, with optional sidecars
next to it: <key>.cdr.json / <key>.cdr.<leg>.json (FreeSWITCH JSON CDR,
Asterisk CEL or CDR as JSON), <key>.cel.csv / <key>.cdr.csv (Asterisk CSV),
and <key>.meta.json (unit, agent_id, team, direction, call_id, started_at …).
Formats are told by content. See adapt/README.md.

With one call and no -o, the transcript is printed to stdout; with several,
one JSON object per line. With -o DIR each call is written to
DIR/<call_id>.json. A call that cannot be converted is reported on stderr
with its path and reason, the others are still converted, and the exit
status is 1.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConvert(cmd.OutOrStdout(), cmd.ErrOrStderr(), o, args)
		},
	}
	o.adapt.register(cmd)
	cmd.Flags().StringVarP(&o.outDir, "out", "o", "", "write each call to DIR/<call_id>.json instead of stdout")
	cmd.Flags().StringVar(&o.lexicon, "lexicon", os.Getenv("CALLQA_LEXICON_DIR"), "folder whose lexicon files replace the embedded ones; its unit names help tell the agent in mono audio (env CALLQA_LEXICON_DIR)")
	return cmd
}

func runConvert(stdout, stderr io.Writer, o convertOptions, paths []string) error {
	lex, err := lexicon.Load(o.lexicon)
	if err != nil {
		return fmt.Errorf("--lexicon: %w", err)
	}
	l, err := o.adapt.loader(lex, stderr)
	if err != nil {
		return err
	}
	items, err := l.Expand(paths)
	if err != nil {
		return err
	}
	if o.outDir != "" {
		if err := os.MkdirAll(o.outDir, 0o755); err != nil {
			return fmt.Errorf("-o: %w", err)
		}
	}
	failed := 0
	report := func(it adapt.Item, err error) {
		failed++
		if scoring.IsInputError(err) {
			fmt.Fprintf(stderr, "callqa convert: %v\n", err)
		} else {
			fmt.Fprintf(stderr, "callqa convert: %s: %v\n", it.Name(), err)
		}
	}
	written := map[string]string{}
	for _, it := range items {
		t, err := l.Load(it)
		if err != nil {
			report(it, err)
			continue
		}
		switch {
		case o.outDir != "":
			if prev, dup := written[t.CallID]; dup {
				report(it, fmt.Errorf("call id %s was already written from %s", t.CallID, prev))
				continue
			}
			if err := writeTranscript(filepath.Join(o.outDir, t.CallID+".json"), t); err != nil {
				report(it, err)
				continue
			}
			written[t.CallID] = it.Name()
		case len(items) == 1:
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", " ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(t); err != nil {
				return fmt.Errorf("write stdout: %w", err)
			}
		default:
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(t); err != nil {
				return fmt.Errorf("write stdout: %w", err)
			}
		}
	}
	if failed > 0 {
		return exitError{code: 1}
	}
	return nil
}

// writeTranscript writes t as indented JSON to path through a temporary
// file, so that a reader never sees half a transcript.
func writeTranscript(path string, t *scoring.Transcript) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".convert-*.json")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	enc := json.NewEncoder(tmp)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err = enc.Encode(t); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
