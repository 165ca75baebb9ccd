package redisstore

import "strconv"

// Keys builds mekongbot's Redis keys; code elsewhere should not spell one.
//
// Layout, with P the Prefix and <chat> the decimal chat id (negative for
// groups):
//
//	P{<chat>}:s                  string  the chat's flows.Session in its Encode form; EX = session TTL
//	P{<chat>}:l                  string  the chat's lock while an update of it is handled (webhook mode): a token; PX 15 s
//	P{<chat>}:d                  string  the chat's broadcast draft (staff only); EX 1 day
//	Pstats:unanswered:<lang>     zset    anonymised questions no page answered -> times asked; top 500 kept
//	P{stats}:d:<day>             HLL     chat ids seen on flows.Day <day> (days since 1970, Bangkok); EX 32 days
//	P{stats}:d:<day>:l:<lang>    HLL     the same, for people whose language is <lang> (one of flows.Languages)
//	P{stats}:d:<day>:r:<role>    HLL     the same, by role: w or o (no key when the role is unknown)
//	P{stats}:d:<day>:c:<country> HLL     the same, by country: one of flows.Countries, "-" when not said
//	P{stats}:pages               zset    page id -> times shown, since counting began (not per person)
//	P{stats}:votes:up            hash    page id -> "helpful" votes (👍), since counting began (no voter kept)
//	P{stats}:votes:down          hash    page id -> "not helpful" votes (👎), likewise
//	Psubs                        hash    chat id -> flows.Profile.Encode() of each subscriber
//	Pstaff                       set     user ids added as staff in chat (BOT_ADMIN_IDS are not stored)
//	Pstaff:log                   list    "<RFC3339 UTC> add|remove <user> by <user>", newest first, 1000 kept
//	P{case}:seq                  string  last case number; never expires, so numbers are never reused
//	P{case}:<n>                  hash    one handover case (chat, lang, page, open 1/0, opened unix); EX case TTL
//	P{case}:open                 set     numbers of open cases; members whose hash expired are removed lazily
//	P{<chat>}:case               string  the chat's open case number; EX case TTL + 1 min; checked against P{case}:<n>
//	P{<chat>}:cases              set     every case number of the chat, for /forget; EX case TTL + 1 min
//	P{<chat>}:r                  hash    the chat's reminders: kind (flows.ReminderKind) -> date 2006-01-02; l -> language
//	P{rem}:due                   zset    "<chat>:<kind>" -> Unix seconds of the reminder's next message (service clock)
//	P{rem}:flight                zset    "<chat>:<kind>:<due unix>|<token>" -> lease deadline (Unix ms, Redis clock): claimed, not yet sent
//	P{bc}:...                    broadcast jobs, owned by bot/broadcast (see its doc)
//	P{upd}:offset                string  where polling resumes (next getUpdates offset); EX 7 days
//	P{upd}:journal               hash    update id -> raw update JSON: accepted, not handled yet
//	P{upd}:h:<update id>         string  "1": the update was handled (dedupe); EX 24h
//	P{upd}:lease                 string  fencing token of the process that polls; PX the lease TTL (5 s)
//	P{upd}:fence                 string  last fencing token given out; never expires, so tokens never repeat
//
// The HyperLogLogs hold no list of people: they estimate how many distinct
// chat ids were added (standard error 0.81%) and cannot give one back. Someone
// who can read Redis and already knows a chat id can still test whether it was
// probably counted on a day (copy the key, PFADD the id, see if the count
// moves), so they are anonymous counts, not a secret.
//
// The case keys share the tag {case} and the chat's keys the tag {<chat>}:
// on a cluster they live in different slots and are never written in one
// transaction (see Cases for the order that keeps a crash harmless).
//
// Every key of one chat carries the hash tag {<chat>}, so all of them live in
// the same Redis Cluster slot and multi-key commands or transactions on one
// chat work on a cluster. New per-chat keys must follow P{<chat>}:<short
// suffix>. The Prefix must not contain '{' or '}', which would move the hash
// tag; a trailing ':' is the convention ("mekongbot:").
type Keys struct {
	Prefix string
}

// Session is the key of the chat's session.
func (k Keys) Session(chatID int64) string {
	return k.chat(chatID) + ":s"
}

// Lock is the key of the chat's lock (see ChatLocks).
func (k Keys) Lock(chatID int64) string {
	return k.chat(chatID) + ":l"
}

// chat is the part shared by every key of the chat: P{<chat>}.
func (k Keys) chat(chatID int64) string {
	return k.Prefix + "{" + strconv.FormatInt(chatID, 10) + "}"
}

// Unanswered is the key of the unanswered questions in lang. It names no
// chat: it holds only anonymised text.
func (k Keys) Unanswered(lang string) string {
	return k.Prefix + "stats:unanswered:" + lang
}

// Draft is the key of the chat's broadcast draft.
func (k Keys) Draft(chatID int64) string {
	return k.chat(chatID) + ":d"
}

// ChatCase is the key of the chat's open handover case number.
func (k Keys) ChatCase(chatID int64) string {
	return k.chat(chatID) + ":case"
}

// ChatCases is the key of the set of all the chat's case numbers, open or
// closed, so that /forget finds every case that names the chat.
func (k Keys) ChatCases(chatID int64) string {
	return k.chat(chatID) + ":cases"
}

// Outbox is the key of the replies kept for the chat's last relaying
// update (see flows.Outbox).
func (k Keys) Outbox(chatID int64) string {
	return k.chat(chatID) + ":o"
}

// Reminders is the key of the chat's reminders.
func (k Keys) Reminders(chatID int64) string {
	return k.chat(chatID) + ":r"
}

// Reminder builds a key of the reminder schedule; they share one hash tag so
// that claiming is one script on one cluster slot.
func (k Keys) Reminder(suffix string) string { return k.Prefix + "{rem}:" + suffix }

// Subscribers is the key of the subscriber hash. It names chats, so it is
// kept out of stats and deleted from by /forget.
func (k Keys) Subscribers() string {
	return k.Prefix + "subs"
}

// Staff is the key of the set of staff added in chat.
func (k Keys) Staff() string { return k.Prefix + "staff" }

// StaffLog is the key of the staff change log.
func (k Keys) StaffLog() string { return k.Prefix + "staff:log" }

// Stats builds a key of the anonymous counters; they share one hash tag so
// that PFCOUNT over several days works on a cluster.
func (k Keys) Stats(suffix string) string { return k.Prefix + "{stats}:" + suffix }

// Case builds a key of the handover cases; they share one hash tag.
func (k Keys) Case(suffix string) string { return k.Prefix + "{case}:" + suffix }

// Broadcast builds a key of the broadcast jobs; they share one hash tag so
// that a job's scripts touch one slot on a cluster.
func (k Keys) Broadcast(suffix string) string { return k.Prefix + "{bc}:" + suffix }

// Updates builds a key of the update journal (see Updates); they share one
// hash tag so that accepting a batch is one script on one cluster slot.
func (k Keys) Updates(suffix string) string { return k.Prefix + "{upd}:" + suffix }
