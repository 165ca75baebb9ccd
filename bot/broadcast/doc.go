// Package broadcast delivers staff broadcasts as durable jobs in Redis, so
// that any number of bot processes share the work, a process killed at any
// moment loses nothing, and every recipient gets the message once.
//
//   - Store implements flows.Broadcasts: Start queues a job, Cancel, Status
//     and Recent report on it. It never sends.
//   - Runner (one per process) lists each due job's recipients, sends to them
//     through a Sender and keeps the staff's progress message.
//   - Budget is the send rate all processes share with the interactive
//     replies (SEND_RATE).
//
// # Wiring
//
//	budget, err := broadcast.NewBudget(rdb, prefix, sendRate, log)
//	// the interactive sender calls budget.Consume(1) for each call it makes
//	runner, err := broadcast.NewRunner(broadcast.Config{
//		Redis: rdb, Prefix: prefix,
//		Sender: sender,           // SendBulk, Post, Edit (bot.Sender)
//		Texts: texts,             // Message and Progress wording
//		Gone: isBlockedOrNotFound, // 403, "chat not found": unsubscribe
//		Subscribers: subs,        // only Unsubscribe is called
//		Budget: budget,
//		Log: log,
//	})
//	go runner.Run(ctx)
//	store := broadcast.NewStore(rdb, prefix, nil) // flows.Broadcasts for the engine
//
// # Keys
//
// All keys share the hash tag {bc}, so the scripts below, which touch a
// job's keys together, run on Redis Cluster (in one slot). P is the prefix,
// <id> the broadcast id.
//
//	P{bc}:seq          string  last broadcast id (INCR)
//	P{bc}:active       zset    ids of jobs not yet closed -> due time (Unix ms; 0 once cancelled)
//	P{bc}:recent       list    ids, newest first, capped at 100 (Recent)
//	P{bc}:budget       string  the shared send budget: next free send slot (Unix µs, Redis clock)
//	P{bc}:<id>         hash    the job: b (flows.Broadcast JSON), state, ready, total, cursor,
//	                           sent, failed, dup, created, at, finished, pmsg, reported;
//	                           kept 90 days after its final report
//	P{bc}:<id>:r       list    recipients "chatid:lang" (lang: the text's language)
//	P{bc}:<id>:m       hash    chat id -> "s" sent / "f" failed, written after each send
//	P{bc}:<id>:c       zset    claims "<start>|<token>" -> lease deadline (Unix ms, Redis clock)
//	P{bc}:<id>:snap    string  recipient snapshot lock: holder; PX lease
//	P{bc}:<id>:p       string  progress/report lock: holder; PX lease
//
// The subscribers are read from redisstore.Keys.Subscribers (HSCAN only; it
// lives in its own slot). The lists, marks and claims name recipients: they
// are deleted when the final report goes out; the job hash that stays (90
// days) holds the broadcast as staff confirmed it (texts, audience, the
// staff member and report chat) and counts, no recipient. Logs carry no
// chat ids.
//
// # A job's life
//
// Start stores the job as scheduled (running when due at once) and adds it
// to active. Each Runner polls active for due jobs:
//
//  1. Recipients. One process takes the snapshot lock (SET NX PX with its
//     token), HSCANs the subscribers, keeps those in the audience with a
//     text in their language or the fallback, and appends them in chunks of
//     1,000. Each chunk goes through a script that checks and extends the
//     lock, and the first empties the list: a snapshot whose process died is
//     redone from scratch by whoever takes the expired lock, and the dead
//     one can never add to it. The last script sets total, ready and state
//     running. HSCAN may return a field twice, so chat ids are de-duplicated
//     in memory (about 40 bytes a subscriber, while the snapshot runs).
//  2. Claims. A process's feeder claims ranges of 50 recipients with one
//     script: an expired claim is taken over first (so a dead process's
//     recipients are not left to the end), else the cursor moves on (HINCRBY
//     semantics). It keeps about one queued recipient per sender (Workers,
//     default 200), so a process holds only a few ranges at a time; a pool of
//     senders works the queue. Each held range's lease is renewed every
//     third of Lease (default 10 s). A renewal that finds the claim gone
//     (taken over) or the job not running stops the range; so does the mark
//     after each send.
//  3. Marks. Right after each send one script writes the recipient's mark
//     and moves the sent/failed counters with it, so counters always equal
//     the marks. A range that is claimed again (taken over, or handed back
//     unfinished by a process shutting down) reads only its unmarked
//     recipients. A second "s" for a chat is counted in dup instead.
//  4. Completion. Releasing a finished range drops its claim; the release
//     (or a claim) that finds the cursor at the total and no claim left sets
//     state done and the finish time, atomically, so exactly one process
//     does. An unfinished range is handed back with an expired lease instead,
//     so it blocks completion until someone finishes it.
//  5. Report. One process at a time holds the report lock: it posts the
//     progress message when delivery starts and edits it about every 2 s
//     while counts move. When the job is done or cancelled and no live claim
//     is left (counts are final), it edits the progress message to the end,
//     posts the final report and deletes the lists in one script that also
//     leaves active.
//
// Cancel sets state cancelled: the next mark, renewal or poll of every
// process sees it and drops the job's queued recipients, so at most the
// sends already in hand (one per sender) go out after it.
//
// A recipient whose send fails as Gone (blocked the bot, chat not found) is
// marked failed and unsubscribed; any other error left after the Sender's
// own retries is marked failed. A stopping process (ctx ended) finishes the
// send in hand and marks it, hands its ranges back and releases its locks,
// so another process continues at once instead of after the lease.
//
// # Exactly once
//
// A recipient is done only once marked, and a mark is written only after
// Telegram answered. So nobody is skipped: whatever was not marked when a
// process died is sent by whoever takes the range over. The cost is the one
// possible duplicate: a process killed after its request left for Telegram
// (which then delivers it all the same) and before the mark was written, or
// whose Redis calls failed in that moment. That window is one Telegram round
// trip plus one Redis round trip per send, so a kill duplicates about as
// many messages as were in flight: rate × window. Each sender has at most
// one send in hand, so never more than Workers. Against the local fake at
// 1,000 sends/s (window well under a millisecond) a SIGKILL halfway gave 0
// to 2 duplicates, over 2,000 and over 10,000 recipients (kill_test.go,
// bench_test.go); against Telegram (about 100 ms a call) at 30/s expect a
// few. Telegram has no idempotency key, so the window cannot be closed, only
// kept to the send itself: the mark is the very next call. Marking "about
// to send" first would only let us choose to skip those recipients (lose
// them) instead of sending twice.
//
// A lease can also be taken over from a live process that could not renew
// it for a whole Lease (cut off from Redis, stalled). It stops sending as
// soon as its own deadline, computed from when it asked and so never later
// than Redis's, has passed; a send already in flight may then go out twice,
// and when both marks land that shows in the dup counter (Details.Dup).
//
// # The budget
//
// Telegram limits the bot as a whole (about 30 messages/s by default), not
// each process, so the limit is kept in Redis as GCRA: one key holds the
// next free send slot. Two kinds of senders share it, and they are treated
// differently on purpose:
//
//   - Interactive replies come first: a person waiting must never wait for a
//     broadcast, nor for Redis. The interactive sender calls Consume(n),
//     which only adds to a counter; every 100 ms the sum is pushed into Redis
//     as a forced consumption that may put the budget in debt. Broadcasts
//     then wait until the debt is paid, so together they stay within the
//     rate over any second, short of a burst of the interactive messages
//     sent in the last 100 ms.
//   - Broadcast sends Take a slot. A Take costs one round trip per batch,
//     not per send: the script grants up to 20 consecutive slots (50 ms of
//     sending at 1,000/s; fewer at lower rates, and no more than there are
//     waiting senders) if the schedule is at most 100 ms ahead, else says
//     how long to wait. The process hands the slots out at their times, so
//     the sends of all processes follow one schedule spaced 1/rate apart,
//     and a burst can only come from network jitter. A slot not used on time
//     is dropped rather than used late. A Sender's own retries are calls
//     too: it reports them with Consume.
//
// Measured (2-core machine, real Redis, fake Bot API judging Telegram's
// limits): four processes sharing 400/s sent 392/s with no 429. One process
// delivering 10,000 recipients at 1,000/s, with 5% of calls failing, keeps
// 950 deliveries/s (the other 5% of the rate goes to the failed calls),
// delivers 99% within 10.5 s and all within 12.2 s: the last ones wait for
// retries, each failure costing about 1 s (retry_after, or the chat's 1 s
// pacing). See bench_test.go.
package broadcast
