package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/flows"
)

var _ flows.Roster = (*Roster)(nil)

// staffLogMax is how many staff changes Keys.StaffLog keeps, newest first.
const staffLogMax = 1000

// Roster says who is staff: the fixed members from configuration
// (BOT_ADMIN_IDS), held in memory, plus those added in chat, held in the
// Redis set Keys.Staff. Every change is appended to Keys.StaffLog and logged.
// It is safe for concurrent use.
//
// The slog records carry the user ids of the member changed and of the one
// who changed them. Granting staff access is the most sensitive act in the
// bot and the process log is the audit trail that survives someone editing
// Redis; the ids are those of staff acting as staff, not of the people the
// bot serves, and the record says nothing else about them.
type Roster struct {
	rdb   redis.UniversalClient
	keys  Keys
	fixed map[int64]bool
	log   *slog.Logger
}

// NewRoster returns a Roster with the fixed members fixed (BOT_ADMIN_IDS) on
// client under prefix. log may be nil: changes are then only kept in Redis.
func NewRoster(client redis.UniversalClient, prefix string, fixed []int64, log *slog.Logger) *Roster {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Roster{rdb: client, keys: Keys{Prefix: prefix}, fixed: map[int64]bool{}, log: log}
	for _, id := range fixed {
		r.fixed[id] = true
	}
	return r
}

// IsStaff answers fixed members from memory; anyone else costs one
// SISMEMBER, so a removal in chat takes effect at the next action.
func (r *Roster) IsStaff(ctx context.Context, userID int64) (bool, error) {
	if r.fixed[userID] {
		return true, nil
	}
	ok, err := r.rdb.SIsMember(ctx, r.keys.Staff(), userID).Result()
	if err != nil {
		return false, fmt.Errorf("check staff %d: %w", userID, err)
	}
	return ok, nil
}

// Add makes userID staff and logs that by did it. A fixed member is staff
// already and is not stored (dropping them from BOT_ADMIN_IDS must be enough
// to remove them), so adding one changes and logs nothing.
func (r *Roster) Add(ctx context.Context, by, userID int64) error {
	if r.fixed[userID] {
		return nil
	}
	if err := r.change(ctx, "add", by, userID); err != nil {
		return fmt.Errorf("add staff %d by %d: %w", userID, by, err)
	}
	return nil
}

// Remove ends userID's staff access and logs that by did it; removing
// someone who is not staff is no error (and is logged: it was asked for).
// Fixed members can only be removed from the configuration: ErrFixedStaff.
func (r *Roster) Remove(ctx context.Context, by, userID int64) error {
	if r.fixed[userID] {
		return fmt.Errorf("remove staff %d by %d: %w", userID, by, flows.ErrFixedStaff)
	}
	if err := r.change(ctx, "remove", by, userID); err != nil {
		return fmt.Errorf("remove staff %d by %d: %w", userID, by, err)
	}
	return nil
}

// change applies an add or remove and records it, in one round trip. The
// staff set and the log are in different cluster slots, so this is a
// pipeline, not a transaction; the change is sent first, so Redis stopping
// half way can lose the log line but not leave a logged change unmade.
func (r *Roster) change(ctx context.Context, action string, by, userID int64) error {
	line := fmt.Sprintf("%s %s %d by %d", time.Now().UTC().Format(time.RFC3339), action, userID, by)
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		if action == "add" {
			p.SAdd(ctx, r.keys.Staff(), userID)
		} else {
			p.SRem(ctx, r.keys.Staff(), userID)
		}
		p.LPush(ctx, r.keys.StaffLog(), line)
		p.LTrim(ctx, r.keys.StaffLog(), 0, staffLogMax-1)
		return nil
	})
	if err != nil {
		return err
	}
	r.log.LogAttrs(ctx, slog.LevelInfo, "staff "+action, slog.Int64("user", userID), slog.Int64("by", by))
	return nil
}

// List returns the fixed members, then those added in chat, each by user id.
func (r *Roster) List(ctx context.Context) ([]flows.StaffMember, error) {
	added, err := r.rdb.SMembers(ctx, r.keys.Staff()).Result()
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	var list []flows.StaffMember
	for _, id := range slices.Sorted(maps.Keys(r.fixed)) {
		list = append(list, flows.StaffMember{UserID: id, Fixed: true})
	}
	ids, err := parseIDs(added)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	for _, id := range ids {
		if !r.fixed[id] { // added in chat before it was also configured
			list = append(list, flows.StaffMember{UserID: id})
		}
	}
	return list, nil
}

// StaffLog returns the last n staff changes, newest first, as stored:
// "<RFC3339 UTC> add|remove <user> by <user>".
func (r *Roster) StaffLog(ctx context.Context, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	lines, err := r.rdb.LRange(ctx, r.keys.StaffLog(), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("read staff log: %w", err)
	}
	return lines, nil
}

// parseIDs reads decimal ids and sorts them.
func parseIDs(raw []string) ([]int64, error) {
	ids := make([]int64, 0, len(raw))
	for _, s := range raw {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("read id %q: %w", s, err)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}
