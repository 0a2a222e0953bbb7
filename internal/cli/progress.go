package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// progress shows how far a long operation is, on stderr: a line redrawn
// in place (\r) with a bar when stderr is a terminal, plain lines
// otherwise (a log file, a CI job), so logs stay readable.
type progress struct {
	w     io.Writer
	tty   bool
	label string
	unit  string
	drawn bool
	last  int // the last percentage printed as a plain line
}

func newProgress(w io.Writer, tty bool, label, unit string) *progress {
	return &progress{w: w, tty: tty, label: label, unit: unit, last: -1}
}

// update shows done out of total.
func (p *progress) update(done, total int) {
	if p == nil {
		return
	}
	pct := 100
	if total > 0 {
		pct = done * 100 / total
	}
	if !p.tty {
		if pct == p.last && done != total {
			return
		}
		p.last = pct
		fmt.Fprintf(p.w, "%s: %d/%d %s (%d%%)\n", p.label, done, total, p.unit, pct)
		return
	}
	const width = 30
	fill := width * pct / 100
	fmt.Fprintf(p.w, "\r%s: [%s%s] %d/%d %s (%d%%)", p.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, total, p.unit, pct)
	p.drawn = true
}

// done ends the redrawn line, so what follows starts on its own.
func (p *progress) done() {
	if p != nil && p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// isTerminal reports whether f, a stream, is a terminal (a character
// device).
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
