package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// secretsInput is the secrets read for an import: unique, in order, with
// counts of what was dropped on the way.
type secretsInput struct {
	secrets  []string
	read     int // secrets found, repeats included
	repeated int // secrets the input repeats (kept once)
	blank    int // blank entries
}

func copyAll(w io.Writer, r io.Reader) (int64, error) { return io.Copy(w, r) }

// readSecrets reads and parses the secrets of file ("-" for stdin) in
// format: auto, lines, ndjson or csv.
func readSecrets(p *Program, file, format string) (*secretsInput, error) {
	b, err := openInput(p, file)
	if err != nil {
		return nil, err
	}
	if format == "auto" {
		format = detectFormat(file, b)
	}
	var raw []string
	switch format {
	case "lines":
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") { // a last newline ends a line
			if line = strings.TrimSpace(line); strings.HasPrefix(line, "#") {
				continue
			}
			raw = append(raw, line)
		}
	case "ndjson":
		raw, err = ndjsonSecrets(b)
	case "csv":
		raw, err = csvSecrets(b)
	default:
		return nil, usagef("--format %q is not auto, lines, ndjson or csv", format)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", displayName(file), err)
	}
	in := &secretsInput{}
	seen := make(map[string]bool, len(raw))
	for _, s := range raw {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			in.blank++
		case seen[s]:
			in.read++
			in.repeated++
		default:
			in.read++
			seen[s] = true
			in.secrets = append(in.secrets, s)
		}
	}
	return in, nil
}

func displayName(file string) string {
	if file == "-" {
		return "stdin"
	}
	return file
}

// detectFormat guesses the format from the extension, else the first
// non-blank line: JSON is NDJSON, a line with a comma and a header naming
// a secret column is CSV, anything else one secret per line.
func detectFormat(file string, b []byte) string {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".ndjson", ".jsonl":
		return "ndjson"
	case ".csv":
		return "csv"
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] == '{' || line[0] == '"' {
			return "ndjson"
		}
		if bytes.Contains(line, []byte(",")) && secretColumn(strings.Split(strings.ToLower(string(line)), ",")) >= 0 {
			return "csv"
		}
		return "lines"
	}
	return "lines"
}

func ndjsonSecrets(b []byte) ([]string, error) {
	var out []string
	for i, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			out = append(out, "")
			continue
		}
		var s string
		if line[0] == '"' {
			if err := json.Unmarshal(line, &s); err != nil {
				return nil, fmt.Errorf("line %d: %v", i+1, err)
			}
			out = append(out, s)
			continue
		}
		var obj struct {
			Secret *string `json:"secret"`
			Key    *string `json:"key"`
		}
		if err := json.Unmarshal(line, &obj); err != nil {
			return nil, fmt.Errorf("line %d: not a JSON object or string: %v", i+1, err)
		}
		switch {
		case obj.Secret != nil:
			s = *obj.Secret
		case obj.Key != nil:
			s = *obj.Key
		default:
			return nil, fmt.Errorf(`line %d: no "secret" or "key" field`, i+1)
		}
		out = append(out, s)
	}
	return out, nil
}

// secretColumn returns the index of the column a header names as the
// secret, or -1.
func secretColumn(header []string) int {
	for _, name := range []string{"secret", "key", "api_key", "apikey", "api-key"} {
		for i, h := range header {
			if strings.TrimSpace(strings.ToLower(h)) == name {
				return i
			}
		}
	}
	return -1
}

func csvSecrets(b []byte) ([]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	col := 0
	if len(rows) > 0 {
		if i := secretColumn(rows[0]); i >= 0 {
			col, rows = i, rows[1:]
		}
	}
	out := make([]string, 0, len(rows))
	for _, row := range rows {
		if col < len(row) {
			out = append(out, row[col])
		} else {
			out = append(out, "")
		}
	}
	return out, nil
}
