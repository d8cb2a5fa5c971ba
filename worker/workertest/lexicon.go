package workertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LexiconWithout writes into outDir a lexicon override folder whose
// phrases.yaml is the one in dataDir (the repository's lexicon/data) with
// phrase taken out of the first list that names it: the change a QA team
// makes when a phrase should no longer count. Calls that say the phrase
// score differently under it; the others score the same.
func LexiconWithout(dataDir, outDir, phrase string) error {
	b, err := os.ReadFile(filepath.Join(dataDir, "phrases.yaml"))
	if err != nil {
		return err
	}
	s := string(b)
	out := ""
	for _, r := range []struct{ pat, repl string }{
		{"[" + phrase + ", ", "["}, {" " + phrase + ", ", " "}, {", " + phrase + "]", "]"},
	} {
		if i := strings.Index(s, r.pat); i >= 0 {
			out = s[:i] + r.repl + s[i+len(r.pat):]
			break
		}
	}
	if out == "" {
		return fmt.Errorf("phrases.yaml names no phrase %q in a list", phrase)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outDir, "phrases.yaml"), []byte(out), 0o644)
}
