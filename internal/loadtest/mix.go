package loadtest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Weight is one action's share of the mixed scenario.
type Weight struct {
	Action string
	Weight int
}

// Mix weighs the actions of the mixed scenario. Each worker interleaves them deterministically
// (smooth weighted round-robin), so two runs send the same sequence.
type Mix []Weight

// DefaultMix is a busy API's day: mostly protected calls, some verifications and refreshes,
// few logins (each costs a memory-hard hash).
func DefaultMix() Mix {
	return Mix{{Me, 900}, {Verify, 50}, {Refresh, 45}, {Login, 5}}
}

// ParseMix reads "me=900,verify=50,refresh=45,login=5".
func ParseMix(s string) (Mix, error) {
	var m Mix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, w, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if !ok || err != nil {
			return nil, fmt.Errorf("loadtest: mix %q: want action=weight pairs like me=900,refresh=45", s)
		}
		m = append(m, Weight{strings.TrimSpace(a), n})
	}
	return m, m.validate()
}

// String is the form ParseMix reads.
func (m Mix) String() string {
	parts := make([]string, len(m))
	for i, w := range m {
		parts[i] = w.Action + "=" + strconv.Itoa(w.Weight)
	}
	return strings.Join(parts, ",")
}

func (m Mix) validate() error {
	total := 0
	seen := map[string]bool{}
	for _, w := range m {
		switch {
		case !slices.Contains([]string{Me, Verify, Refresh, Login}, w.Action):
			return fmt.Errorf("loadtest: mix: unknown action %q (want me, verify, refresh or login)", w.Action)
		case seen[w.Action]:
			return fmt.Errorf("loadtest: mix: %s given twice", w.Action)
		case w.Weight < 0 || w.Weight > 1_000_000:
			return fmt.Errorf("loadtest: mix: weight %d of %s outside 0 to 1000000", w.Weight, w.Action)
		}
		seen[w.Action] = true
		total += w.Weight
	}
	if total == 0 {
		return fmt.Errorf("loadtest: mix %q has no weight", m.String())
	}
	return nil
}

// picker interleaves a Mix's actions by smooth weighted round-robin (as nginx balances
// upstreams): each action comes up in proportion to its weight, evenly spread.
type picker struct {
	mix   Mix
	cur   []int
	total int
}

func newPicker(m Mix, skip int) *picker {
	p := &picker{mix: m, cur: make([]int, len(m))}
	for _, w := range m {
		p.total += w.Weight
	}
	// Workers start at different points of the sequence, so that they do not all log in at once.
	for range skip % p.total {
		p.next()
	}
	return p
}

func (p *picker) next() string {
	best := 0
	for i, w := range p.mix {
		p.cur[i] += w.Weight
		if p.cur[i] > p.cur[best] {
			best = i
		}
	}
	p.cur[best] -= p.total
	return p.mix[best].Action
}
