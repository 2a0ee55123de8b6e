package pth

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// globalNames follows, without running the pickle, the strings that
// STACK_GLOBAL (protocol 4+) takes from the stack as module and class
// name, so that prescan can check them against the allow-list just like
// the names GLOBAL carries inline. gopickle would otherwise resolve
// __builtin__.object and copy_reg._reconstructor itself, never asking
// FindClass.
//
// It keeps only the two values most recently pushed and which memo slots
// hold strings: Python's pickler writes a global as two string pushes
// (SHORT_BINUNICODE, BINUNICODE[8] or BINGET of a memoized one), each
// maybe followed by MEMOIZE, then STACK_GLOBAL. Any other opcode forgets
// the window, so a STACK_GLOBAL whose names were not pushed that way is
// refused rather than guessed at.
type globalNames struct {
	window [2]*string // [second from top, top]; nil: not a known string
	memo   map[uint64]*string
}

// push records a value put on top of the stack (nil: not a known string).
func (g *globalNames) push(s *string) { g.window = [2]*string{g.window[1], s} }

// store records what memo slot idx now holds: the top of the stack.
func (g *globalNames) store(idx uint64) {
	if g.memo == nil {
		g.memo = map[uint64]*string{}
	}
	g.memo[idx] = g.window[1]
}

// step updates the window for opcode op at byte at, whose argument bytes
// are arg, and checks the names of a STACK_GLOBAL.
func (g *globalNames) step(op byte, at int, arg []byte) error {
	str := func(s []byte) *string { v := string(s); return &v }
	switch op {
	case 0x8c: // SHORT_BINUNICODE
		g.push(str(arg[1:]))
	case 'X': // BINUNICODE
		g.push(str(arg[4:]))
	case 0x8d: // BINUNICODE8
		g.push(str(arg[8:]))
	case 0x94: // MEMOIZE: the next slot is len(memo)
		g.store(uint64(len(g.memo)))
	case 'q': // BINPUT
		g.store(uint64(arg[0]))
	case 'r': // LONG_BINPUT
		g.store(uint64(binary.LittleEndian.Uint32(arg)))
	case 'p': // PUT
		if idx, err := strconv.ParseUint(string(arg[:len(arg)-1]), 10, 64); err == nil {
			g.store(idx)
		}
	case 'h': // BINGET
		g.push(g.memo[uint64(arg[0])])
	case 'j': // LONG_BINGET
		g.push(g.memo[uint64(binary.LittleEndian.Uint32(arg))])
	case 'g': // GET
		idx, err := strconv.ParseUint(string(arg[:len(arg)-1]), 10, 64)
		if err != nil {
			g.push(nil)
		} else {
			g.push(g.memo[idx])
		}
	case 0x80, 0x95: // PROTO, FRAME: the stack is untouched
	case 0x93: // STACK_GLOBAL
		module, name := g.window[0], g.window[1]
		if module == nil || name == nil {
			return fmt.Errorf("pickle STACK_GLOBAL at byte %d: its module and class name are not plain strings pushed just before it", at)
		}
		if !allowedClass(*module, *name) {
			return &UnsupportedClassError{Module: *module, Name: *name}
		}
		g.push(nil)
	default:
		g.window = [2]*string{}
	}
	return nil
}
