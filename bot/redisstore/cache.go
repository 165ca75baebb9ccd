package redisstore

import "sync"

// sessionCache holds the encoded session this process wrote last for up to
// max chats. When full, an arbitrary chat (Go's map order) makes room: with
// sessions read again only when their chat speaks, a random victim is
// nearly as good as the least recently used one, at no bookkeeping cost.
// A nil *sessionCache holds nothing.
type sessionCache struct {
	mu  sync.Mutex
	max int
	m   map[int64]string
}

func newSessionCache(n int) *sessionCache {
	return &sessionCache{max: n, m: make(map[int64]string, min(n, 1024))}
}

func (c *sessionCache) get(chatID int64) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	raw, ok := c.m[chatID]
	return raw, ok
}

func (c *sessionCache) put(chatID int64, raw string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[chatID]; !ok && len(c.m) >= c.max {
		for victim := range c.m {
			delete(c.m, victim)
			break
		}
	}
	c.m[chatID] = raw
}

func (c *sessionCache) drop(chatID int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, chatID)
}

func (c *sessionCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}
