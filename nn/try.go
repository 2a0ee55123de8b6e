package nn

import (
	"fmt"
	"runtime"
)

// Error is the error Try returns for a recovered panic of this package (a
// shape mismatch or another programmer error inside a graph).
type Error struct {
	Msg string
}

// Error returns the panic's message.
func (e *Error) Error() string { return e.Msg }

// Try runs fn and turns a panic raised by the package's checks (a message
// naming the op and the shapes) into an *Error, so that an API boundary can
// return it. Runtime errors such as index out of range are re-panicked:
// they are bugs, not bad input.
func Try(fn func()) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if _, isRuntime := r.(runtime.Error); isRuntime {
			panic(r)
		}
		switch v := r.(type) {
		case string:
			err = &Error{Msg: v}
		case error:
			err = &Error{Msg: v.Error()}
		default:
			err = &Error{Msg: fmt.Sprint(v)}
		}
	}()
	fn()
	return nil
}
