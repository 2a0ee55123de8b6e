// Package cli holds what the example programs share at their edge: the
// line they print when an error ends them.
package cli

import "strings"

// ErrorLine returns the line a program named prog prints for the error
// that ends it: the error prefixed with the program's name, unless the
// error already starts with it, as the errors of the package of the same
// name do ("cam: unknown method", not "cam: cam: unknown method").
func ErrorLine(prog string, err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, prog+": ") {
		return msg
	}
	return prog + ": " + msg
}
