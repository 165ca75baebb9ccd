package broadcast

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/wait"
	"mekongbot/flows"
)

// Sender delivers messages to Telegram. bot.Sender is to implement it (not
// yet done); tests use a minimal one over net/http.
type Sender interface {
	// SendBulk sends one broadcast message. It keeps 1 message/s per chat
	// and retries 429 retry_after, 5xx and network errors itself; ctx
	// bounds the whole attempt. Retries it makes should be reported to the
	// Budget with Consume.
	SendBulk(ctx context.Context, chatID int64, r flows.Reply) error
	// Post sends a message and returns its id (for the progress message).
	Post(ctx context.Context, chatID int64, r flows.Reply) (messageID int, err error)
	// Edit replaces the text of a message sent with Post.
	Edit(ctx context.Context, chatID int64, messageID int, r flows.Reply) error
}

// Texts words what recipients and staff see.
type Texts interface {
	// Message is what a recipient sees: text in language lang.
	Message(lang, text string) flows.Reply
	// Progress is the staff's progress message and final report (st.State
	// done or cancelled) in language lang.
	Progress(lang string, st flows.BroadcastStatus) flows.Reply
}

// Defaults of Config.
const (
	DefaultWorkers       = 200
	DefaultRangeSize     = 50
	DefaultLease         = 10 * time.Second
	DefaultPoll          = 500 * time.Millisecond
	DefaultProgressEvery = 2 * time.Second
	DefaultSendTimeout   = 30 * time.Second
)

// Config is what a Runner needs. Redis, Sender, Texts, Gone and Subscribers
// are required.
type Config struct {
	Redis  redis.UniversalClient
	Prefix string // key prefix, as for redisstore.Keys
	Sender Sender
	Texts  Texts
	// Gone reports whether a send error means the recipient can never
	// receive (blocked the bot, chat not found): they are unsubscribed.
	Gone func(error) bool
	// Subscribers unsubscribes gone recipients; only Unsubscribe is called.
	Subscribers flows.Subscribers
	// Budget is the send rate shared with the interactive sender; nil sends
	// as fast as the workers go (tests only).
	Budget *Budget
	// Workers is how many sends a process has in flight; it must cover the
	// rate times the time a send takes, retries included: at 1,000/s with
	// 100 ms per call and 5% of calls waiting about 1 s (retry_after, or
	// the chat's 1 s pacing before a retry), that is 1000 × (0.1 + 0.05 × 1)
	// = 150. Default 200. The process claims ranges so that about as many
	// recipients wait in its queue.
	Workers int
	// RangeSize is how many recipients one claim covers. Default 50.
	RangeSize int
	// Lease is how long a claim or lock outlives a process that stopped
	// renewing it (killed, cut off): the delay before another takes over.
	// Default 10 s.
	Lease time.Duration
	// Poll is how often due jobs are looked for. Default 500 ms.
	Poll time.Duration
	// ProgressEvery is how often the progress message is edited. Default 2 s.
	ProgressEvery time.Duration
	// SendTimeout bounds one SendBulk, its retries included. Default 30 s.
	SendTimeout time.Duration
	// Delivered, when set, is told each recipient's outcome once it is
	// marked (true: sent), for metrics.
	Delivered func(sent bool)
	// Now is the clock for schedules and report times. Default time.Now.
	Now func() time.Time
	Log *slog.Logger
}

