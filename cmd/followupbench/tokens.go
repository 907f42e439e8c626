package main

// LLM cost (item 6), from the prompts package's benchmark: it needs the fake chat-completions
// server (prompts/openaitest), which lives in test code.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/followup-bot/followup/prompts"
)

// benchTokens runs BenchmarkDraftCost and reads the prompt tokens and model calls per draft of
// every channel and purpose from its custom metrics.
func benchTokens(ctx context.Context, b *bench) error {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkDraftCost$", "-benchtime", "20x",
		"-count", "1", "./prompts")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go test -bench BenchmarkDraftCost ./prompts: %w\n%s", err, out)
	}
	type row struct {
		name                       string
		typical, full, sent, calls float64
	}
	var rows []row
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkDraftCost/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkDraftCost/")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		r := row{name: name}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "tokens-typical":
				r.typical = v
			case "tokens-full":
				r.full = v
			case "sent-tokens/draft":
				r.sent = v
			case "llm-calls/draft":
				r.calls = v
			}
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return fmt.Errorf("no BenchmarkDraftCost results in:\n%s", out)
	}
	var maxTypical, maxFull, minCalls, maxCalls float64
	minCalls = 1e9
	var worst string
	var line []string
	for _, r := range rows {
		if r.full > maxFull {
			maxFull, worst = r.full, r.name
		}
		maxTypical = max(maxTypical, r.typical)
		minCalls, maxCalls = min(minCalls, r.calls), max(maxCalls, r.calls)
		line = append(line, fmt.Sprintf("%s %.0f / %.0f", r.name, r.typical, r.full))
	}
	okTokens := maxFull <= prompts.PromptBudget
	tr := result{Item: 6, Name: fmt.Sprintf("Prompt tokens per draft (%d channel × purpose pairs)", len(rows)),
		Figure: fmt.Sprintf("max %.0f typical, %.0f worst case", maxTypical, maxFull), Target: fmt.Sprintf("≤ %d", prompts.PromptBudget), Status: status(okTokens)}
	tr.Notes = append(tr.Notes,
		"Counted with prompts.EstimateTokens, which is characters/4 rounded up (the rule of thumb for English with BPE "+
			"tokenizers), over the system and user prompts prompts.Render makes; the tokens the fake server received per "+
			"request are the same figure. Typical: a third step after a demo with a two-line note, one signal and two "+
			"earlier touches, the library's guidance for the pair. Worst case: every quoted field (names, goal, guidance, "+
			"notes, 6 signals, 6 earlier drafts) well past its cap. Deterministic: one run.")
	tr.Notes = append(tr.Notes, "Per channel/purpose, typical / worst case: "+strings.Join(line, "; ")+".")
	if !okTokens {
		tr.Notes = append(tr.Notes, fmt.Sprintf("Missed for %s: %s; Render caps the notes to the budget but "+
			"not the other quoted fields.", worst, by(maxFull, prompts.PromptBudget)))
	}
	b.add(tr)
	okCalls := minCalls == 1 && maxCalls == 1
	cr := result{Item: 6, Name: "LLM calls per touchpoint, normal path", Figure: fmt.Sprintf("%g", maxCalls),
		Target: "exactly 1", Status: status(okCalls)}
	if minCalls != maxCalls {
		cr.Figure = fmt.Sprintf("%g–%g", minCalls, maxCalls)
	}
	cr.Notes = append(cr.Notes, "The bot's drafter, prompts.WithFallback over the OpenAI-compatible drafter, against the fake "+
		"chat-completions server (prompts/openaitest) answering with a draft that passes Check; requests counted at the "+
		"server over 20 drafts for each of the 25 channel × purpose pairs. The dispatcher drafts once per touchpoint and "+
		"stores the draft before posting, so a retried or re-claimed touchpoint is not drafted again (bot/dispatch.go).")
	b.add(cr)
	return nil
}
