package main

import (
	"strconv"
	"strings"
	"testing"

	"mekongbot/bot/telegramtest"
)

// TestServePosterLinkAndFeedback: staff make a poster link for a page in
// Khmer; someone new whose phone is in English opens it and reads the page in
// Khmer, finds it helpful, and the vote shows in /stats.
func TestServePosterLinkAndFeedback(t *testing.T) {
	api := telegramtest.New(t, testToken)
	env := serveEnv(t, api)
	env["BOT_ADMIN_IDS"] = strconv.Itoa(testStaffUser)
	startServe(t, env)
	staff := &person{t: t, api: api, id: testStaffUser, lang: "en"}
	staff.chooseRole(staff.press(staff.command("/start"), "l:en"), "r:o")

	const link = "https://t.me/mekong_test_bot?start=pre_fees_zero-KM"
	mustContain(t, "/link", staff.command("/link pre.fees.zero km").Plain, link)
	param := link[strings.Index(link, "=")+1:]

	p := &person{t: t, api: api, id: 6101, lang: "en"}
	page := p.command("/start " + param)
	if !inScript("km", page.Plain) || !hasButton(page, "f:u-pre.fees.zero") {
		t.Fatalf("the poster's page: %.200q with buttons %v, want it in Khmer with vote buttons", page.Plain, page.Buttons)
	}
	thanks := p.press(page, "f:u-pre.fees.zero")
	if thanks.Method != "editMessageText" || thanks.MessageID != page.MessageID || hasButton(thanks, "f:u-pre.fees.zero") || !hasButton(thanks, "f:ok") {
		t.Errorf("after the vote: %s of message %d with buttons %v, want message %d edited, the votes become the thanks",
			thanks.Method, thanks.MessageID, thanks.Buttons, page.MessageID)
	}

	stats := staff.command("/stats") // the vote was written before the thanks was sent
	mustContain(t, "/stats", stats.Plain, "Was the page helpful?", "The zero-fee rule: 👍 1 · 👎 0")
}
