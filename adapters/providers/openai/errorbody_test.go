package openai_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/gateway"
)

// TestFamilyErrorBodies maps the error bodies hosts of the
// OpenAI-compatible family send, as each words them.
func TestFamilyErrorBodies(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		code    gateway.Code
		typ     string
		field   string
		message string
	}{
		{name: "MistralExtraForbidden", status: 422,
			body: `{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","stream_options","include_usage"],"msg":"Extra inputs are not permitted","input":true}]},"type":"invalid_request_error","param":null,"code":null}`,
			code: gateway.CodeInvalid, typ: "invalid_request_error", message: "openai: body.stream_options.include_usage: Extra inputs are not permitted"},
		{name: "MistralCodeString", status: 422,
			body: `{"object":"error","message":"bad","type":"internal_error_proxy","param":null,"code":"1000"}`,
			code: gateway.CodeInvalid, typ: "internal_error_proxy", message: "openai: bad"},
		{name: "ValidationIndexes", status: 422,
			body: `{"detail":[{"loc":["body","messages",0,"role"],"msg":"Field required"},{"loc":["body","n"],"msg":"too big"},{"msg":"x"},{"msg":"y"},{"msg":"z"}]}`,
			code: gateway.CodeInvalid, message: "openai: body.messages.0.role: Field required; body.n: too big; x; ..."},
		{name: "VLLM", status: 404,
			body: `{"object":"error","message":"The model ` + "`x`" + ` does not exist.","type":"NotFoundError","param":null,"code":404}`,
			code: gateway.CodeNotFound, typ: "NotFoundError", message: "openai: The model `x` does not exist."},
		{name: "XAI", status: 400,
			body: `{"code":"Client specified an invalid argument","error":"Incorrect API key provided: xa***Yz."}`,
			code: gateway.CodeInvalid, typ: "Client specified an invalid argument", message: "openai: Incorrect API key provided: xa***Yz."},
		{name: "DeepInfraDetailString", status: 401, body: `{"detail":"Not authenticated"}`,
			code: gateway.CodeUpstream, message: "openai: Not authenticated"},
		{name: "DeepInfraDetailObject", status: 404, body: `{"detail":{"error":"Model is not available"}}`,
			code: gateway.CodeNotFound, message: "openai: Model is not available"},
		{name: "PerplexityNumericCode", status: 400,
			body: `{"error":{"message":"Tool parameters must be a JSON object.","type":"invalid_parameter","code":400}}`,
			code: gateway.CodeInvalid, typ: "invalid_parameter", message: "openai: Tool parameters must be a JSON object."},
		{name: "OpenRouter", status: 402,
			body: `{"error":{"message":"Insufficient credits","code":402,"metadata":{"provider_name":null}}}`,
			code: gateway.CodeUpstream, message: "openai: Insufficient credits"},
		{name: "AzureStatusCode", status: 404, body: `{"error":{"code":"404","message":"Resource not found"}}`,
			code: gateway.CodeNotFound, message: "openai: Resource not found"},
		{name: "ParamNotString", status: 400, body: `{"error":{"message":"m","type":"t","param":7,"code":{"x":1}}}`,
			code: gateway.CodeInvalid, typ: "t", message: "openai: m"},
		{name: "ErrorString", status: 500, body: `{"error":"upstream exploded"}`,
			code: gateway.CodeUpstream, message: "openai: upstream exploded"},
		{name: "EmptyObject", status: 500, body: `{}`, code: gateway.CodeUpstream, message: "openai: status 500 Internal Server Error"},
		{name: "Array", status: 500, body: `[1,2]`, code: gateway.CodeUpstream, message: "openai: status 500 Internal Server Error"},
		{name: "MessageNumber", status: 500, body: `{"message":5}`, code: gateway.CodeUpstream, message: "openai: status 500 Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			srv := httptest.NewServer(reply(tt.status, nil, tt.body))
			defer srv.Close()
			u := mustNew(t, srv.URL, openai.Config{})
			_, err := u.Chat(context.Background(), cred(testKey), userChat("m", "hi"))
			e := asError(t, err)
			is.Equal(e.Code, tt.code)
			is.Equal(e.Status, tt.status)
			is.Equal(e.Type, tt.typ)
			is.Equal(e.Field, tt.field)
			is.Equal(e.Message, tt.message)
			is.True(!e.Delivered)
		})
	}
}
