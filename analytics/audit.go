package analytics

import (
	"context"
	"time"
)

// AuditEntry is one line of the audit log: who did what, when. It is owner
// data: a user's name and what they changed (a user, a site's share link,
// a token's name), never a visitor's address, agent or id.
type AuditEntry struct {
	Time   time.Time
	Actor  string // the user who acted; "cli" for the command line
	Action string // what happened: one of the Audit… constants below
	Target string // what it was done to: a user's name, a site; may be ""
}

// Audit actions: one word each, in the log as they are here.
const (
	AuditLogin        = "login"
	AuditLoginFailed  = "login.failed"
	AuditLogout       = "logout"
	AuditUserAdd      = "user.add"
	AuditUserRemove   = "user.remove"
	AuditUserChange   = "user.change"   // role, sites, email, language or reports
	AuditUserPassword = "user.password" // set by an admin or through an invitation
	AuditUserInvite   = "user.invite"
	AuditShareCreate  = "share.create"
	AuditShareDelete  = "share.delete"
	AuditTokenCreate  = "token.create"
	AuditTokenRevoke  = "token.revoke"
)

// AuditLog keeps the audit log in the store, beside the records it is
// not part of; every engine has it (the shared suite checks it) and
// migrate copies it.
type AuditLog interface {
	// AppendAudit adds an entry.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// AuditEntries returns up to limit entries (0: all), newest first;
	// entries of the same second in the reverse order they were added.
	AuditEntries(ctx context.Context, limit int) ([]AuditEntry, error)
}
