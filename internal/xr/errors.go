package xr

import (
	"errors"
	"fmt"
	"strings"
)

// FieldErrors collects every problem of an XR, each naming its field and the
// fix, so a user fixes them all in one go. The functions return Err() as one
// Fatal result before composing anything.
type FieldErrors struct {
	prefix string
	list   []string
}

// NewFieldErrors returns an empty collection whose field names are prefixed,
// e.g. with "spec.parameters.".
func NewFieldErrors(prefix string) *FieldErrors { return &FieldErrors{prefix: prefix} }

// Add records a problem of field.
func (e *FieldErrors) Add(field, format string, a ...any) {
	e.list = append(e.list, e.prefix+field+": "+fmt.Sprintf(format, a...))
}

// AddError records a problem whose message already names its field.
func (e *FieldErrors) AddError(err error) { e.list = append(e.list, err.Error()) }

// Len is the number of problems.
func (e *FieldErrors) Len() int { return len(e.list) }

// Err is nil without problems, the problem itself with one, and all of them,
// counted, with more.
func (e *FieldErrors) Err() error {
	switch len(e.list) {
	case 0:
		return nil
	case 1:
		return errors.New(e.list[0])
	default:
		return fmt.Errorf("%d problems: %s", len(e.list), strings.Join(e.list, "; "))
	}
}
