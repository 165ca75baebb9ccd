package redisstore

import "strconv"

// Keys builds mekongbot's Redis keys; code elsewhere should not spell one.
//
// Layout, with P the Prefix and <chat> the decimal chat id (negative for
// groups):
//
//	P{<chat>}:s                  string  the chat's flows.Session in its Encode form; EX = session TTL
//	Pstats:unanswered:<lang>     zset    anonymised questions no page answered -> times asked
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

// chat is the part shared by every key of the chat: P{<chat>}.
func (k Keys) chat(chatID int64) string {
	return k.Prefix + "{" + strconv.FormatInt(chatID, 10) + "}"
}

// Unanswered is the key of the unanswered questions in lang. It names no
// chat: it holds only anonymised text.
func (k Keys) Unanswered(lang string) string {
	return k.Prefix + "stats:unanswered:" + lang
}
