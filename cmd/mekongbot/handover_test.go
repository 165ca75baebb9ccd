package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"mekongbot/bot/telegramtest"
)

const (
	testStaffChat = -1001234567890
	testStaffUser = 7001
)

// TestServeHandoverRoundTrip: a person writes to staff, a staff member
// answers in the staff chat by replying, the person gets it and ends the
// conversation. Nothing the staff chat receives names the person.
func TestServeHandoverRoundTrip(t *testing.T) {
	api := telegramtest.New(t, testToken)
	env := serveEnv(t, api)
	env["STAFF_CHAT_ID"] = strconv.Itoa(testStaffChat)
	env["BOT_ADMIN_IDS"] = strconv.Itoa(testStaffUser)
	startServe(t, env)

	const personID = 5101
	api.SetUser(personID, "Sokha", "sokha_kh")
	p := &person{t: t, api: api, id: personID, lang: "km"}
	p.chooseRole(p.press(p.command("/start"), "l:km"), "r:w")
	menu := p.command("/menu")
	intro := p.press(menu, "h:start")
	mustContain(t, "talk intro", intro.Plain, "💬")

	api.SendText(personID, personID, "km", "ថៅកែយកលិខិតឆ្លងដែនខ្ញុំ។ លេខខ្ញុំ 0812345678")
	ack := p.await()
	mustContain(t, "acknowledgement", ack.Plain, "#1")

	staff := &person{t: t, api: api, id: testStaffChat, lang: "en"}
	caseMsg := staff.await()
	mustContain(t, "case message", caseMsg.Plain, "Case #1", "ភាសាខ្មែរ", "ថៅកែយកលិខិតឆ្លងដែនខ្ញុំ")
	for _, personal := range []string{"Sokha", "sokha_kh", strconv.Itoa(personID)} {
		if strings.Contains(caseMsg.Plain, personal) {
			t.Errorf("the staff chat sees %q: %q", personal, caseMsg.Plain)
		}
	}

	// Someone in the staff chat who is not staff is not relayed.
	api.SendReply(testStaffChat, 7999, "en", caseMsg.MessageID, "I am not staff")
	// A staff member answers by replying to the case message.
	api.SendReply(testStaffChat, testStaffUser, "en", caseMsg.MessageID, "Please keep a copy of your contract.")
	answer := p.await()
	mustContain(t, "answer", answer.Plain, "Please keep a copy of your contract.", "#1")
	if strings.Contains(answer.Plain, "I am not staff") {
		t.Error("a non-staff member's reply reached the person")
	}
	mustContain(t, "delivery note", staff.await().Plain, "Delivered to case #1")

	p.press(answer, "h:end-1")
	mustContain(t, "closing note", staff.await().Plain, "Case #1 was closed by the person")

	time.Sleep(100 * time.Millisecond) // nothing else may arrive in the staff chat
	for _, m := range api.MessagesTo(testStaffChat) {
		for _, personal := range []string{"Sokha", "sokha_kh", strconv.Itoa(personID)} {
			if strings.Contains(m.Plain, personal) {
				t.Errorf("the staff chat saw %q in %q", personal, m.Plain)
			}
		}
	}
}
