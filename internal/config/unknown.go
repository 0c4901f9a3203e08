package config

import (
	"sort"
	"strings"
)

// envPrefix starts the name of every setting's variable.
const envPrefix = "AUTHGATE_"

// nonSettings are the AUTHGATE_ variables that authgate's own tools read but the server does not:
// set in the same environment on purpose, they are not typos.
var nonSettings = map[string]string{
	"AUTHGATE_TEST_POSTGRES_URL": "the PostgreSQL server the tests make their databases on (internal/store/storetest)",
	"AUTHGATE_BENCH_CEILING_KEY": "the key `authgate bench` hands the ceiling server it starts",
	"AUTHGATE_PORT":              "the published address and port in docker-compose.yml",
}

// Unknown is an AUTHGATE_ variable that names no setting: a typo, or a setting of another
// version. It is ignored, so a misspelt AUTHGATE_ACESS_TOKEN_LIFETIME would silently leave the
// default in force; the commands warn instead, naming the closest setting.
type Unknown struct {
	Name    string
	Closest string // the setting whose variable is nearest in spelling
}

// String is the warning: what is ignored, and what was probably meant.
func (u Unknown) String() string {
	return u.Name + " is not a setting and is ignored; did you mean " + u.Closest + "?"
}

// UnknownVariables lists, sorted, the variables of environ ("NAME=value" entries, as os.Environ
// gives them) that start with AUTHGATE_ in any case but name neither a setting of the table nor
// a variable of nonSettings. New rows of the table are known at once.
func UnknownVariables(environ []string) []Unknown {
	var known []string
	isKnown := map[string]bool{}
	for _, s := range settings() {
		known = append(known, s.env)
		isKnown[s.env] = true
	}
	// The providers AUTHGATE_OIDC_PROVIDERS declares have variables of their own: those of a
	// provider not declared (AUTHGATE_OIDC_GOOGEL_CLIENT_ID) are typos like any other.
	for _, kv := range environ {
		if name, v, _ := strings.Cut(kv, "="); name == "AUTHGATE_OIDC_PROVIDERS" {
			for _, p := range providerVariables(declaredProviders(v)) {
				known = append(known, p)
				isKnown[p] = true
			}
		}
	}
	seen := map[string]bool{}
	var out []Unknown
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(strings.ToUpper(name), envPrefix) || isKnown[name] || nonSettings[name] != "" || seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, Unknown{Name: name, Closest: closest(strings.ToUpper(name), known)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// closest returns the candidate at the smallest edit distance from name (the first of equals).
func closest(name string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		if d := levenshtein(name, c); bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// levenshtein is the number of single-byte insertions, deletions and substitutions that turn a
// into b (variable names are ASCII).
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
