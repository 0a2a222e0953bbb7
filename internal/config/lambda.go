package config

import "fmt"

// LambdaDataDir is the data directory on AWS Lambda unless
// TOLLGATE_DATA_DIR says otherwise: /tmp is the only writable directory
// there. SpillDir follows it (LambdaDataDir/spill).
const LambdaDataDir = "/tmp/tollgate"

// LambdaEnv returns getenv with AWS Lambda's defaults beneath it, for the
// Lambda host to pass to Load: TOLLGATE_DATA_DIR reads as LambdaDataDir
// when it is not set.
func LambdaEnv(getenv func(string) string) func(string) string {
	return func(name string) string {
		v := getenv(name)
		if v == "" && name == "TOLLGATE_DATA_DIR" {
			return LambdaDataDir
		}
		return v
	}
}

// ValidateLambda checks what AWS Lambda needs beyond Load's checks:
// TOLLGATE_ADMIN_KEY. A generated key would be printed into CloudWatch
// Logs, and every container would make its own (with the embedded
// database each container has its own data directory), so none would
// work twice.
func (c *Config) ValidateLambda() error {
	if c.AdminKey == "" {
		return fmt.Errorf("config: TOLLGATE_ADMIN_KEY is required on AWS Lambda, the same as on the servers that share its database (make one with: openssl rand -hex 32)")
	}
	return nil
}
