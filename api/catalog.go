package api

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"callqa/lexicon"
)

// schemeSummary names a scheme and its pass score.
type schemeSummary struct {
	ID        string `json:"id"`
	Version   string `json:"version"`
	PassScore int    `json:"pass_score"`
}

func (s *Server) schemes() []schemeSummary {
	out := make([]schemeSummary, 0, len(s.lex.Schemes))
	for _, sc := range s.lex.Schemes {
		out = append(out, schemeSummary{ID: sc.ID, Version: sc.Version, PassScore: sc.PassScore})
	}
	slices.SortFunc(out, func(a, b schemeSummary) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}

// ruleView is one rule of the catalogue with its setting in every scheme.
type ruleView struct {
	lexicon.RuleInfo
	Schemes map[string]lexicon.RuleSetting `json:"schemes"`
}

// rules serves the rule catalogue: each rule's title, norm clause and
// message, and its deduction, cap, severity and state in every scheme.
func (s *Server) rules(c *gin.Context) {
	out := make([]ruleView, 0, len(s.lex.Rules))
	for _, r := range s.lex.Rules {
		v := ruleView{RuleInfo: r, Schemes: map[string]lexicon.RuleSetting{}}
		for id, sc := range s.lex.Schemes {
			v.Schemes[id] = sc.Rules[r.ID]
		}
		out = append(out, v)
	}
	c.JSON(http.StatusOK, gin.H{"lexicon_version": s.lex.Version, "schemes": s.schemes(), "rules": out})
}

// lexiconInfo serves the running lexicon's version, source and units.
func (s *Server) lexiconInfo(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"version": s.lex.Version, "source": s.lex.Source, "units": s.lex.Units, "schemes": s.schemes()})
}
