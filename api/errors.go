package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"callqa/scoring"
	"callqa/store"
)

// Kind classifies an API error; statusOf maps each kind to its HTTP
// status, in this one place.
type Kind int

// Kinds of API errors.
const (
	KindInternal     Kind = iota // a bug or an unexpected failure: 500
	KindInvalid                  // bad input, naming the field: 400
	KindUnauthorized             // no or unknown token: 401
	KindForbidden                // the token's role or teams do not allow it: 403
	KindNotFound                 // no such call, or not visible to the caller: 404
	KindConflict                 // the call changed since it was read: 409
	KindTooLarge                 // the body is over the size limit: 413
	KindUnavailable              // Redis or MinIO cannot be reached: 503
)

// code is the machine-readable name of a kind in error bodies.
func (k Kind) code() string {
	switch k {
	case KindInvalid:
		return "invalid_argument"
	case KindUnauthorized:
		return "unauthorized"
	case KindForbidden:
		return "forbidden"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindTooLarge:
		return "too_large"
	case KindUnavailable:
		return "unavailable"
	}
	return "internal"
}

// statusOf returns the HTTP status of a kind.
func statusOf(k Kind) int {
	switch k {
	case KindInvalid:
		return http.StatusBadRequest
	case KindUnauthorized:
		return http.StatusUnauthorized
	case KindForbidden:
		return http.StatusForbidden
	case KindNotFound:
		return http.StatusNotFound
	case KindConflict:
		return http.StatusConflict
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Error is an API error: Op names the operation ("api.uploadCall"), Kind
// decides the status, Field names the bad input field where there is one,
// and Msg is what the caller reads. Err is the cause, logged but never
// sent.
type Error struct {
	Op    string
	Kind  Kind
	Field string
	Msg   string
	// ID names the existing resource a conflict is about (the running
	// rescoring job of the same selection), sent as error.id.
	ID  string
	Err error
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.Kind.code()
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// invalid returns a KindInvalid error naming field.
func invalid(op, field, format string, args ...any) *Error {
	return &Error{Op: op, Kind: KindInvalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// fromStore classifies an error of the store: a missing call is not found,
// a changed finding a conflict, a Redis failure unavailable.
func fromStore(op string, err error) *Error {
	var se *store.Error
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Op: op, Kind: KindNotFound, Msg: "no scored call with this id", Err: err}
	case errors.Is(err, store.ErrChanged):
		return &Error{Op: op, Kind: KindConflict, Field: "finding",
			Msg: "the call was rescored since it was read; read it again and repeat the review", Err: err}
	case errors.As(err, &se):
		return &Error{Op: op, Kind: KindUnavailable, Msg: "the score store is unavailable; try again", Err: err}
	}
	return &Error{Op: op, Kind: KindInternal, Msg: "internal error", Err: err}
}

// fromInput turns a transcript InputError into a KindInvalid error naming
// its field.
func fromInput(op string, err error) *Error {
	var ie *scoring.InputError
	if errors.As(err, &ie) {
		msg := ie.Msg
		if ie.Line > 0 {
			msg = fmt.Sprintf("line %d: %s", ie.Line, ie.Msg)
		}
		return &Error{Op: op, Kind: KindInvalid, Field: ie.Field, Msg: msg, Err: err}
	}
	return &Error{Op: op, Kind: KindInvalid, Msg: err.Error(), Err: err}
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	ID      string `json:"id,omitempty"`
}

// fail writes err as the response and stops the handler chain. An error
// that is not an *Error is internal.
func fail(c *gin.Context, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Op: "api", Kind: KindInternal, Msg: "internal error", Err: err}
	}
	if e.Kind == KindUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="callqa"`)
	}
	_ = c.Error(e)
	c.AbortWithStatusJSON(statusOf(e.Kind), errorBody{Error: errorDetail{Code: e.Kind.code(), Message: e.Msg, Field: e.Field, ID: e.ID}})
}
