package bench

import (
	"fmt"
	"io"
	"strings"
)

// Comparison is one figure the table's rows imply, as the performance
// targets are stated: a Tollgate target's against the bare proxy's in
// the same mode and concurrency.
type Comparison struct {
	// What is measured: "added latency" (chat: p50 over direct),
	// "ttfb added" (streams: time to first byte over direct), "relay cpu
	// per chunk" (in µs: with Mode ModeStreamLong, the long stream's CPU
	// per request less the stream's, over the chunks more; with Mode
	// ModeStream, when no long stream ran, the stream's less the chat's,
	// over its chunks, which counts a stream's own cost per request as
	// the chunks'), or "added beyond memory" (chat: a target's added
	// latency less tollgate-memory's, in ms; no bare figure).
	What        string  `json:"what"`
	Mode        Mode    `json:"mode"`
	Concurrency int     `json:"concurrency"`
	Target      string  `json:"target"`
	Value       float64 `json:"value"`
	Bare        float64 `json:"bare,omitempty"`
	Ratio       float64 `json:"ratio,omitempty"`
}

// compare derives the Comparisons of rows; chunks is the chunks per
// streamed answer. A figure whose parts did not all run is left out.
func compare(rows []Row, chunks int) []Comparison {
	type key struct {
		mode   Mode
		conc   int
		target string
	}
	at := make(map[key]*Row, len(rows))
	for i := range rows {
		r := &rows[i]
		at[key{r.Mode, r.Concurrency, r.Target}] = r
	}
	var out []Comparison
	add := func(c Comparison) {
		if c.Bare > 0 {
			c.Ratio = c.Value / c.Bare
		}
		out = append(out, c)
	}
	for _, r := range rows {
		if !strings.HasPrefix(r.Target, "tollgate-") {
			continue
		}
		direct := at[key{r.Mode, r.Concurrency, TargetDirect}]
		bare := at[key{r.Mode, r.Concurrency, TargetBare}]
		switch {
		case r.Mode == ModeChat && r.AddedP50Ms != nil && bare != nil && bare.AddedP50Ms != nil:
			add(Comparison{What: "added latency", Mode: r.Mode, Concurrency: r.Concurrency, Target: r.Target,
				Value: *r.AddedP50Ms, Bare: *bare.AddedP50Ms})
		case r.Mode.Streams() && r.Mode != ModeStreamLong && direct != nil && bare != nil:
			add(Comparison{What: "ttfb added", Mode: r.Mode, Concurrency: r.Concurrency, Target: r.Target,
				Value: r.TTFBP50Ms - direct.TTFBP50Ms, Bare: bare.TTFBP50Ms - direct.TTFBP50Ms})
		}
		if r.Mode == ModeStream && chunks > 0 {
			if c, ok := relayPerChunk(&r, bare, at[key{ModeStreamLong, r.Concurrency, r.Target}],
				at[key{ModeStreamLong, r.Concurrency, TargetBare}], LongChunks(chunks)-chunks); ok {
				add(c)
			} else if c, ok := relayPerChunk(at[key{ModeChat, r.Concurrency, r.Target}], at[key{ModeChat, r.Concurrency, TargetBare}],
				&r, bare, chunks); ok {
				add(c)
			}
		}
		if r.Mode == ModeChat && r.Target != RoleMemory && r.AddedP50Ms != nil {
			if mem := at[key{r.Mode, r.Concurrency, RoleMemory}]; mem != nil && mem.AddedP50Ms != nil {
				add(Comparison{What: "added beyond memory", Mode: r.Mode, Concurrency: r.Concurrency, Target: r.Target,
					Value: *r.AddedP50Ms - *mem.AddedP50Ms})
			}
		}
	}
	return out
}

// relayPerChunk is the relay CPU per chunk of a target and of the bare
// proxy: the CPU per request of a longer answer (long, bareLong) less a
// shorter one's (short, bareShort), over the chunks more; false when a
// part did not run.
func relayPerChunk(short, bareShort, long, bareLong *Row, more int) (Comparison, bool) {
	for _, r := range []*Row{short, bareShort, long, bareLong} {
		if r == nil || r.CPUPerRequestUs <= 0 {
			return Comparison{}, false
		}
	}
	return Comparison{What: "relay cpu per chunk", Mode: long.Mode, Concurrency: long.Concurrency, Target: long.Target,
		Value: (long.CPUPerRequestUs - short.CPUPerRequestUs) / float64(more),
		Bare:  (bareLong.CPUPerRequestUs - bareShort.CPUPerRequestUs) / float64(more)}, true
}

// writeComparisons prints cs, one line per kind of figure.
func writeComparisons(w io.Writer, cs []Comparison) {
	var kinds []string
	lines := map[string][]string{}
	for _, c := range cs {
		var s string
		switch c.What {
		case "relay cpu per chunk":
			s = fmt.Sprintf("%s c=%d %.1fµs vs %.1fµs (%.2fx)", c.Target, c.Concurrency, c.Value, c.Bare, c.Ratio)
		case "added beyond memory":
			s = fmt.Sprintf("%s c=%d %+.0fµs", c.Target, c.Concurrency, c.Value*1000)
		default:
			s = fmt.Sprintf("%s c=%d %+.0fµs vs %+.0fµs (%s)", c.Target, c.Concurrency, c.Value*1000, c.Bare*1000, ratio(c.Ratio))
		}
		kind := c.What
		if c.What == "ttfb added" || c.What == "relay cpu per chunk" {
			kind += " (" + string(c.Mode) + ")"
		}
		if _, ok := lines[kind]; !ok {
			kinds = append(kinds, kind)
		}
		lines[kind] = append(lines[kind], s)
	}
	titles := map[string]string{
		"added latency": "Latency added over direct (chat), vs the bare proxy's",
		"relay cpu per chunk (" + string(ModeStreamLong) + ")": "Relay CPU per chunk (" + string(ModeStreamLong) +
			" less stream CPU, over the chunks more), vs the bare proxy's",
		"relay cpu per chunk (" + string(ModeStream) + ")": "Relay CPU per chunk (stream less chat CPU, over the chunks), vs the bare proxy's",
		"added beyond memory":                              "Latency added beyond tollgate-memory's (chat)",
	}
	for _, k := range kinds {
		title := titles[k]
		if title == "" { // ttfb added (<mode>)
			title = "Time to first byte added over direct " + strings.TrimPrefix(k, "ttfb added ") + ", vs the bare proxy's"
		}
		fmt.Fprintf(w, "%s: %s\n", title, strings.Join(lines[k], "; "))
	}
}
