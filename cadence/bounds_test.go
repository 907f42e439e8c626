package cadence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseRefusesAliases: a YAML alias bomb is refused at once, naming the line of the first
// alias, instead of being expanded for seconds.
func TestParseRefusesAliases(t *testing.T) {
	var b strings.Builder
	b.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for i := range 30 {
		name := string(rune('b'+i%24)) + strings.Repeat("z", i/24)
		b.WriteString(name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n")
		prev = name
	}
	b.WriteString("cadences:\n  - id: x\n    steps: *" + prev + "\n")
	_, err := Parse("bomb.yaml", []byte(b.String()))
	var ve ValidationErrors
	if !asValidation(err, &ve) || len(ve) != 1 || ve[0].Line != 2 || !strings.Contains(ve[0].Msg, "aliases are not allowed") {
		t.Fatalf("Parse of an alias bomb = %v, want one problem at line 2 about aliases", err)
	}
}

// TestLoadFileRefusesLargeFile: a file over MaxFileSize is refused without being parsed.
func TestLoadFileRefusesLargeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	data := []byte("cadences: []\n" + strings.Repeat("# padding\n", MaxFileSize/10+1))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(path)
	if err == nil || !strings.Contains(err.Error(), "larger than 1024 KB") {
		t.Fatalf("LoadFile of %d bytes = %v, want a size problem", len(data), err)
	}
}

// TestParseStopsReadingLongLists: a cadence with thousands of steps is reported once, not step
// by step.
func TestParseStopsReadingLongLists(t *testing.T) {
	var b strings.Builder
	b.WriteString("cadences:\n  - id: long\n    steps:\n")
	for range 5000 {
		b.WriteString("      - {gap: 1d, channel: fax, purpose: nope}\n")
	}
	_, err := Parse("long.yaml", []byte(b.String()))
	var ve ValidationErrors
	if !asValidation(err, &ve) || len(ve) != 1 || !strings.Contains(ve[0].Msg, "5000 steps; a cadence has at most 12") {
		t.Fatalf("Parse = %d problems (%v), want one about the step count", len(ve), err)
	}
}

func asValidation(err error, ve *ValidationErrors) bool {
	v, ok := err.(ValidationErrors)
	*ve = v
	return ok
}
