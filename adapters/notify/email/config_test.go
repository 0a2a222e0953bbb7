package email_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/notify/email"
	"github.com/tollgate-ai/tollgate/gateway"
)

func TestNewInvalid(t *testing.T) {
	t.Parallel()
	ok := email.Config{Addr: "smtp.example.com:587", From: "a@example.com", To: []string{"b@example.com"}}
	tests := []struct {
		name  string
		edit  func(*email.Config)
		field string
	}{
		{"addr", func(c *email.Config) { c.Addr = "smtp.example.com" }, "addr"},
		{"from", func(c *email.Config) { c.From = "not an address" }, "from"},
		{"no to", func(c *email.Config) { c.To = nil }, "to"},
		{"bad to", func(c *email.Config) { c.To = []string{"b@example.com", "nope"} }, "to"},
		{"password alone", func(c *email.Config) { c.Password = password }, "username"},
		{"timeout", func(c *email.Config) { c.Timeout = -time.Second }, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			cfg := ok
			tt.edit(&cfg)
			_, err := email.New(cfg)
			var ge *gateway.Error
			is.True(errors.As(err, &ge))
			is.Equal(ge.Code, gateway.CodeInvalid)
			is.Equal(ge.Field, tt.field)
			is.True(!strings.Contains(err.Error(), password))
		})
	}
	_, err := email.New(ok)
	is.New(t).NoErr(err)
}
