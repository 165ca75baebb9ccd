package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"mekongbot/bot/wait"
	"mekongbot/flows"
)

// errBadUpdate is an update that is not JSON of an update with an id.
var errBadUpdate = errors.New("not a Telegram update")

// intake takes updates from polling or the webhook to the workers, so that
// nothing is lost and nothing handled twice:
//
//  1. accept: the batch is written to the Journal in one round trip
//     (atomically with the polling offset, the handled marks of earlier
//     updates and, when polling under a lease, the check of its fencing
//     token). From then on the update is "accepted": a crash no longer
//     loses it, since the next start (or the process taking the polling
//     lease over) replays the journal. Updates the journal knows as handled
//     are skipped.
//  2. It is claimed in memory (a redelivery while it is in flight is
//     skipped), passed through the flood gate and queued on its chat's
//     worker.
//  3. The worker handles it; a session store failure (Redis away) makes the
//     worker wait for Redis and handle it again, instead of apologising.
//  4. Once its replies are sent it is recorded as handled (with the next
//     batch's Accept, or alone within foldWait, see committer) and only then
//     released from the claim.
//
// A crash between sending the replies and step 4 makes the update run again
// after restart: at least once; the session's LastUpdate keeps a replayed
// update from answering twice (see committer for the exact gap).
type intake struct {
	bot      *Bot
	work     context.Context // jobs run with it; it outlives a stop by DrainTimeout
	journal  Journal
	health   *health
	dispatch *Dispatcher
	flood    *floodGate // nil: no flood limit
	commit   *committer

	stopFlood, stopCommit context.CancelFunc
	stopOnce              sync.Once

	// token is the polling lease's fencing token that journal writes carry
	// (0: no lease, as in webhook mode); lose ends the polling term when a
	// write is refused for it.
	token atomic.Int64
	lose  atomic.Pointer[context.CancelFunc]

	mu       sync.Mutex
	inFlight map[int]bool
}

// startIntake starts the workers, the flood gate and the committer, and
// replays the journal (updates accepted before a crash or stop), unless
// polling is leased: then the process that takes the lease replays it.
func (b *Bot) startIntake(ctx, work context.Context) (*intake, error) {
	in := &intake{bot: b, work: work, journal: b.cfg.Journal, inFlight: map[int]bool{},
		health: newHealth(b.cfg.Journal.Ping, b.log, b.cfg.Metrics),
		// Back-pressure: a full queue blocks accept, and so the poller.
		dispatch: NewDispatcher(b.cfg.Workers, 64)}
	floodCtx, stopFlood := context.WithCancel(work)
	in.stopFlood = stopFlood
	if b.cfg.Flood.Rate > 0 {
		in.flood = newFloodGate(floodCtx, b.cfg.Flood, b.cfg.Metrics, in.dispatch.Submit)
	}
	commitCtx, stopCommit := context.WithCancel(context.WithoutCancel(ctx))
	in.stopCommit = stopCommit
	in.commit = newCommitter(in.writeDone, in.health, in.release, in.release)
	go in.commit.run(commitCtx)
	b.cfg.Metrics.setQueueDepth(in.depth)
	if b.leased() {
		return in, nil
	}
	if err := in.replay(ctx); err != nil {
		in.stop()
		return nil, err
	}
	return in, nil
}

// stop lets the queued work finish (within the drain deadline of work),
// then records what was handled. Held and unfinished updates stay in the
// journal for the next start. Calls after the first do nothing.
func (in *intake) stop() {
	in.stopOnce.Do(func() {
		in.stopFlood()
		if in.flood != nil {
			in.flood.wait()
		}
		in.dispatch.Close()
		in.stopCommit()
		<-in.commit.done
	})
}

// beginTerm makes journal writes carry token; a write refused for it calls
// lose.
func (in *intake) beginTerm(token int64, lose context.CancelFunc) {
	in.lose.Store(&lose)
	in.token.Store(token)
}

// write is one journal write under the current fencing token. A refused
// write ends the polling term at once: another process polls now.
func (in *intake) write(ctx context.Context, offset int, ids []int, raws [][]byte, done []int) ([]bool, error) {
	handled, err := in.journal.Accept(ctx, in.token.Load(), offset, ids, raws, done)
	if isFenced(err) {
		if lose := in.lose.Load(); lose != nil {
			(*lose)()
		}
	}
	return handled, err
}

// writeDone records handled updates alone, for the committer.
func (in *intake) writeDone(ctx context.Context, done []int) error {
	_, err := in.write(ctx, 0, nil, nil, done)
	return err
}

func (in *intake) depth() int {
	n := in.dispatch.QueueDepth()
	if in.flood != nil {
		n += in.flood.held()
	}
	return n
}

// replay queues what the journal holds, oldest first, waiting for Redis if
// it is away.
func (in *intake) replay(ctx context.Context) error {
	for {
		pending, err := in.journal.Pending(ctx)
		if err == nil {
			return in.queueAll(ctx, pending)
		}
		in.health.failed(err)
		if _, ok := in.health.waitUp(ctx); !ok {
			return fmt.Errorf("replay journalled updates: %w", err)
		}
	}
}

func (in *intake) queueAll(ctx context.Context, pending map[int][]byte) error {
	ids := make([]int, 0, len(pending))
	for id := range pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if len(ids) > 0 {
		in.bot.log.Info("replaying updates received before the last stop", "count", len(ids))
	}
	for _, id := range ids {
		u, err := decodeUpdate(pending[id])
		if err != nil || u.UpdateID != id {
			in.commit.add(id) // unreadable: nothing to do with it but forget it
			continue
		}
		if !in.claim(id) {
			continue
		}
		if err := in.queue(ctx, u); err != nil {
			in.unclaim(id)
			return err
		}
	}
	return nil
}

