package redis

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The bucket and ticket scripts take their numbers, and give their
// answers, as strings of little-endian IEEE 754 doubles, the layout of
// Lua's struct.pack('<d'): Lua reads and writes them without a decimal
// conversion (glibc's strtod and printf cost more than the arithmetic
// they feed), and a string of n numbers is one value to carry between
// Redis and Lua rather than n. The numbers are doubles in the scripts
// anyway, so nothing is lost that a decimal would have kept.

// luaPacked defines packed, which returns the numbers t[1..n] as one
// string of doubles, in batches, since unpack fails on thousands of
// values.
const luaPacked = `
local function packed(t, n)
  local parts = {}
  for i = 1, n, 1000 do
    local last = math.min(i + 999, n)
    parts[#parts + 1] = struct.pack('<' .. string.rep('d', last - i + 1), unpack(t, i, last))
  end
  return table.concat(parts)
end
`

// appendDouble appends f to b as struct.pack('<d') lays it out.
func appendDouble(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

// readDoubles decodes a script's answer of exactly n doubles.
func readDoubles(b []byte, n int) ([]float64, error) {
	if len(b) != 8*n {
		return nil, fmt.Errorf("%d bytes, want %d doubles", len(b), n)
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out, nil
}
