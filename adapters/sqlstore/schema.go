package sqlstore

// schemaVersion is one migration: its version (bun's migration name,
// ordered as text), what it does, and its statements. The statements
// are written once for both dialects with these placeholders:
//
//	{id}   a text key: TEXT COLLATE "C" on PostgreSQL, so that it sorts
//	       by bytes as Go does and as SQLite's TEXT does
//	{json} JSONB on PostgreSQL, TEXT on SQLite
//	{time} TIMESTAMPTZ on PostgreSQL, TEXT on SQLite (bun writes UTC
//	       times in one layout, so text order is time order)
//	{nf}   " NULLS FIRST" on PostgreSQL, where a NULL (zero) time
//	       otherwise sorts last; nothing on SQLite, which sorts it first
//	{serial} an increasing integer key: BIGSERIAL on PostgreSQL, INTEGER
//	       (the rowid) on SQLite
type schemaVersion struct {
	name, comment string
	statements    []string
}

// schemaVersions returns every migration, oldest first. Never edit one
// that has shipped: add another.
func schemaVersions() []schemaVersion {
	return []schemaVersion{{
		name: "20250601000001", comment: "catalog",
		statements: []string{
			`CREATE TABLE IF NOT EXISTS accounts (
				id {id} PRIMARY KEY,
				name {id} NOT NULL,
				status TEXT NOT NULL,
				default_namespace TEXT NOT NULL DEFAULT '',
				namespaces {json},
				epoch BIGINT NOT NULL DEFAULT 0,
				created_at {time},
				updated_at {time})`,
			`CREATE UNIQUE INDEX IF NOT EXISTS accounts_name_key ON accounts (name)`,
			`CREATE TABLE IF NOT EXISTS keys (
				id {id} PRIMARY KEY,
				account_id {id} NOT NULL REFERENCES accounts (id),
				name TEXT NOT NULL DEFAULT '',
				prefix TEXT NOT NULL DEFAULT '',
				digest TEXT NOT NULL,
				status TEXT NOT NULL,
				epoch BIGINT NOT NULL DEFAULT 0,
				models {json},
				namespace TEXT NOT NULL DEFAULT '',
				issued_by TEXT NOT NULL DEFAULT '',
				expires_at {time},
				created_at {time},
				revoked_at {time})`,
			`CREATE UNIQUE INDEX IF NOT EXISTS keys_digest_key ON keys (digest)`,
			`CREATE INDEX IF NOT EXISTS keys_account_id_idx ON keys (account_id)`,
			`CREATE TABLE IF NOT EXISTS providers (
				id {id} PRIMARY KEY,
				name {id} NOT NULL,
				type TEXT NOT NULL,
				base_url TEXT NOT NULL DEFAULT '',
				headers {json},
				models {json},
				options {json},
				status TEXT NOT NULL,
				created_at {time},
				updated_at {time})`,
			`CREATE UNIQUE INDEX IF NOT EXISTS providers_name_key ON providers (name)`,
			`CREATE TABLE IF NOT EXISTS credentials (
				id {id} PRIMARY KEY,
				provider_id {id} NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
				name TEXT NOT NULL DEFAULT '',
				secret TEXT NOT NULL,
				weight INTEGER NOT NULL,
				status TEXT NOT NULL,
				created_at {time},
				updated_at {time})`,
			`CREATE INDEX IF NOT EXISTS credentials_provider_id_idx ON credentials (provider_id)`,
			`CREATE TABLE IF NOT EXISTS bindings (
				id {id} PRIMARY KEY,
				namespace TEXT NOT NULL,
				model TEXT NOT NULL,
				provider_id {id} NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
				upstream_model TEXT NOT NULL DEFAULT '',
				priority INTEGER NOT NULL DEFAULT 0,
				created_at {time})`,
			`CREATE INDEX IF NOT EXISTS bindings_provider_id_idx ON bindings (provider_id)`,
			`CREATE TABLE IF NOT EXISTS models (
				name {id} PRIMARY KEY,
				aliases {json},
				input_price BIGINT NOT NULL DEFAULT 0,
				cached_input_price BIGINT NOT NULL DEFAULT 0,
				output_price BIGINT NOT NULL DEFAULT 0,
				owned_by TEXT NOT NULL DEFAULT '',
				created_at {time},
				updated_at {time})`,
		},
	}, {
		name: "20250601000002", comment: "request_records",
		statements: []string{
			`CREATE TABLE IF NOT EXISTS request_records (
				id {id} PRIMARY KEY,
				"time" {time},
				account_id {id} NOT NULL DEFAULT '',
				key_id {id} NOT NULL DEFAULT '',
				namespace TEXT NOT NULL DEFAULT '',
				endpoint TEXT NOT NULL DEFAULT '',
				model TEXT NOT NULL DEFAULT '',
				served_model TEXT NOT NULL DEFAULT '',
				provider_id TEXT NOT NULL DEFAULT '',
				credential_id TEXT NOT NULL DEFAULT '',
				attempts {json},
				code TEXT NOT NULL DEFAULT '',
				error TEXT NOT NULL DEFAULT '',
				usage {json},
				cost BIGINT NOT NULL DEFAULT 0,
				latency_ns BIGINT NOT NULL DEFAULT 0,
				first_byte_ns BIGINT NOT NULL DEFAULT 0,
				stream BOOLEAN NOT NULL DEFAULT FALSE,
				client_ip TEXT NOT NULL DEFAULT '')`,
			// ListRecords reads these backwards: newest first, zero times last.
			`CREATE INDEX IF NOT EXISTS request_records_time_idx ON request_records ("time"{nf}, id)`,
			`CREATE INDEX IF NOT EXISTS request_records_account_time_idx ON request_records (account_id, "time"{nf}, id)`,
			`CREATE INDEX IF NOT EXISTS request_records_key_time_idx ON request_records (key_id, "time"{nf}, id)`,
		},
	}, {
		name: "20261124000003", comment: "limits",
		statements: []string{
			`ALTER TABLE accounts ADD COLUMN limits {json}`,
			`ALTER TABLE keys ADD COLUMN limits {json}`,
		},
	}, {
		name: "20261124000004", comment: "key_scopes",
		statements: []string{
			`ALTER TABLE keys ADD COLUMN namespaces {json}`,
			`ALTER TABLE keys ADD COLUMN allowed_ips {json}`,
			`ALTER TABLE keys ADD COLUMN master BOOLEAN NOT NULL DEFAULT FALSE`,
		},
	}, {
		name: "20261124000005", comment: "settings",
		statements: []string{
			`CREATE TABLE IF NOT EXISTS settings (
				id {id} PRIMARY KEY,
				limits {json},
				anonymous_models {json},
				anonymous_limits {json},
				anonymous_namespace TEXT NOT NULL DEFAULT '',
				updated_at {time})`,
		},
	}, {
		name: "20261124000006", comment: "record_limited_by",
		statements: []string{
			`ALTER TABLE request_records ADD COLUMN limited_by TEXT NOT NULL DEFAULT ''`,
		},
	}, {
		name: "20261124000007", comment: "request_stats",
		statements: []string{
			// One row per minute (Unix seconds, a multiple of 60, so that
			// bucketing is minute - minute % n on both dialects) and
			// dimensions; latency_i counts the requests of bucket i of
			// gateway.LatencyBounds. The primary key leads with minute, so
			// it serves the time ranges of queries and deletes.
			`CREATE TABLE IF NOT EXISTS request_stats (
				minute BIGINT NOT NULL,
				account_id {id} NOT NULL DEFAULT '',
				key_id {id} NOT NULL DEFAULT '',
				provider_id {id} NOT NULL DEFAULT '',
				credential_id {id} NOT NULL DEFAULT '',
				model {id} NOT NULL DEFAULT '',
				requests BIGINT NOT NULL DEFAULT 0,
				successes BIGINT NOT NULL DEFAULT 0,
				failures BIGINT NOT NULL DEFAULT 0,
				prompt_tokens BIGINT NOT NULL DEFAULT 0,
				completion_tokens BIGINT NOT NULL DEFAULT 0,
				cached_tokens BIGINT NOT NULL DEFAULT 0,
				cost BIGINT NOT NULL DEFAULT 0,
				latency_us BIGINT NOT NULL DEFAULT 0,
				latency_0 BIGINT NOT NULL DEFAULT 0,
				latency_1 BIGINT NOT NULL DEFAULT 0,
				latency_2 BIGINT NOT NULL DEFAULT 0,
				latency_3 BIGINT NOT NULL DEFAULT 0,
				latency_4 BIGINT NOT NULL DEFAULT 0,
				latency_5 BIGINT NOT NULL DEFAULT 0,
				latency_6 BIGINT NOT NULL DEFAULT 0,
				latency_7 BIGINT NOT NULL DEFAULT 0,
				latency_8 BIGINT NOT NULL DEFAULT 0,
				latency_9 BIGINT NOT NULL DEFAULT 0,
				latency_10 BIGINT NOT NULL DEFAULT 0,
				latency_11 BIGINT NOT NULL DEFAULT 0,
				latency_12 BIGINT NOT NULL DEFAULT 0,
				latency_13 BIGINT NOT NULL DEFAULT 0,
				PRIMARY KEY (minute, account_id, key_id, provider_id, credential_id, model))`,
		},
	}, {
		name: "20261124000008", comment: "record_bodies",
		statements: []string{
			`ALTER TABLE request_records ADD COLUMN request_body TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE request_records ADD COLUMN response_body TEXT NOT NULL DEFAULT ''`,
		},
	}, {
		name: "20261124000009", comment: "alerts",
		statements: []string{
			// value and threshold are rates and counts, never money:
			// DOUBLE PRECISION has REAL affinity on SQLite.
			`CREATE TABLE IF NOT EXISTS alerts (
				id {id} PRIMARY KEY,
				type TEXT NOT NULL DEFAULT '',
				severity TEXT NOT NULL DEFAULT '',
				status TEXT NOT NULL DEFAULT '',
				title TEXT NOT NULL DEFAULT '',
				message TEXT NOT NULL DEFAULT '',
				subject TEXT NOT NULL DEFAULT '',
				metric TEXT NOT NULL DEFAULT '',
				value DOUBLE PRECISION NOT NULL DEFAULT 0,
				threshold DOUBLE PRECISION NOT NULL DEFAULT 0,
				window_ns BIGINT NOT NULL DEFAULT 0,
				fingerprint TEXT NOT NULL DEFAULT '',
				first_seen {time},
				last_seen {time},
				count BIGINT NOT NULL DEFAULT 0)`,
			// ReportAlert looks up the open alerts of a fingerprint.
			`CREATE INDEX IF NOT EXISTS alerts_fingerprint_status_idx ON alerts (fingerprint, status)`,
			// ListAlerts reads this backwards: last seen first.
			`CREATE INDEX IF NOT EXISTS alerts_last_seen_idx ON alerts (last_seen{nf}, id)`,
		},
	}, {
		name: "20261124000010", comment: "settings_alert_thresholds",
		statements: []string{
			`ALTER TABLE settings ADD COLUMN alert_thresholds {json}`,
		},
	}, {
		name: "20261124000011", comment: "alert_deliveries",
		statements: []string{
			`ALTER TABLE alerts ADD COLUMN deliveries {json}`,
		},
	}, {
		name: "20261124000012", comment: "model_prices",
		statements: []string{
			`ALTER TABLE models ADD COLUMN cache_write_price BIGINT NOT NULL DEFAULT 0`,
			`ALTER TABLE models ADD COLUMN reasoning_price BIGINT NOT NULL DEFAULT 0`,
			`ALTER TABLE models ADD COLUMN request_price BIGINT NOT NULL DEFAULT 0`,
			`ALTER TABLE request_records ADD COLUMN prices {json}`,
		},
	}, {
		name: "20261124000013", comment: "ledger",
		statements: []string{
			// Amounts are micros: BIGINT, never a float.
			`CREATE TABLE IF NOT EXISTS ledger_entries (
				id {id} PRIMARY KEY,
				account_id TEXT NOT NULL DEFAULT '',
				kind TEXT NOT NULL DEFAULT '',
				amount BIGINT NOT NULL DEFAULT 0,
				balance_after BIGINT NOT NULL DEFAULT 0,
				actor TEXT NOT NULL DEFAULT '',
				reason TEXT NOT NULL DEFAULT '',
				request_id TEXT NOT NULL DEFAULT '',
				time {time})`,
			`CREATE INDEX IF NOT EXISTS ledger_account_time_idx ON ledger_entries (account_id, time, id)`,
			`CREATE INDEX IF NOT EXISTS ledger_time_idx ON ledger_entries (time, id)`,
			`CREATE TABLE IF NOT EXISTS account_balances (
				account_id {id} PRIMARY KEY,
				balance BIGINT NOT NULL DEFAULT 0)`,
			`ALTER TABLE accounts ADD COLUMN prepaid BOOLEAN NOT NULL DEFAULT FALSE`,
		},
	}, {
		name: "20261124000014", comment: "budgets",
		statements: []string{
			`ALTER TABLE accounts ADD COLUMN budget {json}`,
			`ALTER TABLE keys ADD COLUMN budget {json}`,
		},
	}, {
		name: "20261124000015", comment: "grant_caps",
		statements: []string{
			`ALTER TABLE settings ADD COLUMN grant_caps {json}`,
		},
	}, {
		name: "20261124000016", comment: "coupons",
		statements: []string{
			`CREATE TABLE IF NOT EXISTS coupons (
				code {id} PRIMARY KEY,
				amount BIGINT NOT NULL DEFAULT 0,
				max_redemptions BIGINT NOT NULL DEFAULT 0,
				redemptions BIGINT NOT NULL DEFAULT 0,
				expires_at {time},
				active BOOLEAN NOT NULL DEFAULT TRUE,
				created_at {time})`,
			`CREATE TABLE IF NOT EXISTS coupon_redemptions (
				code {id} NOT NULL,
				account_id {id} NOT NULL,
				time {time},
				PRIMARY KEY (code, account_id))`,
		},
	}, {
		name: "20261124000017", comment: "model_max_output",
		statements: []string{
			`ALTER TABLE models ADD COLUMN max_output BIGINT NOT NULL DEFAULT 0`,
		},
	}, {
		name: "20261124000018", comment: "credential_lifecycle",
		statements: []string{
			`ALTER TABLE credentials ADD COLUMN disabled_until {time}`,
			`ALTER TABLE credentials ADD COLUMN status_reason TEXT NOT NULL DEFAULT ''`,
			`CREATE TABLE IF NOT EXISTS credential_events (
				id {serial} PRIMARY KEY,
				credential_id TEXT NOT NULL DEFAULT '',
				from_status TEXT NOT NULL DEFAULT '',
				to_status TEXT NOT NULL DEFAULT '',
				reason TEXT NOT NULL DEFAULT '',
				until_time {time},
				time {time})`,
			`CREATE INDEX IF NOT EXISTS credential_events_idx ON credential_events (credential_id, id)`,
		},
	}, {
		name: "20261124000019", comment: "retry_policies",
		statements: []string{
			`CREATE TABLE IF NOT EXISTS retry_policies (
				name {id} PRIMARY KEY,
				id TEXT NOT NULL DEFAULT '',
				priority BIGINT NOT NULL DEFAULT 0,
				rules {json},
				created_at {time},
				updated_at {time})`,
		},
	}, {
		name: "20261124000020", comment: "binding_weight",
		statements: []string{
			`ALTER TABLE bindings ADD COLUMN weight BIGINT NOT NULL DEFAULT 0`,
		},
	}, {
		name: "20261124000021", comment: "oauth_credentials",
		statements: []string{
			`ALTER TABLE credentials ADD COLUMN oauth TEXT NOT NULL DEFAULT ''`,
		},
	}, {
		name: "20261124000022", comment: "record_prepaid",
		statements: []string{
			// Rows from before say TRUE, so Reconcile judges them as it
			// did, by whether the account is prepaid now.
			`ALTER TABLE request_records ADD COLUMN prepaid BOOLEAN NOT NULL DEFAULT TRUE`,
		},
	}, {
		name: "20261124000023", comment: "record_client_request_id",
		statements: []string{
			`ALTER TABLE request_records ADD COLUMN client_request_id TEXT NOT NULL DEFAULT ''`,
			// Only the records a client named: most name none.
			`CREATE INDEX IF NOT EXISTS request_records_client_request_id_idx ON request_records (client_request_id) WHERE client_request_id <> ''`,
		},
	}}
}
