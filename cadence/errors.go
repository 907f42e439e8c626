package cadence

import (
	"errors"
	"fmt"
)

// Error codes. A coded error's message is written for a person and may be shown to them as it is;
// an error without a code is an internal failure, shown only as a reference and logged in full.
const (
	ECONFLICT  = "conflict"    // the action clashes with the current state (already active, already done)
	EFORBIDDEN = "forbidden"   // the actor may not do this ("not yours")
	EINTERNAL  = "internal"    // a failure the user cannot fix
	EINVALID   = "invalid"     // the input is wrong
	ENOTFOUND  = "not_found"   // no such thing
	EOPTEDOUT  = "opted_out"   // the contact asked not to be contacted
	EUNAVAIL   = "unavailable" // a dependency (Slack, the LLM) failed for now
)

// Error is a coded error whose Message is fit to show a person.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("followup error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns a coded error with a message formatted for a person. The message is shown in
// Slack as mrkdwn, so every string argument (text somebody typed, such as a name or a reason) is
// escaped with Escape first; markup the bot means (a `code` span, a <@U123> mention) belongs in
// format.
func Errorf(code string, format string, args ...any) *Error {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = Escape(s)
		}
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first coded error in err's chain, EINTERNAL for any other
// error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the person-facing message of the first coded error in err's chain, or a
// generic message for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong."
}
