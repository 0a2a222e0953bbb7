package gateway

// Preset is a ready-made provider definition for a well-known host, so an
// operator creates a working provider from a preset's name and an API key
// instead of looking up base URLs and auth styles. Drivers ship presets as
// data (see Config.Presets); the Admin turns one into a Provider.
type Preset struct {
	Name    string // "groq"; also the default provider name
	Title   string // "Groq", for people
	Type    string // the Driver type the provider gets
	BaseURL string
	// Models are the model patterns the provider serves by default.
	Models  []string
	Options map[string]string
	Headers map[string]string
	// KeyOptional is set for hosts that run without an API key (a local
	// Ollama or vLLM); the others need a credential to be useful.
	KeyOptional bool
	// Docs links the host's API documentation.
	Docs string
}
