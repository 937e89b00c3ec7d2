package sparsels

import (
	"errors"
	"fmt"
)

// Errors of Solve, matched with errors.Is. The errors for invalid arguments
// wrap one of ErrInput, ErrShape, ErrSettings or ErrMemoryLimit and name the
// culprit in their message.
var (
	// ErrInput is wrapped by the errors for invalid input values: a nil
	// problem, or a start or reference point holding a NaN or an infinity.
	ErrInput = errors.New("sparsels: invalid input")
	// ErrShape is wrapped by the errors for arguments whose size does not
	// match the problem: a start or reference point of the wrong length, or
	// constraints built for another pattern.
	ErrShape = errors.New("sparsels: shape mismatch")
	// ErrSettings is wrapped by the errors for invalid Settings: a field
	// that is not finite or out of its range, an unknown method, linear
	// solver or preconditioner.
	ErrSettings = errors.New("sparsels: invalid settings")
	// ErrMemoryLimit is wrapped by the errors for a problem whose estimated
	// memory need exceeds Settings.MemoryLimit, and for a dense linear
	// solver whose matrices would exceed it.
	ErrMemoryLimit = errors.New("sparsels: over the memory limit")

	// ErrStop, returned by a Settings.Callback, stops Solve with status
	// UserStop and no error.
	ErrStop = errors.New("sparsels: stopped by callback")

	// ErrNotFinite is returned (wrapped) by Solve when the energy or
	// gradient is NaN or infinite; the Result holds the best finite iterate.
	ErrNotFinite = errors.New("sparsels: energy or gradient is not finite")
)

// invalidError is an error of kind (ErrInput, ErrShape, ErrSettings or
// ErrMemoryLimit) whose message is err's, so that the kind does not change
// the text.
type invalidError struct {
	kind, err error
}

func (e *invalidError) Error() string   { return e.err.Error() }
func (e *invalidError) Unwrap() []error { return []error{e.kind, e.err} }

// invalidf returns an error of the given kind formatted as fmt.Errorf does
// (%w included).
func invalidf(kind error, format string, a ...any) error {
	return &invalidError{kind: kind, err: fmt.Errorf(format, a...)}
}

// invalid returns err as an error of the given kind, with its message
// unchanged; nil stays nil.
func invalid(kind, err error) error {
	if err == nil {
		return nil
	}
	return &invalidError{kind: kind, err: err}
}
