package geminitest

import "encoding/json"

// The request types follow the API's proto messages field for field, as far
// as the server reads them; they are decoded strictly, so a field the API
// does not know is refused as the API refuses it.

type generateRequest struct {
	Model             string          `json:"model"` // in countTokens' generateContentRequest
	Contents          []content       `json:"contents"`
	SystemInstruction *content        `json:"systemInstruction"`
	Tools             []tool          `json:"tools"`
	ToolConfig        *toolConfig     `json:"toolConfig"`
	SafetySettings    []safetySetting `json:"safetySettings"`
	GenerationConfig  *generationCfg  `json:"generationConfig"`
	CachedContent     string          `json:"cachedContent"`
	Labels            map[string]any  `json:"labels"` // Vertex only
}

type content struct {
	Parts []part `json:"parts,omitempty"`
	Role  string `json:"role,omitempty"`
}

type part struct {
	Text                string            `json:"text,omitempty"`
	Thought             bool              `json:"thought,omitempty"`
	ThoughtSignature    string            `json:"thoughtSignature,omitempty"`
	InlineData          *blob             `json:"inlineData,omitempty"`
	FileData            *fileData         `json:"fileData,omitempty"`
	FunctionCall        *functionCall     `json:"functionCall,omitempty"`
	FunctionResponse    *functionResponse `json:"functionResponse,omitempty"`
	ExecutableCode      json.RawMessage   `json:"executableCode,omitempty"`
	CodeExecutionResult json.RawMessage   `json:"codeExecutionResult,omitempty"`
	VideoMetadata       json.RawMessage   `json:"videoMetadata,omitempty"`
	MediaResolution     json.RawMessage   `json:"mediaResolution,omitempty"`
}

type blob struct {
	MIMEType    string `json:"mimeType"`
	Data        string `json:"data"`
	DisplayName string `json:"displayName,omitempty"`
}

type fileData struct {
	MIMEType    string `json:"mimeType,omitempty"`
	FileURI     string `json:"fileUri"`
	DisplayName string `json:"displayName,omitempty"`
}

type functionCall struct {
	ID   string          `json:"id,omitempty"`
	Name string          `json:"name"`
	Args json.RawMessage `json:"args,omitempty"`
}

type functionResponse struct {
	ID           string          `json:"id,omitempty"`
	Name         string          `json:"name"`
	Response     json.RawMessage `json:"response"`
	Parts        json.RawMessage `json:"parts,omitempty"`
	WillContinue *bool           `json:"willContinue,omitempty"`
	Scheduling   string          `json:"scheduling,omitempty"`
}

type tool struct {
	FunctionDeclarations  []functionDeclaration `json:"functionDeclarations"`
	GoogleSearch          json.RawMessage       `json:"googleSearch"`
	GoogleSearchRetrieval json.RawMessage       `json:"googleSearchRetrieval"`
	CodeExecution         json.RawMessage       `json:"codeExecution"`
	URLContext            json.RawMessage       `json:"urlContext"`
	Retrieval             json.RawMessage       `json:"retrieval"` // Vertex only
}

type functionDeclaration struct {
	Name                 string          `json:"name"`
	Description          string          `json:"description"`
	Parameters           json.RawMessage `json:"parameters"`
	ParametersJSONSchema json.RawMessage `json:"parametersJsonSchema"`
	Response             json.RawMessage `json:"response"`
	ResponseJSONSchema   json.RawMessage `json:"responseJsonSchema"`
	Behavior             string          `json:"behavior"`
}

type toolConfig struct {
	FunctionCallingConfig *functionCallingConfig `json:"functionCallingConfig"`
	RetrievalConfig       json.RawMessage        `json:"retrievalConfig"`
}

type functionCallingConfig struct {
	Mode                 string   `json:"mode"`
	AllowedFunctionNames []string `json:"allowedFunctionNames"`
}

type safetySetting struct {
	Category  string `json:"category"`
	Threshold string `json:"threshold"`
	Method    string `json:"method"` // Vertex only
}

type generationCfg struct {
	StopSequences              []string        `json:"stopSequences"`
	ResponseMIMEType           string          `json:"responseMimeType"`
	ResponseSchema             json.RawMessage `json:"responseSchema"`
	ResponseJSONSchema         json.RawMessage `json:"responseJsonSchema"`
	ResponseModalities         []string        `json:"responseModalities"`
	CandidateCount             *int            `json:"candidateCount"`
	MaxOutputTokens            *int            `json:"maxOutputTokens"`
	Temperature                *float64        `json:"temperature"`
	TopP                       *float64        `json:"topP"`
	TopK                       *float64        `json:"topK"`
	Seed                       *int32          `json:"seed"`
	PresencePenalty            *float64        `json:"presencePenalty"`
	FrequencyPenalty           *float64        `json:"frequencyPenalty"`
	ResponseLogprobs           *bool           `json:"responseLogprobs"`
	Logprobs                   *int            `json:"logprobs"`
	EnableEnhancedCivicAnswers *bool           `json:"enableEnhancedCivicAnswers"`
	SpeechConfig               json.RawMessage `json:"speechConfig"`
	ThinkingConfig             *thinkingConfig `json:"thinkingConfig"`
	MediaResolution            string          `json:"mediaResolution"`
	AudioTimestamp             *bool           `json:"audioTimestamp"` // Vertex only
}

type thinkingConfig struct {
	IncludeThoughts bool   `json:"includeThoughts"`
	ThinkingBudget  *int   `json:"thinkingBudget"`
	ThinkingLevel   string `json:"thinkingLevel"`
}

// The response types print their fields in the order the API does.

type generateResponse struct {
	Candidates     []candidate     `json:"candidates,omitempty"`
	PromptFeedback *promptFeedback `json:"promptFeedback,omitempty"`
	UsageMetadata  *usageMetadata  `json:"usageMetadata,omitempty"`
	ModelVersion   string          `json:"modelVersion"`
	CreateTime     string          `json:"createTime,omitempty"` // Vertex only
	ResponseID     string          `json:"responseId"`
}

type candidate struct {
	Content       *content       `json:"content,omitempty"`
	FinishReason  string         `json:"finishReason,omitempty"`
	SafetyRatings []safetyRating `json:"safetyRatings,omitempty"`
	Index         int            `json:"index"`
}

type safetyRating struct {
	Category    string `json:"category"`
	Probability string `json:"probability"`
	Blocked     bool   `json:"blocked,omitempty"`
}

type promptFeedback struct {
	BlockReason   string         `json:"blockReason,omitempty"`
	SafetyRatings []safetyRating `json:"safetyRatings,omitempty"`
}

type usageMetadata struct {
	PromptTokenCount        int                  `json:"promptTokenCount"`
	CandidatesTokenCount    int                  `json:"candidatesTokenCount,omitempty"`
	TotalTokenCount         int                  `json:"totalTokenCount"`
	CachedContentTokenCount int                  `json:"cachedContentTokenCount,omitempty"`
	PromptTokensDetails     []modalityTokenCount `json:"promptTokensDetails,omitempty"`
	CacheTokensDetails      []modalityTokenCount `json:"cacheTokensDetails,omitempty"`
	ThoughtsTokenCount      int                  `json:"thoughtsTokenCount,omitempty"`
	TrafficType             string               `json:"trafficType,omitempty"` // Vertex only
}

type modalityTokenCount struct {
	Modality   string `json:"modality"`
	TokenCount int    `json:"tokenCount"`
}
