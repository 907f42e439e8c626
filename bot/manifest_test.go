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
	// and chat.update chat:write, the report chart's upload files:write.
	// users:read.email: users.info's email of a Slack Connect author (the message shortcut) and the
	// rep's profile email (the rep's mailbox, read for replies).
	// chat.getPermalink and functions.complete* need no scope. channels:history and groups:history:
	// conversations.history in the report channel (public or private), to find a weekly report an
	// earlier run posted without recording it.
	want := []string{"channels:history", "chat:write", "commands", "files:write", "groups:history", "im:history", "im:write", "users:read", "users:read.email"}
	got := slices.Sorted(slices.Values(m.OAuth.Scopes.Bot))
	if !slices.Equal(got, want) {
		t.Errorf("bot scopes %v, want exactly %v (least privilege; a new one needs a reason here and in the manifest)", got, want)
	}
	commented := regexp.MustCompile(`^\s+- ([a-z_:.]+)\s+#\s*\S`)
	for _, line := range strings.Split(string(raw), "\n") {
		if s := strings.TrimSpace(line); strings.HasPrefix(s, "- ") && (slices.Contains(want, strings.Fields(s)[1]) ||
			slices.Contains(m.Settings.Events.BotEvents, strings.Fields(s)[1])) && !commented.MatchString(line) {
			t.Errorf("scope or event without a reason: %q", line)
		}
	}
}

// TestManifestSlackNative checks the Slack-native entry points in manifest.yaml against the names
// the bot serves: the two shortcuts, and the Workflow Builder function with its inputs and output,
// which needs the function_executed event, an org-ready app and the remote runtime.
func TestManifestSlackNative(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type param struct {
		Type, Name  string
		IsRequired  *bool `yaml:"is_required"` // version 1 only: a version 2 manifest lists required ones
		Description string
	}
	// Version 2 of the manifest nests a step's parameters under properties, beside the list of the
	// required ones (Slack's manifest reference, "Functions").
	type params struct {
		Properties map[string]param
		Required   []string
	}
	var m struct {
		Meta struct {
			Major int `yaml:"major_version"`
		} `yaml:"_metadata"`
		Features struct {
			Shortcuts []struct {
				Name, Type, Description string
				CallbackID              string `yaml:"callback_id"`
			}
		}
		Settings struct {
			Events struct {
				BotEvents []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			OrgDeploy bool   `yaml:"org_deploy_enabled"`
			Runtime   string `yaml:"function_runtime"`
		}
		Functions map[string]struct {
			Title  string
			Inputs params `yaml:"input_parameters"`
			Output params `yaml:"output_parameters"`
		}
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	shortcuts := map[string]string{}
	for _, s := range m.Features.Shortcuts {
		if s.Name == "" || s.Description == "" {
			t.Errorf("shortcut %+v lacks a name or description", s)
		}
		shortcuts[s.CallbackID] = s.Type
	}
	if shortcuts[shortcutMessage] != "message" || shortcuts[shortcutNew] != "global" {
		t.Errorf("shortcuts %v: want %s (message) and %s (global)", shortcuts, shortcutMessage, shortcutNew)
	}
	f, ok := m.Functions[functionEnroll]
	if !ok || f.Title == "" {
		t.Fatalf("no function %s with a title", functionEnroll)
	}
	var inputs []string
	for name, p := range f.Inputs.Properties {
		inputs = append(inputs, name)
		wantType := "string"
		if name == "owner" {
			wantType = "slack#/types/user_id"
		}
		if p.Name != name || p.Type != wantType || p.IsRequired != nil || p.Description == "" {
			t.Errorf("input %s: %+v, want name %s, type %s, a description and no is_required (version 2 lists them under required)", name, p, name, wantType)
		}
	}
	if slices.Sort(inputs); !slices.Equal(inputs, slices.Sorted(slices.Values(functionInputs))) {
		t.Errorf("inputs %v, want %v", inputs, functionInputs)
	}
	if req := slices.Sorted(slices.Values(f.Inputs.Required)); !slices.Equal(req, []string{"cadence", "name", "owner"}) {
		t.Errorf("required inputs %v, want cadence, name, owner", req)
	}
	if o, ok := f.Output.Properties[functionOutputID]; !ok || len(f.Output.Properties) != 1 || o.Type != "string" || o.Name != functionOutputID ||
		!slices.Equal(f.Output.Required, []string{functionOutputID}) {
		t.Errorf("outputs %+v, want only %s, required", f.Output, functionOutputID)
	}
	if !slices.Contains(m.Settings.Events.BotEvents, "function_executed") || !m.Settings.OrgDeploy ||
		m.Settings.Runtime != "remote" || m.Meta.Major != 2 {
		t.Errorf("settings %+v, metadata %+v: want function_executed, org_deploy_enabled, function_runtime remote, major version 2", m.Settings, m.Meta)
	}
}
