package flowstest

import (
	"context"
	"testing"

	"mekongbot/flows"
)

// Options tunes StoreContractWith for the kind of Store under test.
type Options struct {
	// CancelledContextFails requires every method to return an error
	// (matching context.Canceled) when called with a cancelled context, as a
	// network store must. When false a store may ignore the context (memory).
	CancelledContextFails bool
	// Chats is how many chats the concurrency case drives at once (default 32).
	Chats int
	// Rounds is how many save/load rounds each chat does there (default 20).
	Rounds int
}

func (o Options) withDefaults() Options {
	if o.Chats <= 0 {
		o.Chats = 32
	}
	if o.Rounds <= 0 {
		o.Rounds = 20
	}
	return o
}

// NewStoreFunc returns an empty Store for one (sub)test; it may register
// cleanups on t. Every case of the contract asks for its own store.
type NewStoreFunc = func(t *testing.T) flows.Store

type contractCase struct {
	name string
	run  func(t *testing.T, st flows.Store, o Options)
}

var contractCases = []contractCase{
	{"LoadUnknown", testLoadUnknown},
	{"RoundTrip", testRoundTrip},
	{"Overwrite", testOverwrite},
	{"SaveCopiesInput", testSaveCopiesInput},
	{"DeleteThenLoad", testDeleteThenLoad},
	{"DeleteUnknown", testDeleteUnknown},
	{"ChatsIndependent", testChatsIndependent},
	{"Concurrent", testConcurrent},
	{"CancelledContext", testCancelledContext},
	{"ClaimCommit", testClaimCommit},
	{"CommitConflict", testCommitConflict},
	{"Abandon", testAbandon},
	{"ClaimsInTurn", testClaimsInTurn},
}

// StoreContract runs the Store contract with default Options: a cancelled
// context may be ignored. Network stores should call StoreContractWith and
// set CancelledContextFails.
func StoreContract(t *testing.T, newStore NewStoreFunc) {
	t.Helper()
	StoreContractWith(t, newStore, Options{})
}

// StoreContractWith runs every case of the Store contract as a subtest, each
// on a fresh store from newStore.
func StoreContractWith(t *testing.T, newStore NewStoreFunc, o Options) {
	t.Helper()
	o = o.withDefaults()
	for _, c := range contractCases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, newStore(t), o)
		})
	}
}

// ctx returns the test's context; it is cancelled when the test ends.
func ctx(t *testing.T) context.Context { return t.Context() }
