package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

// ParseCommandLine parses os.Args for a program that defines its flags on
// flag.CommandLine, the way the programs with a flag set of their own do:
// the usage is headed with prog (not the path of a go run binary), -h
// exits 0, and a bad flag exits 1 after the flag package's message.
func ParseCommandLine(prog string) {
	if code, done := parse(flag.CommandLine, prog, os.Args[1:]); done {
		os.Exit(code)
	}
}

// parse is ParseCommandLine on fs and args: it reports the exit code and
// whether the program must exit now.
func parse(fs *flag.FlagSet, prog string, args []string) (code int, exit bool) {
	fs.Init(prog, flag.ContinueOnError)
	fs.Usage = func() {
		// flag.CommandLine's own usage names os.Args[0].
		fmt.Fprintf(fs.Output(), "Usage of %s:\n", prog)
		fs.PrintDefaults()
	}
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		return 0, true
	}
	return 1, true
}
