package bot

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestDispatcherKeepsEachChatInOrder(t *testing.T) {
	d := NewDispatcher(4, 8)
	var mu sync.Mutex
	got := map[int64][]int{}
	for i := 0; i < 200; i++ {
		chat := int64(i % 7)
		i := i
		if err := d.Submit(context.Background(), chat, func() {
			mu.Lock()
			got[chat] = append(got[chat], i)
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	for chat, seq := range got {
		for j := 1; j < len(seq); j++ {
			if seq[j] < seq[j-1] {
				t.Fatalf("chat %d handled out of order: %v", chat, seq)
			}
		}
	}
}

func TestDispatcherRunsChatsInParallel(t *testing.T) {
	d := NewDispatcher(8, 1)
	defer d.Close()
	release := make(chan struct{})
	started := make(chan int64, 2)
	// Two chats that land on different workers.
	a, b := int64(1), int64(2)
	for shard(b, 8) == shard(a, 8) {
		b++
	}
	for _, chat := range []int64{a, b} {
		chat := chat
		_ = d.Submit(context.Background(), chat, func() { started <- chat; <-release })
	}
	for i := 0; i < 2; i++ {
		select {
		case <-started:
		case <-time.After(2 * time.Second):
			t.Fatal("a slow chat blocked another chat")
		}
	}
	close(release)
}

func TestDispatcherSubmitHonoursContext(t *testing.T) {
	d := NewDispatcher(1, 0)
	block := make(chan struct{})
	_ = d.Submit(context.Background(), 1, func() { <-block })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := d.Submit(ctx, 1, func() {}); err == nil {
		t.Error("Submit into a full queue should give up when ctx ends")
	}
	close(block)
	d.Close()
}
