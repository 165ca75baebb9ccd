package flows

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrConflict is what Store.Commit returns when the chat's session changed
// since it was claimed: the change was not written.
var ErrConflict = errors.New("session changed since it was loaded")

// Store keeps sessions between updates.
//
// The engine changes a session in a claim: Claim loads it to handle one
// event, Commit writes the new session only if the stored one is still the
// one claimed (else ErrConflict, nothing written: the engine claims afresh
// and handles the event again), and Abandon ends a claim without writing.
// Every claim ends with one Commit or one Abandon: a store that serves
// several processes may lock the chat for the length of a claim.
//
// Load, Save and Delete read and write outside a claim (inline queries,
// notes, /forget, moving a group's session): Load returns the chat's session
// and ok=false for a chat never seen (or expired); Save writes it and
// refreshes its expiry; Delete forgets the chat.
//
// Errors are wrapped transport errors; callers treat them as temporary.
type Store interface {
	Claim(ctx context.Context, chatID int64) (Claim, error)
	Commit(ctx context.Context, c Claim, s Session) error
	Abandon(ctx context.Context, c Claim)
	Load(ctx context.Context, chatID int64) (s Session, ok bool, err error)
	Save(ctx context.Context, chatID int64, s Session) error
	Delete(ctx context.Context, chatID int64) error
}

// Claim is a chat's session loaded to handle one event (see Store). Its
// Session belongs to the caller, who may change it (and its Back stack) in
// place.
type Claim struct {
	ChatID  int64
	Session Session
	Found   bool
	// Version is the stored session as it was loaded ("" when there was
	// none): Commit compares it with what is stored then.
	Version string
	// Lock is the token of the chat's lock, for a store that takes one.
	Lock string
}

// MemStore is an in-memory Store for flow tests.
type MemStore struct {
	mu   sync.Mutex
	data map[int64]string
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{data: map[int64]string{}} }

func (m *MemStore) Claim(_ context.Context, chatID int64) (Claim, error) {
	m.mu.Lock()
	raw, ok := m.data[chatID]
	m.mu.Unlock()
	c := Claim{ChatID: chatID, Version: raw}
	if !ok {
		return c, nil
	}
	s, err := DecodeSession(raw)
	c.Session, c.Found = s, err == nil
	return c, nil
}

func (m *MemStore) Commit(_ context.Context, c Claim, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.data[c.ChatID] != c.Version {
		return fmt.Errorf("commit session %d: %w", c.ChatID, ErrConflict)
	}
	m.data[c.ChatID] = s.Encode()
	return nil
}

func (m *MemStore) Abandon(context.Context, Claim) {}

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
