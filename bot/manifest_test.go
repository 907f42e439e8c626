package bot

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestManifest checks manifest.yaml against what the bot does over Socket Mode: the /followup
// command with a usage hint, interactivity and events without a request URL, the Home tab, and
// exactly the bot scopes the Web API calls need, each with its reason in a comment.
func TestManifest(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			AppHome struct {
				HomeTab bool `yaml:"home_tab_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct {
				Command, URL string
				UsageHint    string `yaml:"usage_hint"`
				ShouldEscape bool   `yaml:"should_escape"`
			} `yaml:"slash_commands"`
		}
		OAuth struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				RequestURL string   `yaml:"request_url"`
				BotEvents  []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled    bool   `yaml:"is_enabled"`
				RequestURL string `yaml:"request_url"`
			}
			SocketMode bool `yaml:"socket_mode_enabled"`
		}
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if !m.Settings.SocketMode || !m.Settings.Interactivity.Enabled || m.Settings.Interactivity.RequestURL != "" || m.Settings.Events.RequestURL != "" {
		t.Errorf("settings %+v: want Socket Mode and interactivity on, no request URL", m.Settings)
	}
	if !m.Features.AppHome.HomeTab || !slices.Contains(m.Settings.Events.BotEvents, "app_home_opened") {
		t.Errorf("the Home tab or app_home_opened is missing")
	}
	if c := m.Features.SlashCommands; len(c) != 1 || c[0].Command != "/followup" || c[0].URL != "" || c[0].UsageHint == "" || !c[0].ShouldEscape {
		t.Errorf("slash commands %+v: want /followup with a usage hint, escaped (tokenize expects Slack's markup), no URL", c)
	}
	// The Web API methods the bot calls, by scope: users.info and bots.info need users:read,
	// conversations.open im:write, conversations.history in its DMs im:history, chat.postMessage
	// and chat.update chat:write, the report chart's upload files:write; users.info's profile email
	// (the rep's mailbox, read for replies) users:read.email.
	want := []string{"chat:write", "commands", "files:write", "im:history", "im:write", "users:read", "users:read.email"}
	got := slices.Sorted(slices.Values(m.OAuth.Scopes.Bot))
	if !slices.Equal(got, want) {
		t.Errorf("bot scopes %v, want exactly %v (least privilege; a new one needs a reason here and in the manifest)", got, want)
	}
	commented := regexp.MustCompile(`^\s+- ([a-z:.]+)\s+#\s*\S`)
	for _, line := range strings.Split(string(raw), "\n") {
		if s := strings.TrimSpace(line); strings.HasPrefix(s, "- ") && slices.Contains(want, strings.Fields(s)[1]) && !commented.MatchString(line) {
			t.Errorf("scope without a reason: %q", line)
		}
	}
}
