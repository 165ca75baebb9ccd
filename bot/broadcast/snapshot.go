package broadcast

import (
	"context"
	"fmt"
	"strconv"

	"mekongbot/flows"
)

const (
	// scanCount is the HSCAN page size over the subscribers.
	scanCount = 1000
	// pushChunk is how many recipients one RPUSH appends.
	pushChunk = 1000
)

// snapshot lists the job's recipients if this process gets the snapshot
// lock: the subscribers in the audience who have a text in their language
// or the fallback, as "chatid:lang" (lang: the text's language). Every push
// checks and extends the lock, so a snapshot whose process died is redone
// from scratch by the next holder and a stale one cannot add to it.
func (r *Runner) snapshot(ctx context.Context, j *job) error {
	lock := r.keys.snapshotLock(j.id)
	ok, err := r.lock(ctx, lock)
	if err != nil || !ok {
		return err
	}
	s := snapshotter{r: r, j: j, lock: lock, seen: map[int64]bool{}, first: true}
	if err := s.scan(ctx); err != nil {
		return fmt.Errorf("list recipients of broadcast %d: %w", j.id, err)
	}
	res, err := readyScript.Run(ctx, r.rdb, []string{lock, r.keys.recipients(j.id), r.keys.job(j.id)},
		r.owner, ms(r.cfg.Now())).Int()
	if err != nil {
		return fmt.Errorf("list recipients of broadcast %d: %w", j.id, err)
	}
	if res == 1 {
		r.log.Info("broadcast recipients listed", "broadcast", j.id, "recipients", len(s.seen))
	}
	return nil
}

// snapshotter is one snapshot in progress.
type snapshotter struct {
	r     *Runner
	j     *job
	lock  string
	seen  map[int64]bool // HSCAN may return a field twice
	chunk []any
	first bool // the first push empties the list
}

func (s *snapshotter) scan(ctx context.Context) error {
	iter := s.r.rdb.HScan(ctx, s.r.keys.k.Subscribers(), 0, "", scanCount).Iterator()
	for iter.Next(ctx) {
		field := iter.Val()
		if !iter.Next(ctx) {
			break
		}
		s.add(field, iter.Val())
		if len(s.chunk) >= pushChunk {
			if err := s.push(ctx); err != nil {
				return err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("scan subscribers: %w", err)
	}
	return s.push(ctx) // also empties the list of a redone snapshot with nobody to send to
}

// add keeps the subscriber if the broadcast is for them. A profile that does
// not decode is skipped (and counted by whoever wrote it).
func (s *snapshotter) add(field, raw string) {
	chat, err := strconv.ParseInt(field, 10, 64)
	if err != nil || s.seen[chat] {
		return
	}
	p, err := flows.DecodeProfile(raw)
	if err != nil || !s.j.b.Audience.Match(p) {
		return
	}
	if _, lang, ok := s.j.b.TextFor(p.Lang); ok {
		s.seen[chat] = true
		s.chunk = append(s.chunk, field+":"+lang)
	}
}

// errLostLock: another process took the snapshot over.
var errLostLock = fmt.Errorf("snapshot lock lost")

func (s *snapshotter) push(ctx context.Context) error {
	if len(s.chunk) == 0 && !s.first {
		return nil
	}
	fresh := "0"
	if s.first {
		fresh = "1"
	}
	args := append([]any{s.r.owner, s.r.cfg.Lease.Milliseconds(), fresh}, s.chunk...)
	n, err := pushScript.Run(ctx, s.r.rdb, []string{s.lock, s.r.keys.recipients(s.j.id)}, args...).Int()
	if err != nil {
		return fmt.Errorf("push %d recipients: %w", len(s.chunk), err)
	}
	if n == 0 {
		return errLostLock
	}
	s.chunk, s.first = s.chunk[:0], false
	return nil
}
