module github.com/tollgate-ai/tollgate

go 1.26.8

require (
	github.com/google/wire v0.7.0
	github.com/gorilla/mux v1.8.1
	github.com/matryer/is v1.4.1
	github.com/openai/openai-go/v3 v3.96.0
	github.com/sony/gobreaker/v2 v2.4.0
	golang.org/x/time v0.16.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/coder/websocket v1.8.15 // indirect
	github.com/google/subcommands v1.2.0 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/tidwall/gjson v1.20.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.1 // indirect
	github.com/tidwall/sjson v1.2.5 // indirect
	golang.org/x/mod v0.20.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
	golang.org/x/tools v0.24.1 // indirect
)

tool github.com/google/wire/cmd/wire
