package cadence

import (
	_ "embed"
	"sort"
	"strings"
)

//go:embed library.yaml
var libraryYAML []byte

// Library is a set of cadences by id: the built-ins, merged with a cadence file. It is immutable:
// Merge returns a new Library, so one can be shared by goroutines.
type Library struct {
	byID    map[string]Cadence
	builtin []string // ids of the built-ins, in trigger order
}

// Builtin returns the built-in library: one cadence for each of the seven triggers, ids demo,
// cold-email, proposal, missed-meeting, form-fill, event-chat and customer-checkin, parsed from the
// embedded library.yaml (whose validity the tests guarantee; an invalid one panics).
func Builtin() *Library {
	cs, err := Parse("library.yaml", libraryYAML)
	if err != nil {
		panic("cadence: invalid built-in library: " + err.Error())
	}
	order := map[Trigger]int{}
	for i, t := range Triggers {
		order[t] = i
	}
	sort.SliceStable(cs, func(i, j int) bool { return order[cs[i].Trigger] < order[cs[j].Trigger] })
	l := &Library{byID: map[string]Cadence{}}
	for _, c := range cs {
		c.Builtin = true
		l.byID[c.ID] = c
		l.builtin = append(l.builtin, c.ID)
	}
	return l
}

// Merge returns a new library with the custom cadences added; a custom cadence with the id of one
// already in the library replaces it (and is not Builtin). l is unchanged.
func (l *Library) Merge(custom []Cadence) *Library {
	out := &Library{byID: make(map[string]Cadence, len(l.byID)+len(custom)), builtin: l.builtin}
	for id, c := range l.byID {
		out.byID[id] = c
	}
	for _, c := range custom {
		c.Builtin = false
		out.byID[c.ID] = c
	}
	return out
}

// Get returns the cadence with the id (case and surrounding spaces do not matter). It returns a
// coded ENOTFOUND error listing the valid ids: `unknown cadence "x"; valid: demo, cold-email, ...`.
func (l *Library) Get(id string) (Cadence, error) {
	if c, ok := l.byID[strings.ToLower(strings.TrimSpace(id))]; ok {
		return c, nil
	}
	return Cadence{}, Errorf(ENOTFOUND, "unknown cadence %q; valid: %s", id, strings.Join(l.IDs(), ", "))
}

// ForTrigger returns the first cadence (in All order) that follows the trigger: the built-in one
// unless a cadence file replaced it. It returns a coded ENOTFOUND error when none does.
func (l *Library) ForTrigger(t Trigger) (Cadence, error) {
	for _, c := range l.All() {
		if c.Trigger == t {
			return c, nil
		}
	}
	return Cadence{}, Errorf(ENOTFOUND, "no cadence follows %s; valid cadences: %s", strings.ToLower(t.Label()), strings.Join(l.IDs(), ", "))
}

// All returns every cadence in a stable order: the built-ins (or the custom cadences that replace
// them) in trigger order, then the other custom cadences by id.
func (l *Library) All() []Cadence {
	ids := l.IDs()
	out := make([]Cadence, len(ids))
	for i, id := range ids {
		out[i] = l.byID[id]
	}
	return out
}

// IDs returns the ids of All, in the same order.
func (l *Library) IDs() []string {
	ids := append([]string(nil), l.builtin...)
	isBuiltin := map[string]bool{}
	for _, id := range l.builtin {
		isBuiltin[id] = true
	}
	var custom []string
	for id := range l.byID {
		if !isBuiltin[id] {
			custom = append(custom, id)
		}
	}
	sort.Strings(custom)
	return append(ids, custom...)
}
