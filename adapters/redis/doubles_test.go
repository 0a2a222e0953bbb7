package redis

import (
	"math"
	"testing"

	"github.com/matryer/is"
)

// TestDoublesRoundTrip checks that what appendDouble writes readDoubles
// reads back bit for bit, and that an answer of the wrong length is an
// error, not a short or padded slice.
func TestDoublesRoundTrip(t *testing.T) {
	is := is.New(t)
	want := []float64{0, -1, 1 << 53, math.MaxInt64, -math.SmallestNonzeroFloat64, 1.5}
	var b []byte
	for _, f := range want {
		b = appendDouble(b, f)
	}
	got, err := readDoubles(b, len(want))
	is.NoErr(err)
	is.Equal(got, want)
	_, err = readDoubles(b, len(want)+1)
	is.True(err != nil)
	_, err = readDoubles(b[:len(b)-1], len(want))
	is.True(err != nil)
}