// accept journals raw updates with the polling offset (0: webhook, no
// offset) and the handled marks waiting in the committer, and queues the
// updates not handled before. It returns nil once all are accepted; an
// error means none is (Redis away, a stop, or the polling lease lost).
// Anything that is no update is skipped: it could never be handled.
func (in *intake) accept(ctx context.Context, raws []json.RawMessage, offset int) error {
	ups, ids, bytes := in.decode(raws)
	done := in.commit.take()
	handled, err := in.write(ctx, offset, ids, bytes, done)
	switch {
	case isFenced(err):
		in.release(done) // not marked: the process that polls now replays them
		return fmt.Errorf("journal updates: %w", err)
	case err != nil:
		in.commit.giveBack(done)
		if ctx.Err() == nil {
			in.health.failed(err)
		}
		return fmt.Errorf("journal updates: %w", err)
	}
	in.release(done)
	for i, u := range ups {
		if handled[i] || !in.claim(u.UpdateID) {
			in.bot.cfg.Metrics.duplicate()
			continue
		}
		if err := in.queue(ctx, u); err != nil {
			in.unclaim(u.UpdateID) // journalled: the next start replays it
			return fmt.Errorf("queue update %d: %w", u.UpdateID, err)
		}
	}
	return nil
}

func (in *intake) decode(raws []json.RawMessage) ([]tgbotapi.Update, []int, [][]byte) {
	ups := make([]tgbotapi.Update, 0, len(raws))
	ids := make([]int, 0, len(raws))
	bytes := make([][]byte, 0, len(raws))
	for _, raw := range raws {
		u, err := decodeUpdate(raw)
		if err != nil {
			in.bot.log.Warn("skipping what Telegram sent as an update", "err", err)
			continue
		}
		ups, ids, bytes = append(ups, u), append(ids, u.UpdateID), append(bytes, raw)
	}
	return ups, ids, bytes
}

// decodeUpdate reads one update; it must have an id.
func decodeUpdate(raw []byte) (tgbotapi.Update, error) {
	var u tgbotapi.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		return u, fmt.Errorf("%w: %w", errBadUpdate, err)
	}
	if u.UpdateID <= 0 {
		return u, fmt.Errorf("%w: no update_id", errBadUpdate)
	}
	return u, nil
}

// queue hands an accepted, claimed update to the flood gate or the workers.
func (in *intake) queue(ctx context.Context, u tgbotapi.Update) error {
	in.bot.cfg.Metrics.update(updateKind(u))
	a := &attempt{}
	key, job, ok := in.bot.jobFor(withAttempt(in.work, a), u)
	if !ok {
		in.commit.add(u.UpdateID)
		return nil
	}
	run := func() { in.run(u.UpdateID, job, a) }
	if in.flood == nil || u.InlineQuery != nil {
		// Inline queries come as the person types: slowing them would only
		// make the results late.
		return in.dispatch.Submit(ctx, key, run)
	}
	return in.flood.admit(ctx, key, run, in.floodNote(u), func() { in.commit.add(u.UpdateID) })
}

// run handles one update, again while its session store fails, and
// records it as handled.
func (in *intake) run(id int, job func(), a *attempt) {
	start := time.Now()
	for healthy := 0; ; {
		a.n++
		a.retry, a.last = false, healthy >= maxHealthyRetries
		job()
		if !a.retry {
			break
		}
		in.bot.cfg.Metrics.retried()
		in.health.recheck() // an outage must not be counted as a healthy failure
		at, ok := in.health.waitUp(in.work)
		if !ok {
			in.unclaim(id) // stopping: it stays journalled for the next start
			return
		}
		if at {
			healthy++
			if wait.Sleep(in.work, backoff(healthy)) != nil {
				in.unclaim(id)
				return
			}
		}
	}
	in.bot.cfg.Metrics.handled(time.Since(start).Seconds())
	in.commit.add(id)
}

// floodNote is the job that tells a person they are being slowed down.
func (in *intake) floodNote(u tgbotapi.Update) func() {
	return func() {
		inc, ok := toEvent(u)
		if !ok {
			return
		}
		rep := in.bot.cfg.Engine.FloodNote(in.work, inc.event)
		if err := in.bot.send.Deliver(in.work, inc.event.ChatID, 0, []flows.Reply{rep}); err != nil {
			in.bot.log.Warn("send flood note", "user", in.bot.userHash(inc.event.UserID), "err", Redact(err, in.bot.cfg.Token))
		}
	}
}

func (in *intake) claim(id int) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.inFlight[id] {
		return false
	}
	in.inFlight[id] = true
	return true
}

func (in *intake) unclaim(id int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	delete(in.inFlight, id)
}

// release ends the claims of updates recorded as handled, or whose mark
// was refused (fenced).
func (in *intake) release(ids []int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, id := range ids {
		delete(in.inFlight, id)
	}
}

// updateKind names an update's kind for metrics, as allowed_updates does.
func updateKind(u tgbotapi.Update) string {
	switch {
	case u.Message != nil:
		return "message"
	case u.CallbackQuery != nil:
		return "callback_query"
	case u.InlineQuery != nil:
		return "inline_query"
	case u.MyChatMember != nil:
		return "my_chat_member"
	case u.EditedMessage != nil:
		return "edited_message"
	}
	return "other"
}
