// Package pricetable is Tollgate's shipped list of model prices: the
// published list prices of current models from the providers Tollgate
// supports (OpenAI, Anthropic, Google Gemini, Mistral, DeepSeek, xAI), so
// a fresh gateway can bill calls before an operator has priced anything.
//
// The table is data, not code: prices.json, embedded at build time and
// decoded strictly (unknown fields, fractions and exponents are rejected,
// so a price can never be a float). Each entry names the model, its
// aliases (dated snapshots such as "gpt-4o-2024-08-06" or
// "claude-sonnet-4-5-20250929", and legacy names the provider still
// serves), the provider that owns it, its prices and the provider page
// they were read from.
//
// # Units
//
// Prices are gateway.Micros per million tokens (1 USD = 1,000,000
// micros), so "$2.50 per 1M input tokens" is 2_500_000. As in
// gateway.Prices, a zero cached_input or cache_write means the input price
// and a zero reasoning means the output price: an entry leaves them out
// where the provider charges no separate rate. cached_input is the
// provider's cache-read (cache hit) price; cache_write is Anthropic's
// 5-minute write price and OpenAI's 30-minute write price. Embedding
// models are marked "embedding": true and carry an input price only.
//
// # Tier choices
//
// A flat table cannot follow every tariff, so it takes one rate per kind
// of token and says which in the entry's note:
//
//   - Where the price depends on prompt length (OpenAI above 272K input
//     tokens, Gemini Pro and Claude Sonnet 4.5 above 200K, Claude Haiku 5.5
//     above 100K, xAI above 200K), the table holds the lower, short-prompt
//     tier; longer prompts are under-billed.
//   - Where the price depends on the time of day (DeepSeek), the table
//     holds the peak rate, which DeepSeek lists as standard; off-peak
//     calls, billed by DeepSeek at half, are over-billed.
//   - Batch, flex, priority and fast-mode multipliers, regional uplifts,
//     long cache retention (Anthropic's 1-hour and OpenAI's 12-hour
//     writes), Gemini cache storage per hour, and audio or image token
//     rates are not modelled; the text-token standard rate applies.
//
// Models left out on purpose: those the provider has shut down by the
// Checked date (OpenAI o1, o3-mini, o4-mini and gpt-4.1-nano; Gemini 2.0
// Flash; Claude 3.x, Opus 4, Opus 4.1 and Sonnet 4), those whose price at
// that date was a dated promotion (GPT-5.6 Sol, Gemini 3.6 to 3.8 Flash)
// or could not be read in full from a first-party source, and Cohere and
// Meta models.
//
// # Overriding
//
// The table is a default, not an authority: the admin API's model catalog
// (gateway.ModelStore, edited with Admin.PutModel and Admin.DeleteModel)
// wins over it. A host uses the table only to seed the catalog or to price
// a name the catalog lacks, and never overwrites a catalog entry with it,
// so an operator who reprices, adds or removes a model keeps that choice
// across upgrades that ship a newer table.
//
// The prices were last checked against the providers' pages on the date
// in Checked (2026-11-24); providers change them without notice.
package pricetable
