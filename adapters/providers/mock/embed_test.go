package mock_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

func vectorOf(tb testing.TB, e gateway.Embedding) []float32 {
	tb.Helper()
	var v []float32
	if err := json.Unmarshal(e.Embedding, &v); err == nil {
		return v
	}
	var s string
	if err := json.Unmarshal(e.Embedding, &s); err != nil {
		tb.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	v = make([]float32, len(raw)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return v
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestEmbed(t *testing.T) {
	u := mustNew(t, nil)
	ctx := context.Background()
	embed := func(t *testing.T, input, format string, dims *int) *gateway.EmbedResponse {
		t.Helper()
		resp, err := u.Embed(ctx, nil, &gateway.EmbedRequest{Model: "embed-1", Input: json.RawMessage(input), EncodingFormat: format, Dimensions: dims})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	t.Run("String", func(t *testing.T) {
		is := is.New(t)
		resp := embed(t, `"hello world"`, "", nil)
		is.Equal(resp.Object, "list")
		is.Equal(resp.Model, "embed-1")
		is.Equal(len(resp.Data), 1)
		is.Equal(resp.Data[0].Object, "embedding")
		v := vectorOf(t, resp.Data[0])
		is.Equal(len(v), 8)
		is.True(math.Abs(norm(v)-1) < 1e-5)
		is.Equal(resp.Usage.PromptTokens, 2)
		is.Equal(resp.Usage.TotalTokens, 2)
	})
	t.Run("List", func(t *testing.T) {
		is := is.New(t)
		resp := embed(t, `["a", "b", "a"]`, "", nil)
		is.Equal(len(resp.Data), 3)
		is.Equal(resp.Data[2].Index, 2)
		is.Equal(vectorOf(t, resp.Data[0]), vectorOf(t, resp.Data[2])) // deterministic
		is.True(string(resp.Data[0].Embedding) != string(resp.Data[1].Embedding))
	})
	t.Run("Dimensions", func(t *testing.T) {
		is := is.New(t)
		d := 256
		v := vectorOf(t, embed(t, `"x"`, "float", &d).Data[0])
		is.Equal(len(v), 256)
		is.True(math.Abs(norm(v)-1) < 1e-5)
	})
	t.Run("Base64", func(t *testing.T) {
		is := is.New(t)
		resp := embed(t, `"hello world"`, "base64", nil)
		is.Equal(resp.Data[0].Embedding[0], byte('"'))
		is.Equal(vectorOf(t, resp.Data[0]), vectorOf(t, embed(t, `"hello world"`, "float", nil).Data[0]))
	})
	t.Run("Invalid", func(t *testing.T) {
		zero := 0
		tests := []struct {
			name, input, field string
			dims               *int
		}{
			{"TokenArray", `[1,2,3]`, "input", nil},
			{"EmptyList", `[]`, "input", nil},
			{"Object", `{}`, "input", nil},
			{"ZeroDimensions", `"x"`, "dimensions", &zero},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				is := is.New(t)
				_, err := u.Embed(ctx, nil, &gateway.EmbedRequest{Model: "m", Input: json.RawMessage(tt.input), Dimensions: tt.dims})
				e := asError(t, err)
				is.Equal(e.Code, gateway.CodeInvalid)
				is.Equal(e.Field, tt.field)
			})
		}
	})
}
