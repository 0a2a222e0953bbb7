package geminitest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"google.golang.org/genai"

	"github.com/tollgate-ai/tollgate/internal/geminitest"
)

func TestSDKVertex(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	const token = "ya29.test-access-token"
	s := geminitest.New(t, token)
	c := vertexClient(t, s, token)

	resp, err := c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", genai.Text("hi vertex"), nil)
	is.NoErr(err)
	is.Equal(resp.Text(), "Echo: hi vertex")
	is.True(!resp.CreateTime.IsZero())
	r := s.Requests()[0]
	is.Equal(r.Path, "/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent")
	is.Equal(r.Header.Get("Authorization"), "Bearer "+token)

	var text strings.Builder
	for resp, err := range c.Models.GenerateContentStream(context.Background(), "gemini-2.5-flash", genai.Text("a b c"), nil) {
		is.NoErr(err)
		text.WriteString(resp.Text())
	}
	is.Equal(text.String(), "Echo: a b c")

	emb, err := c.Models.EmbedContent(context.Background(), "text-embedding-005", genai.Text("gamma"),
		&genai.EmbedContentConfig{OutputDimensionality: genai.Ptr[int32](8)})
	is.NoErr(err)
	is.Equal(emb.Embeddings[0].Values, geminitest.Embed("gamma", 8))
	is.Equal(emb.Embeddings[0].Statistics.TokenCount, float32(1))
	is.True(strings.HasSuffix(s.Requests()[2].Path, "/models/text-embedding-005:predict"))

	emb, err = c.Models.EmbedContent(context.Background(), "gemini-embedding-2", genai.Text("delta"),
		&genai.EmbedContentConfig{OutputDimensionality: genai.Ptr[int32](8)})
	is.NoErr(err)
	is.Equal(emb.Embeddings[0].Values, geminitest.Embed("delta", 8))
	is.True(strings.HasSuffix(s.Requests()[3].Path, "/models/gemini-embedding-2:embedContent"))

	bad := vertexClient(t, s, "not-a-token")
	_, err = bad.Models.GenerateContent(context.Background(), "gemini-2.5-flash", genai.Text("hi"), nil)
	var apiErr genai.APIError
	is.True(errors.As(err, &apiErr))
	is.Equal(apiErr.Code, 401)
	is.Equal(apiErr.Status, "UNAUTHENTICATED")
	is.Equal(apiErr.Details[0]["reason"], "ACCESS_TOKEN_TYPE_UNSUPPORTED")
}

func TestSDKCountTokensAndModels(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	s.SetModelsPageSize(2)
	c := client(t, s, key)
	n, err := c.Models.CountTokens(context.Background(), "gemini-2.5-flash", genai.Text("one two three"), nil)
	is.NoErr(err)
	is.Equal(n.TotalTokens, int32(3))

	var names []string
	for m, err := range c.Models.All(context.Background()) {
		is.NoErr(err)
		names = append(names, m.Name)
	}
	want := geminitest.Models()
	is.Equal(len(names), len(want))
	is.Equal(names[0], "models/"+want[0])
	pages := 0
	for _, r := range s.Requests() {
		if r.Path == "/v1beta/models" {
			pages++
		}
	}
	is.Equal(pages, (len(want)+1)/2) // two models a page

	vc := vertexClient(t, s, key)
	var vnames []string
	for m, err := range vc.Models.All(context.Background()) {
		is.NoErr(err)
		vnames = append(vnames, m.Name)
	}
	is.Equal(len(vnames), len(want))
	is.Equal(vnames[1], "publishers/google/models/"+want[1])
}
