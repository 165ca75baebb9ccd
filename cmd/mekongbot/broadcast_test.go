package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"mekongbot/bot/telegramtest"
)

// TestServeBroadcastEndToEnd: people subscribe through the flow, a staff
// member sends an urgent broadcast, everyone subscribed gets it exactly
// once, a person who blocked the bot is counted as failed and unsubscribed,
// and the staff member sees the progress message end as a final report.
func TestServeBroadcastEndToEnd(t *testing.T) {
	api := telegramtest.New(t, testToken)
	env := serveEnv(t, api)
	env["BOT_ADMIN_IDS"] = strconv.Itoa(testStaffUser)
	startServe(t, env)

	subscribers := []struct {
		id   int64
		lang string
	}{{6001, "km"}, {6002, "lo"}, {6003, "en"}, {6004, "my"}}
	for _, s := range subscribers {
		p := &person{t: t, api: api, id: s.id, lang: s.lang}
		offer := p.press(p.command("/start"), "l:"+s.lang)
		p.chooseRole(offer, "r:w")
		var offerMsg telegramtest.Sent
		for _, m := range api.MessagesTo(s.id) {
			if hasButton(m, "u:on") {
				offerMsg = m
			}
		}
		country := p.press(offerMsg, "u:on")
		p.press(country, "u:c-kh")
	}
	api.BlockChat(6004)

	staff := &person{t: t, api: api, id: testStaffUser, lang: "en"}
	staff.chooseRole(staff.press(staff.command("/start"), "l:en"), "r:o")
	audience := staff.command("/broadcast")
	mustContain(t, "audience", audience.Plain, "Subscribers in this group: 4")
	staff.press(audience, "Z:all")
	api.SendText(testStaffUser, testStaffUser, "en", "Registration opens on 1 December.")
	summary := staff.awaitButton("Z:send")
	mustContain(t, "summary", summary.Plain, "People: 4", "Starts: now")
	staff.press(summary, "Z:send")

	report := func() (telegramtest.Sent, bool) {
		for _, m := range api.MessagesTo(testStaffUser) {
			if strings.Contains(m.Plain, "Broadcast #1: done") {
				return m, true
			}
		}
		return telegramtest.Sent{}, false
	}
	api.WaitFor(t, func() bool { _, ok := report(); return ok }, 20*time.Second)
	final, _ := report()
	mustContain(t, "final report", final.Plain, "Sent: 3", "Failed: 1", "Left: 0")

	for _, s := range subscribers[:3] {
		got := 0
		for _, m := range api.MessagesTo(s.id) {
			if strings.Contains(m.Plain, "Registration opens on 1 December.") {
				got++
			}
		}
		if got != 1 {
			t.Errorf("chat %d (%s) got the broadcast %d times, want once", s.id, s.lang, got)
		}
	}
	stats := func() string {
		before := len(api.MessagesTo(testStaffUser))
		api.SendCommand(testStaffUser, testStaffUser, "en", "/stats")
		var got string
		api.WaitFor(t, func() bool {
			msgs := api.MessagesTo(testStaffUser)
			got = msgs[len(msgs)-1].Plain
			return len(msgs) > before && strings.HasPrefix(got, "📊")
		}, 10*time.Second)
		return got
	}
	mustContain(t, "stats", stats(), "Getting updates: 3", "#1 done")

	// Blocking the bot (a my_chat_member update) unsubscribes too.
	api.Push(map[string]any{"my_chat_member": map[string]any{
		"chat":            map[string]any{"id": 6003, "type": "private", "first_name": "A"},
		"from":            map[string]any{"id": 6003, "is_bot": false, "first_name": "A"},
		"date":            time.Now().Unix(),
		"old_chat_member": map[string]any{"status": "member", "user": map[string]any{"id": 1, "is_bot": true, "first_name": "bot"}},
		"new_chat_member": map[string]any{"status": "kicked", "until_date": 0, "user": map[string]any{"id": 1, "is_bot": true, "first_name": "bot"}},
	}})
	api.WaitFor(t, func() bool { return strings.Contains(stats(), "Getting updates: 2") }, 10*time.Second)
}

// TestServePublishesTheCommandMenuInEveryLanguage: at start-up the bot sets
// its command menu and descriptions for each language, and the staff menu
// in each configured staff member's chat.
func TestServePublishesTheCommandMenuInEveryLanguage(t *testing.T) {
	api := telegramtest.New(t, testToken)
	env := serveEnv(t, api)
	env["BOT_ADMIN_IDS"] = strconv.Itoa(testStaffUser)
	startServe(t, env)
	api.WaitFor(t, func() bool {
		return len(api.CallsTo("setMyCommands")) == 9 && len(api.CallsTo("setMyShortDescription")) == 8
	}, 10*time.Second)
	langs := map[string]bool{}
	for _, c := range api.CallsTo("setMyCommands") {
		if c.Status != 200 {
			t.Errorf("setMyCommands refused: %d %v", c.Status, c.Params)
		}
		if strings.Contains(c.Params.Get("scope"), `"chat"`) {
			mustContain(t, "staff menu", c.Params.Get("commands"), `"broadcast"`, `"stats"`, `"link"`)
			mustContain(t, "staff scope", c.Params.Get("scope"), strconv.Itoa(testStaffUser))
			continue
		}
		langs[c.Params.Get("language_code")] = true
		if cmds := c.Params.Get("commands"); strings.Contains(cmds, "broadcast") || strings.Contains(cmds, `"link"`) {
			t.Errorf("the public menu shows a staff command: %s", c.Params.Get("commands"))
		}
	}
	if len(langs) != 8 {
		t.Errorf("menus for %v, want the default and 7 languages", langs)
	}
	for _, c := range api.CallsTo("setMyDescription") {
		if c.Status != 200 {
			t.Errorf("setMyDescription refused: %d %v", c.Status, c.Params)
		}
	}
}
