package bot

import (
	"context"
	"sync"
)

// Dispatcher runs jobs so that jobs of one chat run strictly in the order
// submitted, while different chats run in parallel on a bounded number of
// workers. A chat always maps to the same worker; each worker has a bounded
// queue, so a flood blocks Submit (back-pressure) instead of growing memory.
type Dispatcher struct {
	queues []chan func()
	wg     sync.WaitGroup
}

// NewDispatcher starts workers goroutines with queues of queueLen jobs each.
func NewDispatcher(workers, queueLen int) *Dispatcher {
	d := &Dispatcher{queues: make([]chan func(), max(1, workers))}
	for i := range d.queues {
		d.queues[i] = make(chan func(), queueLen)
		d.wg.Add(1)
		go d.work(d.queues[i])
	}
	return d
}

func (d *Dispatcher) work(q chan func()) {
	defer d.wg.Done()
	for job := range q {
		job()
	}
}

// Submit queues job for chatID. It blocks while that worker's queue is full
// and returns ctx.Err() if ctx ends first.
func (d *Dispatcher) Submit(ctx context.Context, chatID int64, job func()) error {
	q := d.queues[shard(chatID, len(d.queues))]
	select {
	case q <- job:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// QueueDepth is the number of jobs waiting, for metrics.
func (d *Dispatcher) QueueDepth() int {
	n := 0
	for _, q := range d.queues {
		n += len(q)
	}
	return n
}

// Close stops accepting jobs and waits until every queued job has run.
func (d *Dispatcher) Close() {
	for _, q := range d.queues {
		close(q)
	}
	d.wg.Wait()
}

func shard(chatID int64, n int) int {
	u := uint64(chatID)
	u ^= u >> 33
	u *= 0xff51afd7ed558ccd
	u ^= u >> 33
	return int(u % uint64(n))
}