func (c *Config) defaults() error {
	if c.Redis == nil || c.Sender == nil || c.Texts == nil || c.Gone == nil || c.Subscribers == nil {
		return errors.New("broadcast: Config needs Redis, Sender, Texts, Gone and Subscribers")
	}
	c.Workers = cmp(c.Workers, DefaultWorkers)
	c.RangeSize = cmp(c.RangeSize, DefaultRangeSize)
	c.Lease = cmp(c.Lease, DefaultLease)
	c.Poll = cmp(c.Poll, DefaultPoll)
	c.ProgressEvery = cmp(c.ProgressEvery, DefaultProgressEvery)
	c.SendTimeout = cmp(c.SendTimeout, DefaultSendTimeout)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// cmp is v, or def when v is not positive.
func cmp[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Runner delivers broadcasts; run one per bot process. Processes sharing a
// Redis share the work: see the package doc.
type Runner struct {
	cfg   Config
	rdb   redis.UniversalClient
	keys  keys
	owner string // this process, in lock values and claim tokens
	log   *slog.Logger

	mu      sync.Mutex
	jobs    map[int64]*job // due jobs this process knows, by id
	running []int64        // ids of jobs open for claims, oldest first

	claimSeq  uint64 // under mu
	lastEdits map[int64]progressSeen

	wake chan struct{} // open jobs changed
}

// job is a broadcast as workers need it: its messages rendered per language.
type job struct {
	id   int64
	b    flows.Broadcast
	msgs map[string]flows.Reply
	// halted is set once anything saw the job no longer running (cancelled
	// or done), so that every queued recipient of it is skipped at once.
	halted atomic.Bool
}

// NewRunner checks cfg and returns a Runner.
func NewRunner(cfg Config) (*Runner, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Runner{
		cfg:       cfg,
		rdb:       cfg.Redis,
		keys:      newKeys(cfg.Prefix),
		owner:     randomToken(),
		log:       cfg.Log,
		jobs:      map[int64]*job{},
		lastEdits: map[int64]progressSeen{},
		wake:      make(chan struct{}, 1),
	}, nil
}

// Run delivers due broadcasts until ctx ends, then lets each send in hand
// finish and be marked, hands its claims and locks back to the other
// processes and returns nil.
func (r *Runner) Run(ctx context.Context) error {
	tasks := make(chan task, r.cfg.Workers)
	var queued atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() { r.feed(ctx, tasks, &queued) })
	for range r.cfg.Workers {
		wg.Go(func() { r.sendAll(ctx, tasks, &queued) })
	}
	for {
		r.tick(ctx)
		if wait.Sleep(ctx, r.cfg.Poll) != nil {
			break
		}
	}
	wg.Wait()
	r.unlockAll(ctx)
	return nil
}

// unlockAll gives up the report and snapshot locks this process holds, so
// that another process need not wait for them to expire.
func (r *Runner) unlockAll(ctx context.Context) {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	r.mu.Lock()
	ids := make([]int64, 0, len(r.jobs))
	for id := range r.jobs {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	for _, id := range ids {
		for _, lock := range []string{r.keys.reportLock(id), r.keys.snapshotLock(id)} {
			if err := unlockScript.Run(uctx, r.rdb, []string{lock}, r.owner).Err(); err != nil {
				r.log.Warn("broadcast: unlock", "broadcast", id, "err", err)
			}
		}
	}
}

// tick looks at every due job once: lists recipients of new ones, opens
// running ones to the workers, keeps progress and reports finished ones.
func (r *Runner) tick(ctx context.Context) {
	ids, err := r.rdb.ZRangeByScore(ctx, r.keys.active(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(ms(r.cfg.Now()), 10)}).Result()
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("broadcast: list due jobs", "err", err)
		}
		return
	}
	due := make(map[int64]bool, len(ids))
	var running []int64
	for _, raw := range ids {
		id, _ := strconv.ParseInt(raw, 10, 64)
		due[id] = true
		open, err := r.tend(ctx, id)
		if errors.Is(err, flows.ErrNotFound) {
			r.forget(ctx, id)
		} else if err != nil && ctx.Err() == nil {
			r.log.Warn("broadcast: tend job", "broadcast", id, "err", err)
		}
		if open {
			running = append(running, id)
		}
	}
	r.setRunning(running, due)
}

// forget drops from active a job whose hash is gone (deleted by hand, or
// expired), which nothing could ever finish.
func (r *Runner) forget(ctx context.Context, id int64) {
	r.log.Warn("broadcast: active job has no data; dropped", "broadcast", id)
	if err := r.rdb.ZRem(ctx, r.keys.active(), id).Err(); err != nil {
		r.log.Warn("broadcast: drop job", "broadcast", id, "err", err)
	}
}

