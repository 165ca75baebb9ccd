// Package bot is mekongbot's adapter to Telegram: it receives updates
// (long polling, or a webhook), journals them so that none is lost or
// handled twice (see intake), turns them into flows events, hands each
// chat's events to the flows engine strictly in order (slowing down a chat
// that floods), renders the replies as Telegram messages and sends them
// within Telegram's limits. Metrics counts what happens, for Prometheus.
//
// The Redis implementation of the session store lives in bot/redisstore and a
// fake Bot API server for tests in bot/telegramtest.
package bot
