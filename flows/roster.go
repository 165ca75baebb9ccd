package flows

import "context"

// StaffMember is one person allowed to run staff actions.
type StaffMember struct {
	UserID int64
	// Fixed members come from configuration (BOT_ADMIN_IDS) and cannot be
	// removed in chat.
	Fixed bool
}

// Roster says who is staff. Every staff action asks it at the moment the
// action runs, so a removal takes effect at once.
type Roster interface {
	IsStaff(ctx context.Context, userID int64) (bool, error)
	// Add and Remove change the staff list and log who did it and when.
	// Removing a fixed member fails with ErrFixedStaff.
	Add(ctx context.Context, by, userID int64) error
	Remove(ctx context.Context, by, userID int64) error
	List(ctx context.Context) ([]StaffMember, error)
}

// ErrFixedStaff is returned when removing a member configured by BOT_ADMIN_IDS.
var ErrFixedStaff = errorString("staff member is fixed by configuration")

type errorString string

func (e errorString) Error() string { return string(e) }
