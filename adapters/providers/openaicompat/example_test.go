package openaicompat_test

import (
	"fmt"

	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/adapters/providers/openaicompat"
	"github.com/tollgate-ai/tollgate/gateway"
)

// A host hands the presets to the gateway, and an operator creates a
// provider from one by name with a key (Admin.CreateProviderFromPreset).
// This is what that provider amounts to: the "openai" driver, the host's
// base URL, and the options that adapt the driver to the host.
func ExamplePreset() {
	cfg := gateway.Config{Presets: openaicompat.Presets()}
	_ = cfg // with the openai driver registered for type "openai"

	pr, _ := openaicompat.Preset("fireworks")
	p := &gateway.Provider{Name: pr.Name, Type: pr.Type, BaseURL: pr.BaseURL, Models: pr.Models,
		Options: pr.Options, Headers: pr.Headers, Status: gateway.StatusActive}
	up, err := openai.Driver(openai.Config{}).Open(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer up.(*openai.Upstream).Close()

	fmt.Println(p.Type, p.BaseURL)
	fmt.Println(p.Options["model_prefix"])
	fmt.Println(p.Serves("accounts/fireworks/models/llama-v3p1-8b-instruct"))
	// Output:
	// openai https://api.fireworks.ai/inference/v1
	// accounts/fireworks/models/
	// true
}

// Self-hosted servers take no key, and vLLM's address is the operator's
// to give.
func ExamplePresets() {
	for _, pr := range openaicompat.Presets() {
		if pr.KeyOptional {
			fmt.Printf("%s %q\n", pr.Name, pr.BaseURL)
		}
	}
	// Output:
	// ollama "http://localhost:11434/v1"
	// vllm ""
}
