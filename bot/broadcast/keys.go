package broadcast

import (
	"strconv"

	"mekongbot/bot/redisstore"
)

// keys names the broadcast keys; the layout is in the package doc. Every key
// goes through redisstore.Keys.Broadcast, so all share the hash tag {bc}.
type keys struct{ k redisstore.Keys }

func newKeys(prefix string) keys { return keys{redisstore.Keys{Prefix: prefix}} }

func (k keys) seq() string    { return k.k.Broadcast("seq") }
func (k keys) active() string { return k.k.Broadcast("active") }
func (k keys) recent() string { return k.k.Broadcast("recent") }
func (k keys) budget() string { return k.k.Broadcast("budget") }

// job is the hash of one broadcast: its definition, state and counters.
func (k keys) job(id int64) string { return k.k.Broadcast(strconv.FormatInt(id, 10)) }

func (k keys) recipients(id int64) string   { return k.job(id) + ":r" }
func (k keys) marks(id int64) string        { return k.job(id) + ":m" }
func (k keys) claims(id int64) string       { return k.job(id) + ":c" }
func (k keys) snapshotLock(id int64) string { return k.job(id) + ":snap" }
func (k keys) reportLock(id int64) string   { return k.job(id) + ":p" }

// Fields of the job hash.
const (
	fDef      = "b"        // flows.Broadcast as JSON
	fState    = "state"    // a flows.BroadcastState
	fReady    = "ready"    // "1" once the recipient list is complete
	fTotal    = "total"    // recipients in the list
	fCursor   = "cursor"   // index of the first recipient not yet claimed
	fSent     = "sent"     //
	fFailed   = "failed"   //
	fDup      = "dup"      // sends marked "s" a second time
	fCreated  = "created"  // Unix ms
	fAt       = "at"       // Unix ms of the scheduled start
	fFinished = "finished" // Unix ms
	fProgress = "pmsg"     // message id of the progress message in the report chat
	fReported = "reported" // "1" once the final report went out and the lists were deleted
)
