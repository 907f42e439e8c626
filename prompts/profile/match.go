package profile

import (
	"strings"

	"github.com/followup-bot/followup/cadence"
)

// ConcernIn returns the first concern whose name or a keyword appears, as whole words, in one of
// the texts (notes, signals), or nil.
func (p *Profile) ConcernIn(texts ...string) *Concern {
	if p == nil {
		return nil
	}
	all := " " + normWords(strings.Join(texts, " ")) + " "
	for i, c := range p.Concerns {
		for _, k := range append([]string{c.Name}, c.Keywords...) {
			if k = normWords(k); k != "" && strings.Contains(all, " "+k+" ") {
				return &p.Concerns[i]
			}
		}
	}
	return nil
}

// ProofFor returns the proof point that best serves purpose and concern (a concern tag match first,
// then a purpose match, then an untagged one), skipping the texts in used; nil when none fits.
func (p *Profile) ProofFor(purpose cadence.Purpose, concern string, used map[string]bool) *Proof {
	if p == nil {
		return nil
	}
	best, score := -1, 0
	for i, x := range p.Proof {
		if used[x.Text] {
			continue
		}
		if s := fit(x.Purposes, x.Concerns, purpose, concern); s > score {
			best, score = i, s
		}
	}
	if best < 0 {
		return nil
	}
	return &p.Proof[best]
}

// AssetFor returns the asset that best serves purpose and concern, skipping the URLs in used; nil
// when none fits.
func (p *Profile) AssetFor(purpose cadence.Purpose, concern string, used map[string]bool) *Asset {
	if p == nil {
		return nil
	}
	best, score := -1, 0
	for i, a := range p.Assets {
		if used[a.URL] {
			continue
		}
		if s := fit(a.Purposes, a.Concerns, purpose, concern); s > score {
			best, score = i, s
		}
	}
	if best < 0 {
		return nil
	}
	return &p.Assets[best]
}

// fit scores how well tags serve purpose and concern: 0 when a tag rules it out.
func fit(purposes []cadence.Purpose, concerns []string, purpose cadence.Purpose, concern string) int {
	s := 1
	if len(purposes) > 0 {
		ok := false
		for _, x := range purposes {
			ok = ok || x == purpose
		}
		if !ok {
			return 0
		}
		s++
	}
	if concern != "" && len(concerns) > 0 {
		for _, c := range concerns {
			if strings.EqualFold(c, concern) {
				return s + 4
			}
		}
		return 0 // it answers another concern than the contact's
	}
	return s
}

func normWords(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}), " ")
}
