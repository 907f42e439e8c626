// Command followupbench measures followup's speed, memory and LLM cost at team and company scale
// and writes BENCHMARKS.md (issue 7). `make bench` runs it at full size:
//
//	CGO_ENABLED=1 go run ./cmd/followupbench -out BENCHMARKS.md
//
// While developing, shrink every fixture with -scale (0.01 builds 1% of the rows) and pick
// benchmarks with -only (tokens, claim, report, startup, ack, classify, crash, dispatch, and on
// PostgreSQL claim-pg, ack-pg, dispatch-replicas). Figures are medians over -runs runs (at most 3
// for crash, and 3 rounds alternating one and two replicas for dispatch-replicas); classify,
// the mail classifier's accuracy on its case set, is counted once. The bot is driven as a child
// process ("followup run", built from ./cmd/followup)
// against the in-repo fake Slack served by this process; the database benchmarks call package
// store directly; the LLM cost comes from `go test -bench BenchmarkDraftCost ./prompts`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "followupbench:", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	out   string
	scale float64
	runs  int
	only  map[string]bool
	keep  bool
}

// scaled returns n times the scale, but never less than least.
func (o options) scaled(n, least int) int { return max(int(float64(n)*o.scale), least) }

// benchmarks in the order they run; the dispatch benchmark goes last as it is the longest.
var benchmarks = []struct {
	name string
	fn   func(ctx context.Context, b *bench) error
}{
	{"tokens", benchTokens},
	{"claim", benchClaim},
	{"report", benchReport},
	{"startup", benchStartup},
	{"ack", benchAck},
	{"classify", benchClassify},
	{"crash", benchCrash},
	{"dispatch", benchDispatch},
	{"claim-pg", benchClaimPG},
	{"ack-pg", benchAckPG},
	{"dispatch-replicas", benchDispatchReplicas},
}

// bench is what every benchmark gets: options, a scratch directory, the followup binary, a log
// and the results so far.
type bench struct {
	options
	dir     string
	bin     string
	log     io.Writer
	results []result
}

// result is one line of the summary table and its notes.
type result struct {
	Item   int    // the number in issue 7
	Name   string // what is measured
	Figure string // the measured figure, medians
	Target string
	Status string   // "met", "missed" or "not run"
	Notes  []string // how it was measured, spread, and for a miss: by how much and why
}

func (b *bench) add(r result) {
	b.results = append(b.results, r)
	fmt.Fprintf(b.log, "  #%d %s: %s (target %s): %s\n", r.Item, r.Name, r.Figure, r.Target, r.Status)
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, format+"\n", args...)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("followupbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var only string
	fs.StringVar(&o.out, "out", "", "write the results as Markdown to this file (BENCHMARKS.md); empty prints them")
	fs.Float64Var(&o.scale, "scale", 1, "fixture size factor: 1 is the issue's sizes, 0.01 a quick try")
	fs.IntVar(&o.runs, "runs", 5, "runs per benchmark; figures are medians over them")
	fs.StringVar(&only, "only", "", "comma-separated benchmarks to run (tokens, claim, report, startup, ack, classify, crash, dispatch, claim-pg, ack-pg, dispatch-replicas); empty runs all")
	fs.BoolVar(&o.keep, "keep", false, "keep the scratch directory with the fixtures")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.scale <= 0 || o.runs < 1 {
		return errors.New("-scale must be > 0 and -runs >= 1")
	}
	if only != "" {
		o.only = map[string]bool{}
		for _, n := range strings.Split(only, ",") {
			o.only[strings.TrimSpace(n)] = true
		}
	}
	dir, err := os.MkdirTemp("", "followupbench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(stderr, "scratch directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	b := &bench{options: o, dir: dir, log: stderr}
	start := time.Now()
	b.logf("building ./cmd/followup")
	if b.bin, err = buildFollowup(ctx, dir); err != nil {
		return err
	}
	for _, bm := range benchmarks {
		if o.only != nil && !o.only[bm.name] {
			continue
		}
		b.logf("== %s", bm.name)
		t := time.Now()
		if err := bm.fn(ctx, b); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			b.logf("  %s failed: %v", bm.name, err)
			b.add(result{Item: itemOf(bm.name), Name: bm.name, Figure: "—", Target: "—", Status: "not run",
				Notes: []string{"The benchmark failed: " + firstLine(err.Error())}})
		}
		b.logf("  (%s took %s)", bm.name, time.Since(t).Round(time.Second))
	}
	elapsed := time.Since(start)
	var w io.Writer = stdout
	if o.out != "" {
		f, err := os.Create(o.out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	slices.SortStableFunc(b.results, func(x, y result) int { return x.Item - y.Item })
	if err := writeMarkdown(w, b, machineInfo(ctx), elapsed); err != nil {
		return err
	}
	if o.out != "" {
		b.logf("wrote %s", filepath.Clean(o.out))
	}
	return nil
}

func itemOf(name string) int {
	return map[string]int{"ack": 1, "claim": 2, "dispatch": 3, "report": 4, "tokens": 6, "startup": 7, "classify": 14, "crash": crashItem,
		"ack-pg": 1, "claim-pg": 2, "dispatch-replicas": 3}[name]
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
