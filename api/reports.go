package api

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"callqa/lexicon"
	"callqa/store"
)

// Reports are served from the per-day aggregates and review adjustments
// (store.Report): the main figures (mean_score, pass_rate, fatal_calls,
// findings_by_rule, calls_by_rule, days) are the reviewed ones, net of
// overturned findings; "machine" holds the figures as scored, before
// review. A call's day is its start date in its own UTC offset.

// defaultReportDays is the period of a report without from and to.
const defaultReportDays = 30

// maxWorst bounds the worst calls of a report.
const maxWorst = 50

type figures struct {
	Calls      int64            `json:"calls"`
	MeanScore  *float64         `json:"mean_score"`
	PassRate   *float64         `json:"pass_rate"`
	FatalCalls int64            `json:"fatal_calls"`
	Findings   int64            `json:"findings"`
	ByRule     map[string]int64 `json:"findings_by_rule"`
	CallsBy    map[string]int64 `json:"calls_by_rule"`
}

type dayView struct {
	Date string `json:"date"`
	figures
	MachineMeanScore *float64 `json:"machine_mean_score"`
}

type worstView struct {
	CallID        string    `json:"call_id"`
	Unit          string    `json:"unit"`
	ReviewedScore int       `json:"reviewed_score"`
	StartedAt     time.Time `json:"started_at"`
}

type reportView struct {
	Kind  string   `json:"kind"`
	ID    string   `json:"id"`
	Units []string `json:"units"`
	From  string   `json:"from"`
	To    string   `json:"to"`
	figures
	ReviewedCalls   int64            `json:"reviewed_calls"`
	OverturnedCalls int64            `json:"overturned_calls"`
	OverturnedBy    map[string]int64 `json:"overturned_by_rule"`
	Machine         figures          `json:"machine"`
	PassScores      map[string]int   `json:"pass_scores"`
	Days            []dayView        `json:"days"`
	WorstCalls      []worstView      `json:"worst_calls"`
}

// ratio returns n/d rounded to decimals, or nil when d is 0.
func ratio(n, d int64, decimals int) *float64 {
	if d == 0 {
		return nil
	}
	p := math.Pow10(decimals)
	v := math.Round(float64(n)/float64(d)*p) / p
	return &v
}

// reviewed returns the reviewed figures of a day (or total): the
// aggregate plus the review adjustment.
func reviewed(f store.DayFigures) figures {
	a, r := f.Aggregate, f.Adjustment
	out := figures{Calls: a.Calls, FatalCalls: a.Fatal + r.Fatal, ByRule: map[string]int64{}, CallsBy: map[string]int64{}}
	out.MeanScore = ratio(a.ScoreSum+r.ScoreSum, a.Calls, 2)
	out.PassRate = ratio(a.Passed+r.Passed, a.Calls, 4)
	for rule, n := range a.Findings {
		if v := n + r.Findings[rule]; v != 0 {
			out.ByRule[rule] = v
			out.Findings += v
		}
	}
	for rule, n := range a.CallsWithRule {
		if v := n + r.CallsWithRule[rule]; v != 0 {
			out.CallsBy[rule] = v
		}
	}
	return out
}

func machine(a store.Aggregate) figures {
	out := figures{Calls: a.Calls, FatalCalls: a.Fatal, ByRule: map[string]int64{}, CallsBy: map[string]int64{}}
	out.MeanScore = ratio(a.ScoreSum, a.Calls, 2)
	out.PassRate = ratio(a.Passed, a.Calls, 4)
	for rule, n := range a.Findings {
		if n != 0 {
			out.ByRule[rule] = n
			out.Findings += n
		}
	}
	for rule, n := range a.CallsWithRule {
		if n != 0 {
			out.CallsBy[rule] = n
		}
	}
	return out
}

func (s *Server) agentReport(c *gin.Context) { s.report(c, store.DimAgent, c.Param("id")) }
func (s *Server) teamReport(c *gin.Context)  { s.report(c, store.DimTeam, c.Param("team")) }

