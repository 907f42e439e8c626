package slacktest

import (
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"
)

// View is a modal or Home tab the bot opened, updated or published.
type View struct {
	// ID is the view ID the server assigned, such as "V00000007".
	ID string
	// Type is "modal" or "home".
	Type string
	// UserID is the user a Home tab was published for, or "" for modals.
	UserID string
	// TriggerID is the trigger_id a modal was opened with.
	TriggerID string
	// JSON is the view object as the bot last sent it.
	JSON json.RawMessage
	// Hash is the current hash; views.update with another hash gets hash_conflict.
	Hash string
	// Updates counts views.update and repeated views.publish calls.
	Updates int
}

// Views returns every view, in the order they were first created.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.views))
	for _, v := range s.views {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b View) int { return compareIDs(a.ID, b.ID) })
	return out
}

// HomeView returns the Home tab last published for a user.
func (s *Server) HomeView(userID string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, found := s.views[s.homeViews[userID]]
	if !found {
		return View{}, false
	}
	return *v, true
}

// compareIDs orders the server's fixed-width IDs.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// NewTriggerID issues a trigger_id valid for views.open from now on, for
// payloads built by hand and sent with SendEnvelope.
func (s *Server) NewTriggerID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newTriggerIDLocked()
}

func (s *Server) newTriggerIDLocked() string {
	id := fmt.Sprintf("%d.%d.%032x", 1000000000000+s.nextIDLocked(), 2222222222, s.seq)
	s.triggers[id] = s.now()
	return id
}

// checkView validates a view object and returns a failing reply, or a zero one.
func checkView(raw json.RawMessage) reply {
	if len(raw) == 0 || string(raw) == "null" {
		return fail("invalid_arguments")
	}
	if len(raw) > maxViewBytes {
		return fail("view_too_large")
	}
	var v struct {
		Type            string          `json:"type"`
		Title           *textObj        `json:"title"`
		PrivateMetadata string          `json:"private_metadata"`
		CallbackID      string          `json:"callback_id"`
		Blocks          json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return failWith("invalid_arguments", []string{"invalid view JSON [json-pointer:/view]"})
	}
	var msgs []string
	if v.Type != "modal" && v.Type != "home" {
		msgs = append(msgs, "must be a known view type [json-pointer:/view/type]")
	}
	if v.Title != nil && utf8.RuneCountInString(v.Title.Text) > maxViewTitle {
		msgs = append(msgs, fmt.Sprintf("must be less than %d characters [json-pointer:/view/title/text]", maxViewTitle+1))
	}
	if utf8.RuneCountInString(v.PrivateMetadata) > maxPrivateMeta {
		msgs = append(msgs, fmt.Sprintf("must be less than %d characters [json-pointer:/view/private_metadata]", maxPrivateMeta+1))
	}
	if utf8.RuneCountInString(v.CallbackID) > maxID {
		msgs = append(msgs, fmt.Sprintf("must be less than %d characters [json-pointer:/view/callback_id]", maxID+1))
	}
	if len(v.Blocks) > 0 && string(v.Blocks) != "null" {
		msgs = append(msgs, validateBlocks(string(v.Blocks), maxViewBlocks, "/view/blocks")...)
	}
	if len(msgs) > 0 {
		return failWith("invalid_arguments", msgs)
	}
	return reply{}
}

// storeViewLocked creates or replaces a view and returns the reply Slack gives.
func (s *Server) storeViewLocked(v *View, raw json.RawMessage) reply {
	if v.ID == "" {
		v.ID = fmt.Sprintf("V%08d", s.nextIDLocked())
		s.views[v.ID] = v
	} else {
		v.Updates++
	}
	v.JSON = raw
	v.Hash = fmt.Sprintf("%d.%08x", s.now().Unix(), s.nextIDLocked())
	var obj map[string]any
	_ = json.Unmarshal(raw, &obj)
	v.Type, _ = obj["type"].(string)
	obj["id"], obj["hash"], obj["team_id"] = v.ID, v.Hash, s.cfg.teamID
	obj["app_id"], obj["bot_id"], obj["app_installed_team_id"] = s.cfg.appID, s.cfg.botID, s.cfg.teamID
	obj["root_view_id"], obj["previous_view_id"] = v.ID, nil
	if _, has := obj["state"]; !has {
		obj["state"] = map[string]any{"values": map[string]any{}}
	}
	s.notifyLocked()
	return ok(map[string]any{"view": obj})
}

func (s *Server) viewsOpen(r *apiRequest) reply {
	trigger := r.str("trigger_id")
	if rep := checkView(r.json["view"]); rep.status != 0 {
		return rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	issued, known := s.triggers[trigger]
	switch {
	case trigger == "":
		return fail("invalid_arguments")
	case !known:
		return fail("invalid_trigger_id")
	case s.cfg.triggerTTL > 0 && r.call.At.Sub(issued) > s.cfg.triggerTTL:
		return fail("expired_trigger_id")
	}
	return s.storeViewLocked(&View{TriggerID: trigger}, r.json["view"])
}

func (s *Server) viewsUpdate(r *apiRequest) reply {
	if rep := checkView(r.json["view"]); rep.status != 0 {
		return rep
	}
	id, external, hash := r.str("view_id"), r.str("external_id"), r.str("hash")
	s.mu.Lock()
	defer s.mu.Unlock()
	v, found := s.views[id]
	if !found && external != "" {
		for _, cand := range s.views {
			var obj struct {
				ExternalID string `json:"external_id"`
			}
			if json.Unmarshal(cand.JSON, &obj) == nil && obj.ExternalID == external {
				v, found = cand, true
			}
		}
	}
	switch {
	case !found:
		return fail("not_found")
	case hash != "" && hash != v.Hash:
		return fail("hash_conflict")
	}
	return s.storeViewLocked(v, r.json["view"])
}

func (s *Server) viewsPublish(r *apiRequest) reply {
	user := r.str("user_id")
	if user == "" {
		return fail("invalid_arguments")
	}
	if rep := checkView(r.json["view"]); rep.status != 0 {
		return rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, known := s.users[user]; known && u.Deleted {
		return fail("user_not_found")
	}
	v, found := s.views[s.homeViews[user]]
	if !found {
		v = &View{UserID: user}
	} else if hash := r.str("hash"); hash != "" && hash != v.Hash {
		return fail("hash_conflict")
	}
	rep := s.storeViewLocked(v, r.json["view"])
	s.homeViews[user] = v.ID
	return rep
}
