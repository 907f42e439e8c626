package slacktest

// User is a workspace member that users.info knows about.
type User struct {
	// ID is the user ID, such as "U0ALICE001".
	ID string
	// Name is the handle; RealName and DisplayName fill the profile.
	Name        string
	RealName    string
	DisplayName string
	// Email fills profile.email.
	Email string
	// TZ is the IANA time zone name, such as "America/Los_Angeles".
	TZ string
	// TZLabel is the zone's display label, such as "Pacific Standard Time".
	TZLabel string
	// TZOffset is the offset in seconds east of UTC (negative west).
	TZOffset int
	// Deleted marks a deactivated account; users.info still returns it.
	Deleted bool
	// IsBot marks bot users.
	IsBot bool
	// Locale is the user's locale, such as "en-US".
	Locale string
	// TeamID is the user's own workspace; a Slack Connect user from another organization has
	// another one than the server's (and is_stranger set). "" means the server's team.
	TeamID string
}

// AddUser makes users.info know u, replacing any user with the same ID.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
	s.notifyLocked()
}

// usersInfo answers users.info: user_not_found for unknown IDs, and the user
// with deleted:true for deactivated ones, as Slack does.
func (s *Server) usersInfo(r *apiRequest) reply {
	s.mu.Lock()
	u, found := s.users[r.form.Get("user")]
	s.mu.Unlock()
	if !found {
		return fail("user_not_found")
	}
	return ok(map[string]any{"user": s.userJSON(u)})
}

// userJSON renders u in the shape of shared/slack/web-api/users.info.response.json.
func (s *Server) userJSON(u User) map[string]any {
	display := u.DisplayName
	if display == "" {
		display = u.Name
	}
	locale := u.Locale
	if locale == "" {
		locale = "en-US"
	}
	team := or(u.TeamID, s.cfg.teamID)
	return map[string]any{
		"is_stranger": team != s.cfg.teamID,
		"id":          u.ID, "team_id": team, "name": u.Name, "deleted": u.Deleted,
		"real_name": u.RealName, "tz": u.TZ, "tz_label": u.TZLabel, "tz_offset": u.TZOffset,
		"profile": map[string]any{
			"real_name": u.RealName, "display_name": display, "real_name_normalized": u.RealName,
			"display_name_normalized": display, "email": u.Email, "team": team,
		},
		"is_admin": false, "is_owner": false, "is_bot": u.IsBot, "is_app_user": false,
		"locale": locale,
	}
}
