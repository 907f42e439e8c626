package bot

import (
	"sync"
	"testing"
	"time"
)

// recordingMetrics keeps what the bot reports.
type recordingMetrics struct {
	mu        sync.Mutex
	acked     map[string]int
	reminders map[string]int
	claims    int
	connected bool
}

var _ Metrics = (*recordingMetrics)(nil)

func (m *recordingMetrics) Acked(kind string, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.acked[kind]++
}
func (m *recordingMetrics) Replied(string, time.Duration) {}
func (m *recordingMetrics) Reminder(r string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reminders[r]++
}
func (m *recordingMetrics) Claimed(lag time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.claims++
}
func (m *recordingMetrics) RateLimited(time.Duration) {}
func (m *recordingMetrics) Connected(open bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.connected = open
}

// TestMetricsOfCommandsAndReminders: a slash command's ack is counted under its subcommand, a
// reminder as one claim and one DM posted, and the open connection as connected.
func TestMetricsOfCommandsAndReminders(t *testing.T) {
	m := &recordingMetrics{acked: map[string]int{}, reminders: map[string]int{}}
	h := newDispatchHarness(t, func(c *Config) { c.Metrics = m })
	h.slash(t, alice, "list")
	h.slash(t, alice, "frobnicate all the things")
	h.remind(t, alice, dana)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.acked["slash:list"] != 1 || m.acked["slash:other"] != 1 {
		t.Errorf("acks = %v, want one slash:list and one slash:other", m.acked)
	}
	if m.claims != 1 || m.reminders["posted"] != 1 || len(m.reminders) != 1 {
		t.Errorf("claims %d, reminders %v; want 1 claim and 1 posted", m.claims, m.reminders)
	}
	if !m.connected {
		t.Error("the open connection was not reported")
	}
}

func TestCommandKind(t *testing.T) {
	for in, want := range map[string]string{"": "slash:help", "help": "slash:help", "ADD Dana": "slash:add",
		"stop k3f9a2": "slash:stop", "<script>": "slash:other"} {
		if got := commandKind(in); got != want {
			t.Errorf("commandKind(%q) = %q, want %q", in, got, want)
		}
	}
}