// report serves the report of one agent or team for a period.
func (s *Server) report(c *gin.Context, dim store.Dim, id string) {
	op := "api." + string(dim) + "Report"
	p := principal(c)
	query := c.Request.URL.Query()
	for k, v := range query {
		switch k {
		case "from", "to", "unit", "format", "worst":
		default:
			fail(c, invalid(op, k, "unknown query parameter"))
			return
		}
		if len(v) > 1 {
			fail(c, invalid(op, k, "given %d times; give it once", len(v)))
			return
		}
	}
	q := store.ReportQuery{Dim: dim, ID: id, From: query.Get("from"), To: query.Get("to")}
	today := time.Now().In(s.cfg.Zone)
	if q.To == "" {
		q.To = today.Format(time.DateOnly)
	}
	if q.From == "" {
		if to, err := time.Parse(time.DateOnly, q.To); err == nil {
			q.From = to.AddDate(0, 0, -(defaultReportDays - 1)).Format(time.DateOnly)
		}
	}
	for _, f := range []struct{ name, val string }{{"from", q.From}, {"to", q.To}} {
		if err := store.ParseDay(f.val); err != nil {
			fail(c, invalid(op, f.name, "%v", err))
			return
		}
	}
	if _, err := q.Days(); err != nil {
		fail(c, invalid(op, "to", "%v", strings.TrimPrefix(err.Error(), "to: ")))
		return
	}
	var err error
	if q.Worst, err = intParam(query.Get("worst"), 10, 0, maxWorst); err != nil {
		fail(c, invalid(op, "worst", "%v", err))
		return
	}
	format := query.Get("format")
	if format != "" && format != "json" && format != "csv" {
		fail(c, invalid(op, "format", "%q is not json or csv", truncate(format, 20)))
		return
	}
	ctx := c.Request.Context()
	if u := query.Get("unit"); u != "" {
		if _, ok := s.lex.Unit(u); !ok {
			fail(c, invalid(op, "unit", "unknown unit %q (the lexicon has %s)", truncate(u, 40), strings.Join(s.unitIDs(), ", ")))
			return
		}
		q.Units = []string{u}
	} else {
		units, err := s.st.Units(ctx)
		if err != nil {
			fail(c, fromStore(op, err))
			return
		}
		slices.Sort(units)
		q.Units = units
	}
	if err := s.mayReport(c, op, p, dim, id, q.Units); err != nil {
		fail(c, err)
		return
	}
	r, err := s.st.Report(ctx, q)
	if err != nil {
		fail(c, fromStore(op, err))
		return
	}
	v := s.reportView(dim, id, q, r)
	if format == "csv" {
		s.writeCSV(c, v)
		return
	}
	c.JSON(http.StatusOK, v)
}

// mayReport checks that p may read the report: a team of its own, or an
// agent who took calls for one of its teams.
func (s *Server) mayReport(c *gin.Context, op string, p *Principal, dim store.Dim, id string, units []string) error {
	if p.Teams() == nil || (dim == store.DimTeam && p.SeesTeam(id)) {
		return nil
	}
	if dim == store.DimTeam {
		return &Error{Op: op, Kind: KindForbidden, Msg: "this token does not cover team " + id}
	}
	for _, u := range units {
		teams, err := s.st.AgentTeams(c.Request.Context(), u, id)
		if err != nil {
			return fromStore(op, err)
		}
		for t := range teams {
			if p.SeesTeam(t) {
				return nil
			}
		}
	}
	return &Error{Op: op, Kind: KindForbidden, Msg: "agent " + id + " has no calls in this token's teams"}
}

func (s *Server) reportView(dim store.Dim, id string, q store.ReportQuery, r *store.Report) reportView {
	total := r.Total()
	v := reportView{Kind: string(dim), ID: id, Units: q.Units, From: q.From, To: q.To,
		figures: reviewed(total), Machine: machine(total.Aggregate), ReviewedCalls: total.Adjustment.Reviewed,
		OverturnedCalls: total.Adjustment.Overturned, OverturnedBy: map[string]int64{}, PassScores: map[string]int{},
		Days: make([]dayView, len(r.Days)), WorstCalls: make([]worstView, len(r.Worst))}
	if v.Units == nil {
		v.Units = []string{}
	}
	for rule, n := range total.Adjustment.Findings {
		if n != 0 {
			v.OverturnedBy[rule] = -n
		}
	}
	for _, u := range q.Units {
		if unit, ok := s.lex.Unit(u); ok {
			v.PassScores[u] = s.lex.SchemeFor(unit).PassScore
		}
	}
	for i, d := range r.Days {
		v.Days[i] = dayView{Date: d.Day, figures: reviewed(d), MachineMeanScore: ratio(d.Aggregate.ScoreSum, d.Aggregate.Calls, 2)}
	}
	for i, w := range r.Worst {
		v.WorstCalls[i] = worstView{CallID: w.CallID, Unit: w.Unit, ReviewedScore: w.Score, StartedAt: time.UnixMilli(w.StartMS).UTC()}
	}
	return v
}

// writeCSV writes a report as CSV: one row per day and a total row, with
// the findings of every rule of the catalogue in columns.
func (s *Server) writeCSV(c *gin.Context, v reportView) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="callqa-%s-%s-%s-%s.csv"`, v.Kind, safeName(v.ID), v.From, v.To))
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	head := []string{"date", "calls", "mean_score", "pass_rate", "machine_mean_score", "fatal_calls", "findings"}
	head = append(head, lexicon.RuleIDs...)
	_ = w.Write(head)
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	row := func(date string, f figures, machineMean *float64) []string {
		out := []string{date, strconv.FormatInt(f.Calls, 10), num(f.MeanScore), num(f.PassRate), num(machineMean),
			strconv.FormatInt(f.FatalCalls, 10), strconv.FormatInt(f.Findings, 10)}
		for _, r := range lexicon.RuleIDs {
			out = append(out, strconv.FormatInt(f.ByRule[r], 10))
		}
		return out
	}
	for _, d := range v.Days {
		_ = w.Write(row(d.Date, d.figures, d.MachineMeanScore))
	}
	_ = w.Write(row("total", v.figures, v.Machine.MeanScore))
	w.Flush()
	if err := w.Error(); err != nil {
		s.log.Warn("writing a CSV report failed", "err", err)
	}
}

// safeName keeps a name usable in a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r == '/' || r < ' ' {
			return '_'
		}
		return r
	}, s)
}
