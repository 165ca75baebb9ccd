package flows

import (
	"context"
	"sync"
)

// Store keeps sessions between updates.
//
// Load returns the chat's session and ok=false for a chat never seen (or
// expired). Save writes it back and refreshes its expiry. Delete forgets the
// chat. Errors are wrapped transport errors; callers treat them as temporary.
type Store interface {
	Load(ctx context.Context, chatID int64) (s Session, ok bool, err error)
	Save(ctx context.Context, chatID int64, s Session) error
	Delete(ctx context.Context, chatID int64) error
}

// MemStore is an in-memory Store for flow tests.
type MemStore struct {
	mu   sync.Mutex
	data map[int64]string
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{data: map[int64]string{}} }

func (m *MemStore) Load(_ context.Context, chatID int64) (Session, bool, error) {
	m.mu.Lock()
	raw, ok := m.data[chatID]
	m.mu.Unlock()
	if !ok {
		return Session{}, false, nil
	}
	s, err := DecodeSession(raw)
	return s, err == nil, err
}

func (m *MemStore) Save(_ context.Context, chatID int64, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[chatID] = s.Encode()
	return nil
}

func (m *MemStore) Delete(_ context.Context, chatID int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, chatID)
	return nil
}
