package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gin-gonic/gin"
)

// Role is what a token may do.
type Role string

// Roles. Reviewers read calls and write reviews; supervisors read calls
// and reports; admins may do everything, for every team.
const (
	RoleReviewer   Role = "reviewer"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// AllTeams in a token's teams grants every team.
const AllTeams = "*"

// TokenEntry is one token of the auth file: the token itself is never
// stored, only the hex SHA-256 of it.
type TokenEntry struct {
	Name   string   `json:"name"`
	SHA256 string   `json:"sha256"`
	Role   Role     `json:"role"`
	Teams  []string `json:"teams"`
	// PII grants reading customer phone, ID-card and account numbers
	// unmasked.
	PII bool `json:"pii,omitempty"`
}

// TokenFile is the auth file: {"tokens": [...]}.
type TokenFile struct {
	Tokens []TokenEntry `json:"tokens"`
}

// Principal is the caller a request's token names.
type Principal struct {
	Name  string
	Role  Role
	teams []string
	all   bool
	PII   bool
}

// SeesTeam reports whether the principal may see calls and reports of
// team. Calls without a team are seen only with every team.
func (p *Principal) SeesTeam(team string) bool {
	return p.all || team != "" && slices.Contains(p.teams, team)
}

// Teams returns the principal's teams, or nil when it sees every team.
func (p *Principal) Teams() []string {
	if p.all {
		return nil
	}
	return slices.Clone(p.teams)
}

// Tokens holds the tokens of an auth file by hash. It is safe for
// concurrent use; Reload swaps the set atomically.
type Tokens struct {
	path string
	set  atomic.Pointer[map[string]*Principal]
}

// LoadTokens reads and checks the auth file at path.
func LoadTokens(path string) (*Tokens, error) {
	t := &Tokens{path: path}
	if err := t.Reload(); err != nil {
		return nil, err
	}
	return t, nil
}

// NewTokens returns the tokens of entries, for tests and embedding.
func NewTokens(entries []TokenEntry) (*Tokens, error) {
	set, err := buildTokens(entries)
	if err != nil {
		return nil, err
	}
	t := &Tokens{}
	t.set.Store(&set)
	return t, nil
}

// Reload reads the auth file again; on an error the tokens in force stay.
func (t *Tokens) Reload() error {
	if t.path == "" {
		return nil
	}
	b, err := os.ReadFile(t.path)
	if err != nil {
		return fmt.Errorf("read auth file: %w", err)
	}
	var f TokenFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("auth file %s: %w", t.path, err)
	}
	set, err := buildTokens(f.Tokens)
	if err != nil {
		return fmt.Errorf("auth file %s: %w", t.path, err)
	}
	t.set.Store(&set)
	return nil
}

func buildTokens(entries []TokenEntry) (map[string]*Principal, error) {
	set := make(map[string]*Principal, len(entries))
	for i, e := range entries {
		if err := e.Check(); err != nil {
			return nil, fmt.Errorf("tokens[%d]: %w", i, err)
		}
		h := strings.ToLower(e.SHA256)
		if _, dup := set[h]; dup {
			return nil, fmt.Errorf("tokens[%d] (%s): the same sha256 as an earlier token", i, e.Name)
		}
		p := &Principal{Name: e.Name, Role: e.Role, PII: e.PII, all: e.Role == RoleAdmin}
		for _, team := range e.Teams {
			if team == AllTeams {
				p.all = true
			}
			p.teams = append(p.teams, team)
		}
		set[h] = p
	}
	return set, nil
}

// Check reports what is wrong with an entry.
func (e TokenEntry) Check() error {
	switch {
	case strings.TrimSpace(e.Name) == "":
		return fmt.Errorf("name: required")
	case len(e.SHA256) != 64:
		return fmt.Errorf("sha256 of %s: want 64 hex digits", e.Name)
	case e.Role != RoleReviewer && e.Role != RoleSupervisor && e.Role != RoleAdmin:
		return fmt.Errorf("role of %s: %q is not reviewer, supervisor or admin", e.Name, e.Role)
	case len(e.Teams) == 0 && e.Role != RoleAdmin:
		return fmt.Errorf("teams of %s: at least one team, or \"*\" for all", e.Name)
	}
	if _, err := hex.DecodeString(e.SHA256); err != nil {
		return fmt.Errorf("sha256 of %s: want 64 hex digits", e.Name)
	}
	for _, team := range e.Teams {
		if strings.TrimSpace(team) == "" {
			return fmt.Errorf("teams of %s: empty team name", e.Name)
		}
	}
	return nil
}

// Lookup returns the principal of a token, or nil.
func (t *Tokens) Lookup(token string) *Principal {
	set := t.set.Load()
	if set == nil || token == "" {
		return nil
	}
	return (*set)[HashToken(token)]
}

// HashToken returns the hex SHA-256 of a token, as the auth file keeps it.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewToken returns a new random token and its entry for the auth file.
func NewToken(name string, role Role, teams []string, pii bool) (string, TokenEntry, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", TokenEntry{}, fmt.Errorf("random token: %w", err)
	}
	tok := "cqa_" + base64.RawURLEncoding.EncodeToString(b[:])
	e := TokenEntry{Name: name, SHA256: HashToken(tok), Role: role, Teams: teams, PII: pii}
	if e.Teams == nil {
		e.Teams = []string{}
	}
	if err := e.Check(); err != nil {
		return "", TokenEntry{}, err
	}
	return tok, e, nil
}

// principalKey is the gin context key of the request's Principal.
const principalKey = "callqa.principal"

// authenticate resolves the bearer token of a request into its Principal,
// or answers 401.
func (s *Server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		fail(c, &Error{Op: "api.authenticate", Kind: KindUnauthorized, Msg: "a bearer token is required (Authorization: Bearer <token>)"})
		return
	}
	p := s.tokens.Lookup(strings.TrimSpace(tok))
	if p == nil {
		fail(c, &Error{Op: "api.authenticate", Kind: KindUnauthorized, Msg: "unknown token"})
		return
	}
	c.Set(principalKey, p)
	c.Next()
}

// allow lets the request through when its principal has one of roles.
func allow(roles ...Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := principal(c)
		if p == nil || !slices.Contains(roles, p.Role) {
			fail(c, &Error{Op: "api.allow", Kind: KindForbidden, Msg: "this token's role may not do this"})
			return
		}
		c.Next()
	}
}

// principal returns the request's Principal.
func principal(c *gin.Context) *Principal {
	v, _ := c.Get(principalKey)
	p, _ := v.(*Principal)
	return p
}
