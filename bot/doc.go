// Package bot is mekongbot's adapter to Telegram: it receives updates
// (long polling), turns them into flows events, hands each chat's events to
// the flows engine strictly in order, renders the replies as Telegram
// messages and sends them within Telegram's limits.
//
// The Redis implementation of the session store lives in bot/redisstore and a
// fake Bot API server for tests in bot/telegramtest.
package bot
