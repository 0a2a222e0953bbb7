package gemini_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/geminitest"
)

func TestEmbed(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	u := api(t, srv)
	dims := 4
	resp, err := u.Embed(context.Background(), cred(testKey), &gateway.EmbedRequest{Model: "gemini-embedding-001",
		Input: json.RawMessage(`["hello world","abc"]`), Dimensions: &dims})
	is.NoErr(err)
	is.Equal(resp.Object, "list")
	is.Equal(resp.Model, "gemini-embedding-001")
	is.Equal(len(resp.Data), 2)
	for i, text := range []string{"hello world", "abc"} {
		var got []float32
		is.NoErr(json.Unmarshal(resp.Data[i].Embedding, &got))
		is.Equal(got, geminitest.Embed(text, 4))
		is.Equal(resp.Data[i].Index, i)
		is.Equal(resp.Data[i].Object, "embedding")
	}
	is.Equal(resp.Usage.PromptTokens, 3+1) // estimated: 11 bytes and 3 bytes
	is.Equal(resp.Usage.TotalTokens, 4)

	r := srv.Requests()[0]
	is.Equal(r.Path, "/v1beta/models/gemini-embedding-001:batchEmbedContents")
	is.Equal(string(r.Body), `{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"hello world"}]},"outputDimensionality":4},`+
		`{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"abc"}]},"outputDimensionality":4}]}`)
}

func TestEmbedVertex(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	u := vertex(t, srv)
	dims := 3
	resp, err := u.Embed(context.Background(), cred(testKey), &gateway.EmbedRequest{Model: "text-embedding-005",
		Input: json.RawMessage(`"one two three"`), Dimensions: &dims, EncodingFormat: "base64"})
	is.NoErr(err)
	is.Equal(len(resp.Data), 1)
	var b64 string
	is.NoErr(json.Unmarshal(resp.Data[0].Embedding, &b64))
	raw, err := base64.StdEncoding.DecodeString(b64)
	is.NoErr(err)
	is.Equal(len(raw), 4*3)
	want := geminitest.Embed("one two three", 3)
	for i := range want {
		is.Equal(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])), want[i])
	}
	is.Equal(resp.Usage.PromptTokens, 3) // Vertex AI's own count
	r := srv.Requests()[0]
	is.Equal(r.Path, "/v1/projects/proj-1/locations/us-central1/publishers/google/models/text-embedding-005:predict")
	is.Equal(string(r.Body), `{"instances":[{"content":"one two three"}],"parameters":{"outputDimensionality":3}}`)
	is.Equal(r.Header.Get("Authorization"), "Bearer "+testKey)
}

func TestEmbedErrors(t *testing.T) {
	t.Parallel()
	srv := geminitest.New(t, testKey)
	u := api(t, srv)
	tests := []struct {
		name  string
		model string
		input string
		code  gateway.Code
		field string
	}{
		{"Tokens", "gemini-embedding-001", `[[1,2,3]]`, gateway.CodeInvalid, "input"},
		{"Empty", "gemini-embedding-001", `[]`, gateway.CodeInvalid, "input"},
		{"ChatModel", "gemini-2.5-flash", `"x"`, gateway.CodeNotFound, ""},
		{"EmptyText", "gemini-embedding-001", `""`, gateway.CodeInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			_, err := u.Embed(context.Background(), cred(testKey), &gateway.EmbedRequest{Model: tt.model, Input: json.RawMessage(tt.input)})
			e := asError(t, err)
			is.Equal(e.Code, tt.code)
			is.Equal(e.Field, tt.field)
		})
	}
}