// tend does what a due job needs now; open is true when workers may claim.
func (r *Runner) tend(ctx context.Context, id int64) (open bool, err error) {
	j, err := r.job(ctx, id)
	if err != nil {
		return false, err
	}
	d, err := r.details(ctx, id)
	if err != nil {
		return false, err
	}
	switch d.State {
	case flows.BroadcastScheduled, flows.BroadcastRunning:
		if !d.ready {
			return r.snapshotAndOpen(ctx, j)
		}
		return true, r.progress(ctx, j, d)
	default:
		j.halted.Store(true)
		return false, r.finish(ctx, j, d)
	}
}

// snapshotAndOpen lists the job's recipients and, when that completed it,
// opens the job at once rather than a poll later.
func (r *Runner) snapshotAndOpen(ctx context.Context, j *job) (open bool, err error) {
	if err := r.snapshot(ctx, j); err != nil {
		return false, err
	}
	d, err := r.details(ctx, j.id)
	if err != nil || !d.ready || d.State != flows.BroadcastRunning {
		return false, err
	}
	return true, r.progress(ctx, j, d)
}

// jobState is Details plus the fields only the Runner reads.
type jobState struct {
	Details
	ready    bool
	progress int // message id of the progress message, 0 if none
}

func (r *Runner) details(ctx context.Context, id int64) (jobState, error) {
	fields := append(append([]string(nil), statusFields...), fReady, fProgress)
	vals, err := r.rdb.HMGet(ctx, r.keys.job(id), fields...).Result()
	if err != nil {
		return jobState{}, fmt.Errorf("status of broadcast %d: %w", id, err)
	}
	d, ok := parseDetails(id, vals[:len(statusFields)])
	if !ok {
		return jobState{}, fmt.Errorf("status of broadcast %d: %w", id, flows.ErrNotFound)
	}
	ready, _ := vals[len(statusFields)].(string)
	pmsg, _ := vals[len(statusFields)+1].(string)
	progress, _ := strconv.Atoi(pmsg)
	return jobState{Details: d, ready: ready == "1", progress: progress}, nil
}

// job returns the job's definition, loaded once per process.
func (r *Runner) job(ctx context.Context, id int64) (*job, error) {
	r.mu.Lock()
	j := r.jobs[id]
	r.mu.Unlock()
	if j != nil {
		return j, nil
	}
	b, err := loadBroadcast(ctx, r.rdb, r.keys, id)
	if err != nil {
		return nil, err
	}
	j = &job{id: id, b: b, msgs: make(map[string]flows.Reply, len(b.Texts))}
	for lang, text := range b.Texts {
		j.msgs[lang] = r.cfg.Texts.Message(lang, text)
	}
	r.mu.Lock()
	r.jobs[id] = j
	r.mu.Unlock()
	return j, nil
}

// setRunning opens the jobs to the workers and forgets jobs no longer
// active (reported, or expired).
func (r *Runner) setRunning(open []int64, due map[int64]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Equal(r.running, open) {
		select {
		case r.wake <- struct{}{}: // the feeder looks at once
		default:
		}
	}
	r.running = open
	for id := range r.jobs {
		if !due[id] {
			delete(r.jobs, id)
			delete(r.lastEdits, id)
		}
	}
}

func (r *Runner) openJobs() []*job {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*job, 0, len(r.running))
	for _, id := range r.running {
		if j := r.jobs[id]; j != nil {
			out = append(out, j)
		}
	}
	return out
}

// lock takes or extends a lock for this process.
func (r *Runner) lock(ctx context.Context, key string) (bool, error) {
	n, err := lockScript.Run(ctx, r.rdb, []string{key}, r.owner, r.cfg.Lease.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", key, err)
	}
	return n == 1, nil
}

// newClaimToken names one claim: the process and a sequence number, so that
// two workers of one process never mistake each other's claims.
func (r *Runner) newClaimToken() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.claimSeq++
	return r.owner + "." + strconv.FormatUint(r.claimSeq, 10)
}

func randomToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
