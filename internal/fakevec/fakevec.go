// Package fakevec makes deterministic embedding vectors for the mock
// provider and the OpenAI wire test server, so a demo or a test gets the
// same vector for the same text without a model.
package fakevec

import (
	"hash/fnv"
	"math"
)

// Unit returns a unit-length vector of dims values for text: a splitmix64
// sequence seeded by the text's FNV-1a hash, normalised.
func Unit(text string, dims int) []float32 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(text))
	state := h.Sum64()
	vals := make([]float64, dims)
	var norm float64
	for i := range vals {
		state += 0x9e3779b97f4a7c15
		z := state
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		vals[i] = float64(z>>11)/float64(1<<53)*2 - 1
		norm += vals[i] * vals[i]
	}
	norm = math.Sqrt(norm)
	out := make([]float32, dims)
	for i, v := range vals {
		if norm > 0 {
			out[i] = float32(v / norm)
		}
	}
	return out
}
