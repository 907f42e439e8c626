package bot

import (
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"testing"

	"github.com/followup-bot/followup/bot/slacktest"
)

// TestBurstOfEnvelopesCostsNoGoroutineEach: while every worker is busy, a burst of slash
// commands waits in the queue; it does not start a goroutine per envelope.
func TestBurstOfEnvelopesCostsNoGoroutineEach(t *testing.T) {
	h := newHarness(t)
	gate := make(chan struct{})
	release := sync.OnceFunc(func() { close(gate) })
	t.Cleanup(release)
	entered := make(chan struct{}, 1000)
	h.slack.FailNext("users.info", 1000, slacktest.Hook(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-gate:
		case <-r.Context().Done():
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":false,"error":"user_not_found"}`)
	}))
	// Fill the workers: each new user's settings ask users.info, which hangs.
	for i := range h.bot.cfg.Workers {
		if _, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: fmt.Sprintf("U0BUSY%04d", i), Text: "settings"}); err != nil {
			t.Fatal(err)
		}
		<-entered
	}
	before := runtime.NumGoroutine()
	const burst = 300
	for i := range burst {
		ack, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: fmt.Sprintf("U0WAIT%04d", i), Text: "settings"})
		if err != nil {
			t.Fatal(err)
		}
		checkAck(t, ack)
	}
	if grown := runtime.NumGoroutine() - before; grown > burst/10 {
		t.Errorf("%d envelopes waiting for a worker added %d goroutines", burst, grown)
	}
	release()
}
