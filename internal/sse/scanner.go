package sse

import "bytes"

// Scanner decodes server-sent events pushed to it with Write, for code
// that watches a stream go by (a pass-through proxy reading usage as it
// copies a response) rather than reading it. It follows the same rules as
// Reader and calls onEvent for each dispatched event; the Event's Data is
// valid only during the call.
type Scanner struct {
	r       Reader // event state (data, event, id); its bufio.Reader is unused
	line    []byte // the unterminated end of what was written so far
	skipLF  bool
	started bool
	onEvent func(Event)
	err     error
}

// NewScanner returns a Scanner that calls onEvent for every event.
func NewScanner(onEvent func(Event)) *Scanner { return &Scanner{onEvent: onEvent} }

// Write decodes p. It always returns len(p) and nil, so it can sit in an
// io.MultiWriter beside the real destination; after a line or event longer
// than MaxLine it ignores the rest of the stream, and Err reports
// ErrTooLong.
func (s *Scanner) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && s.err == nil {
		if s.skipLF {
			s.skipLF = false
			if p[0] == '\n' {
				p = p[1:]
				continue
			}
		}
		i := indexEOL(p)
		if i < 0 {
			if len(s.line)+len(p) > MaxLine {
				s.err = ErrTooLong
				break
			}
			s.line = append(s.line, p...)
			break
		}
		if len(s.line)+i > MaxLine {
			s.err = ErrTooLong
			break
		}
		s.skipLF = p[i] == '\r'
		line := p[:i]
		if len(s.line) > 0 {
			s.line = append(s.line, line...)
			line = s.line
		}
		p = p[i+1:]
		s.process(line)
		s.line = s.line[:0]
	}
	return n, nil
}

// process handles one complete line.
func (s *Scanner) process(line []byte) {
	if !s.started {
		s.started = true
		line = bytes.TrimPrefix(line, bom)
	}
	if len(line) == 0 {
		if ev, ok := s.r.dispatch(); ok {
			s.onEvent(ev)
		}
		return
	}
	if err := s.r.field(line); err != nil {
		s.err = err
	}
}

// Err returns ErrTooLong if the stream had a line or event that was too
// long, else nil.
func (s *Scanner) Err() error { return s.err }
