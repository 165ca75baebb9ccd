// Package telegramtest is an in-process fake of the Telegram Bot API for
// tests. Telegram cannot be reached from CI, so bot code is pointed at a
// Server instead:
//
//	srv := telegramtest.New(t, "123:TEST")
//	api, err := tgbotapi.NewBotAPIWithAPIEndpoint("123:TEST", srv.Endpoint())
//
// The package owns exactly one concern: behaving like api.telegram.org as the
// go-telegram-bot-api v5 library talks to it (POST /bot<token>/<method>, form
// or multipart parameters, {"ok":...} JSON answers with Telegram's error codes
// and descriptions). It does not know anything about mekongbot's flows.
//
// What it emulates:
//
//   - getUpdates with offset, limit, long-poll timeout, allowed_updates and
//     the 409 Conflict a second concurrent long poll causes (updates.go),
//     fed by helpers that act as users (inbound.go).
//   - The sending methods mekongbot uses, with a per-chat message store so
//     that edits of unknown or unchanged messages fail like Telegram's
//     (methods.go), and Telegram's validation of text length, HTML markup and
//     inline keyboards (validate.go).
//   - Webhooks: while setWebhook has set a loopback URL, queued updates are
//     POSTed to it with the secret_token header, in Telegram's queues (a
//     chat's messages in order, one at a time; a person's presses likewise;
//     different queues concurrently, up to max_connections), and retried
//     until answered 2xx, after Retry-After when given (webhook.go).
//   - Fault injection: forced errors, random flakiness, slow answers and users
//     who blocked the bot (faults.go).
//   - Telegram's flood limits, opt-in: overall and per chat, answered with 429
//     and retry_after (ratelimit.go).
//
// Tests drive users with SendText, SendCommand, PressButton and friends, and
// inspect what the bot did with Calls, CallsTo, MessagesTo and LastMessage
// (SentCount and SentCounts for broadcasts to thousands of chats).
// Every method is safe for concurrent use.
package telegramtest
