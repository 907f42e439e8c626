package main

// Statistics and the Markdown of BENCHMARKS.md.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// median returns the median of ds (the mean of the middle two for an even count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// percentile returns the p-th percentile (0..100) of ds, nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// spread formats the runs' values, for the notes.
func spread(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = ms(d)
	}
	return strings.Join(parts, ", ")
}

// ms formats d in milliseconds with a precision that suits its size.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f < 10:
		return fmt.Sprintf("%.2f ms", f)
	case f < 1000:
		return fmt.Sprintf("%.1f ms", f)
	}
	return fmt.Sprintf("%.2f s", f/1000)
}

// mb formats bytes in MB (10^6 bytes, as the targets are written).
func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// status is "met" when ok, else "missed".
func status(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

// by describes how far got is above the target want.
func by(got, want float64) string {
	return fmt.Sprintf("%.0f%% over (%.2fx)", (got/want-1)*100, got/want)
}

// loadavg is the one-minute load average of the machine, from /proc/loadavg ("?" if unknown):
// the machine is shared, and a figure measured under load says so.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// machine describes where the figures were measured.
type machine struct {
	CPU, Go, OS, Date string
	Cores             int
}

func machineInfo(ctx context.Context) machine {
	m := machine{CPU: "unknown", Go: runtime.Version(), Cores: runtime.NumCPU(),
		Date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if out, err := exec.CommandContext(ctx, "uname", "-r").Output(); err == nil {
		m.OS += ", Linux " + strings.TrimSpace(string(out))
	}
	return m
}

func writeMarkdown(w io.Writer, b *bench, m machine, elapsed time.Duration) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format+"\n", args...) }
	p("# Benchmarks")
	p("")
	p("Written by `make bench` (`go run ./cmd/followupbench -out BENCHMARKS.md`); do not edit by hand.")
	p("The targets are issue 7's, and issue 12's for the replies to commands. Figures are medians over the runs; the notes give every run.")
	p("")
	p("| | |")
	p("|---|---|")
	p("| Machine | %s, %d cores (shared with other work while measured) |", m.CPU, m.Cores)
	p("| System | %s |", m.OS)
	p("| Go | %s |", m.Go)
	p("| Date | %s |", m.Date)
	p("| Runs | %d per benchmark (fewer where a note says so); fixture scale %g; whole run %s |", b.runs, b.scale,
		elapsed.Round(time.Second))
	p("")
	if b.scale != 1 {
		p("**Fixture scale %g: these are not the issue's sizes; run `make bench` for the real figures.**", b.scale)
		p("")
	}
	p("## Summary")
	p("")
	p("| # | Benchmark | Figure | Target | |")
	p("|---|---|---|---|---|")
	for _, r := range b.results {
		p("| %d | %s | %s | %s | %s |", r.Item, r.Name, r.Figure, r.Target, r.Status)
	}
	missed := 0
	for _, r := range b.results {
		if r.Status != "met" {
			missed++
		}
	}
	p("")
	if missed == 0 {
		p("Every target is met.")
	} else {
		p("%d of %d figures miss their target or were not measured; the notes below say by how much and why.", missed, len(b.results))
	}
	p("")
	p("## Notes")
	for _, r := range b.results {
		p("")
		p("### %d. %s — %s", r.Item, r.Name, r.Status)
		p("")
		for _, n := range r.Notes {
			p("- %s", n)
		}
	}
	p("")
	p("## How to run")
	p("")
	p("- `make bench` — everything at full size (about %s on the machine above).", elapsed.Round(time.Minute))
	p("- `go run ./cmd/followupbench -scale 0.01 -runs 2` — a quick try; `-only claim,report` picks benchmarks.")
	p("- `go test -run '^$' -bench . ./store ./prompts` — the package benchmarks on their own")
	p("  (`BenchmarkClaim`, `BenchmarkReport`, `BenchmarkDraftCost`; add `-short` to skip the million-row fixtures).")
	return bw.Flush()
}
