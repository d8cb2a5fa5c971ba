package callgen

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"callqa/lexicon"
	"callqa/scoring"
)

// UnitKind is the business a unit is in; it picks the dialogues.
type UnitKind string

// Unit kinds.
const (
	Power UnitKind = "power"
	Heat  UnitKind = "heat"
)

// cst is the calls' time zone: China Standard Time, +08:00.
var cst = time.FixedZone("CST", 8*3600)

// Random streams of one seed, kept apart by salt.
const (
	saltCall uint64 = iota + 1
	saltAgent
	saltCustomer
)

// Generator makes calls. It is read-only after New and safe for concurrent
// use; Call and Generate may run on any number of goroutines.
type Generator struct {
	seed     uint64
	prefix   string
	units    []unitInfo
	agents   []agent
	start    time.Time
	days     int
	custN    int
	rates    Rates
	exempt   ExemptRates
	mix      Mix
	lex      *lexicon.Lexicon
	bans     banLists
	dayStart []time.Time
}

// unitInfo is a unit with what the generator derives from it.
type unitInfo struct {
	id        string
	kind      UnitKind
	aliases   []string
	ringLimit int64 // ms
	// homophones are aliases with one character misrecognized as a
	// homophone, for the UnitHomophone hard negative; may be empty.
	homophones []string
	short      string // the alias used in the body of a call
}

// agent is one agent of the pool.
type agent struct {
	id     string
	unit   int
	team   string
	workNo string // the agent's number as said on the phone: 一零二三
	factor float64
}

// New returns a generator for opts, or an error naming the option at fault.
func New(opts Options) (*Generator, error) {
	g := &Generator{seed: opts.Seed, prefix: opts.IDPrefix}
	if g.prefix != "" && !callIDSafe(g.prefix) {
		return nil, fmt.Errorf("callgen: IDPrefix %q: want letters, digits and . _ : - only", g.prefix)
	}
	lex := opts.Lexicon
	if lex == nil {
		var err error
		if lex, err = lexicon.Default(); err != nil {
			return nil, fmt.Errorf("callgen: load default lexicon: %w", err)
		}
	}
	g.lex = lex
	units := opts.Units
	if len(units) == 0 {
		units = lex.Units
	}
	if len(units) == 0 {
		return nil, errors.New("callgen: no units to make calls for")
	}
	for _, u := range units {
		ui, err := newUnitInfo(u)
		if err != nil {
			return nil, err
		}
		g.units = append(g.units, ui)
	}

	g.start = opts.Start
	if g.start.IsZero() {
		g.start = time.Date(2026, 11, 1, 0, 0, 0, 0, cst)
	}
	s := g.start.In(cst)
	g.start = time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, cst)
	g.days = opts.Days
	if g.days == 0 {
		g.days = 30
	}
	if g.days < 0 {
		return nil, fmt.Errorf("callgen: Days = %d: must not be negative", g.days)
	}
	g.dayStart = make([]time.Time, g.days)
	for d := range g.dayStart {
		g.dayStart[d] = g.start.AddDate(0, 0, d)
	}

	g.rates = DefaultRates()
	if opts.Rates != nil {
		g.rates = *opts.Rates
	}
	if err := checkProbabilities("Rates", &g.rates); err != nil {
		return nil, fmt.Errorf("callgen: %w", err)
	}
	g.exempt = DefaultExemptRates()
	if opts.Exempt != nil {
		g.exempt = *opts.Exempt
	}
	if err := checkProbabilities("Exempt", &g.exempt); err != nil {
		return nil, fmt.Errorf("callgen: %w", err)
	}
	g.mix = DefaultMix()
	if opts.Mix != nil {
		g.mix = *opts.Mix
	}
	if err := g.checkMix(); err != nil {
		return nil, err
	}

	g.custN = opts.Customers
	if g.custN == 0 {
		g.custN = 20000
	}
	if g.custN < 0 {
		return nil, fmt.Errorf("callgen: Customers = %d: must not be negative", g.custN)
	}
	if err := g.makeAgents(opts.Agents, opts.TeamsPerUnit); err != nil {
		return nil, err
	}
	bans, err := newBanLists(lex)
	if err != nil {
		return nil, err
	}
	g.bans = bans
	return g, nil
}

