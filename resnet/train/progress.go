package train

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seedling-ml/seedling/internal/term"
)

// progress prints a one-line bar, rewritten with \r, while an epoch runs
// on a terminal, and one summary line per epoch on any writer. Other
// writers (a log file, a pipe, CI) get the bar's text as a plain line
// every logEvery instead, so that long epochs still show progress. A
// hand-written line is enough here: it needs no dependency and keeps the
// output of a non-terminal writer free of control characters.
type progress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	last  time.Time
	width int // length of the last bar, to blank it
}

func newProgress(w io.Writer, now func() time.Time) *progress {
	if w == nil {
		w = io.Discard
	}
	return &progress{w: w, tty: term.IsTerminal(w), now: now, last: now()}
}

// Redraw intervals: the bar on a terminal, a plain line elsewhere.
const (
	barEvery = 200 * time.Millisecond
	logEvery = 30 * time.Second
)

// logf prints a line, clearing a bar first.
func (p *progress) logf(format string, a ...any) {
	p.clear()
	fmt.Fprintf(p.w, format+"\n", a...)
}

func (p *progress) clear() {
	if p.tty && p.width > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		p.width = 0
	}
}

// barState is what the bar shows.
type barState struct {
	epoch, epochs int
	done, total   int // batches of this epoch
	loss, acc     float64
	imagesPerSec  float64
	eta           time.Duration // rest of the epoch
	runETA        time.Duration // rest of the run (training only)
}

// bar redraws the bar on a terminal, at most five times a second and
// always for the last batch; elsewhere it prints the same text as a line
// at most every logEvery, and not for the last batch (the epoch's summary
// line follows it).
func (p *progress) bar(s barState) {
	now := p.now()
	every := barEvery
	if !p.tty {
		every = logEvery
		if s.done >= s.total {
			return
		}
	}
	if s.done < s.total && now.Sub(p.last) < every {
		return
	}
	p.last = now
	const cells = 24
	filled := cells * s.done / max(s.total, 1)
	line := fmt.Sprintf("epoch %d/%d [%s%s] %d/%d loss %.4f acc %5.1f%% %.1f img/s eta %s (run %s)",
		s.epoch, s.epochs, strings.Repeat("=", filled), strings.Repeat(" ", cells-filled),
		s.done, s.total, s.loss, 100*s.acc, s.imagesPerSec, clock(s.eta), clock(s.runETA))
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	pad := ""
	if len(line) < p.width {
		pad = strings.Repeat(" ", p.width-len(line))
	}
	fmt.Fprint(p.w, "\r"+line+pad)
	p.width = len(line)
}

// clock formats a duration as m:ss or h:mm:ss.
func clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
