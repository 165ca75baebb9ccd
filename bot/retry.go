package bot

import (
	"context"
	"errors"

	"mekongbot/flows"
)

// maxHealthyRetries is how often an update whose session store failed is
// retried while Redis answers pings: a failure that outlives that is no
// outage but something wrong with that chat's data, and the person gets the
// apology instead of waiting forever. During an outage retries are not
// counted: the update waits until Redis is back.
const maxHealthyRetries = 3

// attempt is one handling attempt of one update. The pipeline puts it in
// the context the update's job runs with (jobFor captures that context), so
// handle can ask for a retry without a change to the job's signature.
type attempt struct {
	n     int  // 1 for the first attempt
	last  bool // no retry possible: answer failures with the apology
	retry bool // set by handle: the session store failed, run again later
}

type attemptKey struct{}

func withAttempt(ctx context.Context, a *attempt) context.Context {
	return context.WithValue(ctx, attemptKey{}, a)
}

func attemptOf(ctx context.Context) *attempt {
	a, _ := ctx.Value(attemptKey{}).(*attempt)
	return a
}

// retryLater is handle's question after Process failed: should this update
// be handled again later rather than answered with an apology now? It is
// yes for a session store failure (Redis unavailable), unless this is the
// last attempt or the update runs outside the pipeline (no retry possible).
func retryLater(ctx context.Context, err error) bool {
	a := attemptOf(ctx)
	if a == nil || a.last || !errors.Is(err, flows.ErrStore) {
		return false
	}
	a.retry = true
	return true
}

// firstAttempt reports whether this is the first time the update is handled
// in this process: a button press is acknowledged only then.
func firstAttempt(ctx context.Context) bool {
	a := attemptOf(ctx)
	return a == nil || a.n <= 1
}
