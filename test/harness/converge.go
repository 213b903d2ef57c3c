package harness

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// Convergence is the outcome of Converge.
type Convergence struct {
	// Rounds holds the output of every render, in order. The last one is
	// the extra round rendered after the XR became Ready.
	Rounds []*Output
	// Observed holds the simulated observed resources fed into each round
	// after the first (Observed[i] was given to Rounds[i+1]).
	Observed [][]*Object
	// ReadyRound is the number of renders it took until the XR was Ready
	// (1-based).
	ReadyRound int
}

// Final returns the output of the round in which the XR became Ready.
func (c *Convergence) Final() *Output {
	return c.Rounds[c.ReadyRound-1]
}

// FinalObserved returns the simulated observed resources of the final
// round's composed resources: the world once everything exists.
func (c *Convergence) FinalObserved() []*Object {
	return c.Observed[c.ReadyRound-1]
}

// Converge renders an XR repeatedly, each time feeding the simulated
// provider status of the previous round's composed resources back as
// observed resources, until the XR's Ready condition is True. initial are
// observed resources for the first round (usually nil).
//
// It fails if the XR is not Ready after maxRounds renders, if a composed
// resource of one round is missing from the next, or if the round after the
// XR became Ready does not print byte-identical output.
func (h *Harness) Converge(xr *Object, composition string, initial []*Object, credentials string, maxRounds int) (*Convergence, error) {
	c := &Convergence{}
	observed := initial
	for round := 1; round <= maxRounds+1; round++ {
		out, _, err := h.Render(xr, composition, observed, credentials)
		if err != nil {
			return c, fmt.Errorf("round %d: %w", round, err)
		}
		if n := len(c.Rounds); n > 0 {
			if missing := missingResources(c.Rounds[n-1], out); len(missing) > 0 {
				return c, fmt.Errorf("round %d: composed resources of round %d disappeared: %s", round, n, strings.Join(missing, ", "))
			}
		}
		c.Rounds = append(c.Rounds, out)
		if c.ReadyRound > 0 {
			// The extra round after Ready: must be a fixed point.
			prev := c.Rounds[c.ReadyRound-1]
			if !bytes.Equal(prev.Raw, out.Raw) {
				return c, fmt.Errorf("round %d: output changed after the XR became Ready in round %d:\n%s", round, c.ReadyRound, UnifiedDiff("round "+fmt.Sprint(c.ReadyRound), "round "+fmt.Sprint(round), string(prev.Raw), string(out.Raw)))
			}
			return c, nil
		}
		if out.Ready() {
			c.ReadyRound = round
		} else if round == maxRounds {
			return c, fmt.Errorf("XR not Ready after %d rounds: %s", maxRounds, readyMessage(out))
		}
		if observed, err = h.Simulate(out.Composed); err != nil {
			return c, fmt.Errorf("round %d: simulate: %w", round, err)
		}
		c.Observed = append(c.Observed, observed)
	}
	return c, nil
}

// ConvergeCase converges a case from its observed resources.
func (h *Harness) ConvergeCase(c *Case, maxRounds int) (*Convergence, error) {
	return h.Converge(c.XR, c.Composition, c.Observed, c.Credentials, maxRounds)
}

// missingResources lists composition resource names of prev absent in next.
func missingResources(prev, next *Output) []string {
	have := map[string]bool{}
	for _, o := range next.Composed {
		have[ResourceName(o)] = true
	}
	var missing []string
	for _, o := range prev.Composed {
		if n := ResourceName(o); !have[n] {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	return missing
}

func readyMessage(out *Output) string {
	conds, _ := out.XR.Object["status"].(map[string]any)
	list, _ := conds["conditions"].([]any)
	for _, c := range list {
		m, _ := c.(map[string]any)
		if m["type"] == "Ready" {
			return fmt.Sprintf("Ready=%v reason=%v message=%v", m["status"], m["reason"], m["message"])
		}
	}
	return "no Ready condition"
}

// DefaultMaxRounds is the number of renders a composition gets to make its
// XR Ready in the repository's tests and in the render command.
const DefaultMaxRounds = 6