func (g *Generator) checkMix() error {
	m := g.mix
	spread := m.AgentSpread
	m.AgentSpread = 0
	if err := checkProbabilities("Mix", &m); err != nil {
		return fmt.Errorf("callgen: %w", err)
	}
	if !(spread >= 0 && spread <= 2) {
		return fmt.Errorf("callgen: Mix.AgentSpread = %v: want 0 to 2", spread)
	}
	if m.HangupSystem+m.HangupUnknown > 1 {
		return fmt.Errorf("callgen: Mix.HangupSystem + Mix.HangupUnknown = %v: over 1", m.HangupSystem+m.HangupUnknown)
	}
	return nil
}

func newUnitInfo(u lexicon.Unit) (unitInfo, error) {
	if u.ID == "" || len(u.Aliases) == 0 {
		return unitInfo{}, fmt.Errorf("callgen: unit %q has no id or no aliases", u.ID)
	}
	if !callIDSafe(u.ID) {
		return unitInfo{}, fmt.Errorf("callgen: unit id %q cannot be part of a call id", u.ID)
	}
	ui := unitInfo{id: u.ID, kind: Power, aliases: u.Aliases, ringLimit: int64(u.RingLimit) * 3000}
	if ui.ringLimit <= 0 {
		ui.ringLimit = 12000
	}
	for _, a := range u.Aliases {
		if strings.ContainsAny(a, "热暖") {
			ui.kind = Heat
		}
	}
	// The body names the unit by its shortest alias that is not a number.
	for _, a := range u.Aliases {
		if strings.Trim(a, "0123456789") == "" {
			continue
		}
		if ui.short == "" || len([]rune(a)) < len([]rune(ui.short)) {
			ui.short = a
		}
	}
	if ui.short == "" {
		ui.short = u.Aliases[0]
	}
	for _, a := range u.Aliases {
		if h, ok := homophoneOf(a); ok {
			ui.homophones = append(ui.homophones, h)
		}
	}
	return ui, nil
}

func callIDSafe(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r)) {
			return false
		}
	}
	return s != ""
}

// makeAgents builds the agent pool: agent k works for unit k mod units, in
// one of its unit's teams, with a sloppiness factor of mean 1 per unit.
func (g *Generator) makeAgents(n, teams int) error {
	if n == 0 {
		n = 30 * len(g.units)
	}
	if n < len(g.units) {
		return fmt.Errorf("callgen: Agents = %d: need at least one per unit (%d units)", n, len(g.units))
	}
	if teams == 0 {
		teams = 3
	}
	if teams < 0 {
		return fmt.Errorf("callgen: TeamsPerUnit = %d: must not be negative", teams)
	}
	nu := len(g.units)
	g.agents = make([]agent, n)
	sum := make([]float64, nu)
	count := make([]int, nu)
	var r rng
	for k := range g.agents {
		r.seed(g.seed, saltAgent, uint64(k))
		u := k % nu
		num := 1001 + k
		f := math.Exp(g.mix.AgentSpread * r.normal())
		f = min(max(f, 0.25), 3)
		g.agents[k] = agent{
			id:     fmt.Sprintf("A%d", num),
			unit:   u,
			team:   teamName(g.units[u].kind, (k/nu)%teams),
			workNo: hanDigits(fmt.Sprint(num), false),
			factor: f,
		}
		sum[u] += f
		count[u]++
	}
	for k := range g.agents {
		u := g.agents[k].unit
		g.agents[k].factor *= float64(count[u]) / sum[u]
	}
	return nil
}

var classNames = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// teamName names team t of a unit: 95598-一班 on a power hotline, 热线二组
// on a heat one.
func teamName(k UnitKind, t int) string {
	n := fmt.Sprint(t + 1)
	if t < len(classNames) {
		n = classNames[t]
	}
	if k == Heat {
		return "热线" + n + "组"
	}
	return "95598-" + n + "班"
}

// Call returns call i of the corpus. It depends on the seed, the options
// and i alone.
func (g *Generator) Call(i int) *scoring.Transcript {
	t, _ := g.Generate(i)
	return t
}

// Generate returns call i of the corpus with its Meta.
func (g *Generator) Generate(i int) (*scoring.Transcript, *Meta) {
	c := newCall(g, i)
	c.run()
	return c.transcript(), &c.meta
}
