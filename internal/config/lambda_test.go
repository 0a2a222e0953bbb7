package config_test

import (
	"path/filepath"
	"testing"

	"github.com/tollgate-ai/tollgate/internal/config"
)

func TestLambda(t *testing.T) {
	env := map[string]string{}
	getenv := config.LambdaEnv(func(k string) string { return env[k] })
	c, err := config.Load("", getenv)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != config.LambdaDataDir {
		t.Errorf("DataDir = %q, want %q", c.DataDir, config.LambdaDataDir)
	}
	if err := c.ValidateLambda(); err == nil {
		t.Error("ValidateLambda accepts a configuration without an admin key")
	}

	dir := filepath.Join(t.TempDir(), "data")
	env["TOLLGATE_DATA_DIR"], env["TOLLGATE_ADMIN_KEY"] = dir, "admin-key-0123456789"
	if c, err = config.Load("", getenv); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != dir {
		t.Errorf("DataDir = %q, want %q", c.DataDir, dir)
	}
	if err := c.ValidateLambda(); err != nil {
		t.Error(err)
	}
}
