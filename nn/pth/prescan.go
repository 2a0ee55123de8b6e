package pth

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// maxMarkDepth bounds how many MARKs may be open at once. torch.save nests
// a state_dict about four deep; the limit only stops a hostile file from
// making the unpickler hold one stack per byte.
const maxMarkDepth = 64

// prescan walks the opcodes of a pickle without running them, as Python's
// pickletools.genops does, and rejects what the unpickler would otherwise
// turn into a huge allocation or a panic:
//   - every length argument (strings, bytes, longs, frames) must fit in the
//     bytes that follow, so no single read can allocate more than the pickle
//     holds (gopickle allocates the claimed length before reading);
//   - LONG1/LONG4 with no bytes (gopickle indexes the last byte);
//   - more than maxMarkDepth open MARKs;
//   - a GLOBAL, INST or STACK_GLOBAL naming a class outside the
//     allow-list, reported by name before anything runs (STACK_GLOBAL's
//     names are followed by globalNames);
//   - an unknown opcode, or no STOP.
//
// It is a check on the byte layout only; the unpickler still does the work.
func prescan(p []byte) error {
	depth := 0
	var names globalNames
	i := 0
	for i < len(p) {
		op := p[i]
		at := i
		i++
		rest := len(p) - i
		need := func(n int) error {
			if n < 0 || n > rest {
				return fmt.Errorf("pickle opcode 0x%02x at byte %d needs %d bytes, %d left", op, at, n, rest)
			}
			return nil
		}
		// counted reads a little-endian length of w bytes followed by that
		// many bytes of data, and returns the data length.
		counted := func(w int, signed bool) (int, error) {
			if err := need(w); err != nil {
				return 0, err
			}
			var n uint64
			switch w {
			case 1:
				n = uint64(p[i])
			case 4:
				v := binary.LittleEndian.Uint32(p[i:])
				if signed && int32(v) < 0 {
					return 0, fmt.Errorf("pickle opcode 0x%02x at byte %d has a negative length", op, at)
				}
				n = uint64(v)
			case 8:
				n = binary.LittleEndian.Uint64(p[i:])
			}
			if n > uint64(rest-w) {
				return 0, fmt.Errorf("pickle opcode 0x%02x at byte %d claims %d bytes, %d left", op, at, n, rest-w)
			}
			i += w + int(n)
			return int(n), nil
		}
		line := func() (string, error) {
			j := bytes.IndexByte(p[i:], '\n')
			if j < 0 {
				return "", fmt.Errorf("pickle opcode 0x%02x at byte %d: unterminated text argument", op, at)
			}
			s := string(p[i : i+j])
			i += j + 1
			return s, nil
		}
		switch op {
		case '.': // STOP
			return nil
		case '(': // MARK
			depth++
			if depth > maxMarkDepth {
				return fmt.Errorf("pickle nests more than %d MARKs (byte %d)", maxMarkDepth, at)
			}
		case '1', 'd', 'e', 'l', 'o', 't', 'u', 0x90, 0x91: // pop to MARK
			if depth > 0 {
				depth--
			}
		case '0', '2', 'N', 'Q', 'R', 'a', 'b', '}', ']', ')', 's',
			0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x92, 0x93, 0x94, 0x97, 0x98:
			// no argument
		case 'K', 'h', 'q', 0x80, 0x82: // one-byte argument
			if err := need(1); err != nil {
				return err
			}
			i++
		case 'M', 0x83:
			if err := need(2); err != nil {
				return err
			}
			i += 2
		case 'J', 'j', 'r', 0x84:
			if err := need(4); err != nil {
				return err
			}
			i += 4
		case 'G':
			if err := need(8); err != nil {
				return err
			}
			i += 8
		case 0x95: // FRAME: an 8-byte length; the frame's opcodes follow
			if err := need(8); err != nil {
				return err
			}
			n := binary.LittleEndian.Uint64(p[i:])
			if n > uint64(rest-8) {
				return fmt.Errorf("pickle frame at byte %d claims %d bytes, %d left", at, n, rest-8)
			}
			i += 8
		case 'F', 'I', 'L', 'P', 'S', 'V', 'g', 'p':
			if _, err := line(); err != nil {
				return err
			}
		case 'c', 'i': // GLOBAL, INST: module and name lines
			module, err := line()
			if err != nil {
				return err
			}
			name, err := line()
			if err != nil {
				return err
			}
			if !allowedClass(module, name) {
				return &UnsupportedClassError{Module: module, Name: name}
			}
			if op == 'i' {
				if depth > 0 {
					depth--
				}
			}
		case 'U', 'C', 0x8c: // one-byte length
			if _, err := counted(1, false); err != nil {
				return err
			}
		case 0x8a: // LONG1
			n, err := counted(1, false)
			if err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("pickle LONG1 at byte %d has no bytes", at)
			}
		case 'T', 0x8b: // signed four-byte length
			n, err := counted(4, true)
			if err != nil {
				return err
			}
			if op == 0x8b && n == 0 {
				return fmt.Errorf("pickle LONG4 at byte %d has no bytes", at)
			}
		case 'B', 'X': // unsigned four-byte length
			if _, err := counted(4, false); err != nil {
				return err
			}
		case 0x8d, 0x8e, 0x96: // eight-byte length
			if _, err := counted(8, false); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown pickle opcode 0x%02x at byte %d", op, at)
		}
		if err := names.step(op, at, p[at+1:i]); err != nil {
			return err
		}
	}
	return fmt.Errorf("pickle has no STOP opcode")
}
