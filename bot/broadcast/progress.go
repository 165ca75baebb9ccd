package broadcast

import (
	"context"
	"fmt"
	"time"

	"mekongbot/flows"
)

// noProgress in the job's pmsg field: the report chat cannot be written to,
// so there is no progress message to edit.
const noProgress = -1

// progressSeen is what this process last showed in a progress message.
type progressSeen struct {
	at time.Time
	st flows.BroadcastStatus
}

// progress keeps the report chat's progress message, from one process at a
// time (the report lock): posted when delivery starts, then edited every
// ProgressEvery while the counts move.
func (r *Runner) progress(ctx context.Context, j *job, st jobState) error {
	if j.b.ReportChat == 0 || st.progress == noProgress {
		return nil
	}
	if ok, err := r.lock(ctx, r.keys.reportLock(j.id)); err != nil || !ok {
		return err
	}
	if st.progress == 0 {
		return r.postProgress(ctx, j, st.BroadcastStatus)
	}
	r.mu.Lock()
	seen, shown := r.lastEdits[j.id]
	r.mu.Unlock()
	if shown && (time.Since(seen.at) < r.cfg.ProgressEvery || seen.st == st.BroadcastStatus) {
		return nil
	}
	err := r.cfg.Sender.Edit(ctx, j.b.ReportChat, st.progress, r.cfg.Texts.Progress(j.b.ReportLang, st.BroadcastStatus))
	r.seen(j.id, st.BroadcastStatus) // a failed edit too: tried again after ProgressEvery, not every poll
	if err != nil {
		return fmt.Errorf("edit progress of broadcast %d: %w", j.id, rootCause(err))
	}
	return nil
}

// postProgress posts the progress message and keeps its id in the job; a
// report chat that is gone is noted so that nobody tries again.
func (r *Runner) postProgress(ctx context.Context, j *job, st flows.BroadcastStatus) error {
	msgID, err := r.cfg.Sender.Post(ctx, j.b.ReportChat, r.cfg.Texts.Progress(j.b.ReportLang, st))
	if err != nil && !r.cfg.Gone(err) {
		return fmt.Errorf("post progress of broadcast %d: %w", j.id, rootCause(err))
	}
	if err != nil {
		msgID = noProgress
	}
	if err := r.rdb.HSet(ctx, r.keys.job(j.id), fProgress, msgID).Err(); err != nil {
		return fmt.Errorf("keep progress message of broadcast %d: %w", j.id, err)
	}
	r.seen(j.id, st)
	return nil
}

func (r *Runner) seen(id int64, st flows.BroadcastStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastEdits[id] = progressSeen{at: time.Now(), st: st}
}

// finish closes a done or cancelled job once no worker holds a live claim
// (so the counts are final): the progress message shows the end, the report
// chat gets the final report, and the job's lists are deleted. The report
// lock makes one process do it. The report goes out twice only if a process
// is killed between posting it and closing the job, or if posting it took
// longer than the lease and another process took the lock meanwhile.
func (r *Runner) finish(ctx context.Context, j *job, st jobState) error {
	live, err := liveClaimsScript.Run(ctx, r.rdb, []string{r.keys.claims(j.id)}).Int()
	if err != nil {
		return fmt.Errorf("claims of broadcast %d: %w", j.id, err)
	}
	if live > 0 {
		return nil
	}
	lock := r.keys.reportLock(j.id)
	if ok, err := r.lock(ctx, lock); err != nil || !ok {
		return err
	}
	if err := r.report(ctx, j, st); err != nil {
		return err
	}
	k := r.keys
	closed, err := cleanupScript.Run(ctx, r.rdb, []string{lock, k.job(j.id), k.recipients(j.id), k.marks(j.id),
		k.claims(j.id), k.snapshotLock(j.id), k.active()}, r.owner, keepFinished.Milliseconds(), j.id).Int()
	if err != nil {
		return fmt.Errorf("close broadcast %d: %w", j.id, err)
	}
	if closed == 0 { // another process reported too, its lock having outlasted ours
		r.log.Warn("broadcast: final report may have gone out twice", "broadcast", j.id)
		return nil
	}
	r.log.Info("broadcast finished", "broadcast", j.id, "state", st.State, "recipients", st.Total,
		"sent", st.Sent, "failed", st.Failed, "dup", st.Dup)
	return nil
}

// report edits the progress message to its end state and posts the final
// report. A report chat that is gone gets nothing; other errors are retried
// at the next tick.
func (r *Runner) report(ctx context.Context, j *job, st jobState) error {
	if j.b.ReportChat == 0 {
		return nil
	}
	text := r.cfg.Texts.Progress(j.b.ReportLang, st.BroadcastStatus)
	if st.progress > 0 {
		if err := r.cfg.Sender.Edit(ctx, j.b.ReportChat, st.progress, text); err != nil {
			r.log.Warn("broadcast: edit progress to the end", "broadcast", j.id, "err", rootCause(err))
		}
	}
	// The edit may have taken a while: the post gets a whole lease.
	if ok, err := r.lock(ctx, r.keys.reportLock(j.id)); err != nil || !ok {
		return fmt.Errorf("post report of broadcast %d: report lock lost (%v)", j.id, err)
	}
	if _, err := r.cfg.Sender.Post(ctx, j.b.ReportChat, text); err != nil && !r.cfg.Gone(err) {
		return fmt.Errorf("post report of broadcast %d: %w", j.id, rootCause(err))
	}
	return nil
}
