// Package email delivers alerts by e-mail over SMTP: a gateway.Notifier
// built on net/smtp.
//
// Each alert is one plain-text message (RFC 5322, UTF-8, quoted-printable)
// to every address in Config.To, with the subject "[Tollgate] <SEVERITY>
// <title>" and a body listing what was measured.
//
// # Transport security
//
// The session follows smtp.SendMail: when the server offers STARTTLS the
// connection is upgraded (the certificate is checked against the host in
// Config.Addr) before anything else is sent. With a Username the
// Notifier authenticates with PLAIN, and net/smtp refuses to send PLAIN
// credentials over a connection that is not TLS unless the server is
// localhost, 127.0.0.1 or ::1: a relay that does not offer STARTTLS fails
// every delivery rather than expose the password. Servers that speak TLS
// from the first byte (port 465) are not supported; use their submission
// port 587 with STARTTLS.
//
// Unlike smtp.SendMail, which has no deadline and can wait forever on a
// silent server, every step of a delivery ends with Config.Timeout or
// the caller's ctx.
package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Notifier = (*Notifier)(nil)

// DefaultTimeout bounds a delivery when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config says which SMTP server to use and who receives alerts.
type Config struct {
	// Addr is the server's host:port, such as "smtp.example.com:587".
	Addr string
	// Username, when set, authenticates with PLAIN; see the package doc
	// for when net/smtp allows it. Empty sends without authenticating.
	Username string
	// Password goes with Username.
	Password gateway.Secret
	// From is the sender, "alerts@example.com" or
	// "Tollgate <alerts@example.com>".
	From string
	// To lists the recipients; at least one.
	To []string
	// Timeout bounds each delivery, from dialling to QUIT, on top of the
	// caller's ctx. Zero means DefaultTimeout.
	Timeout time.Duration
	// Clock stamps the Date header. Nil means gateway.SystemClock.
	Clock gateway.Clock
}

// Notifier mails alerts. Each Notify opens its own SMTP session, so a
// Notifier is safe for concurrent use.
type Notifier struct {
	addr    string
	host    string
	auth    smtp.Auth // nil without a Username
	from    *mail.Address
	to      []*mail.Address
	timeout time.Duration
	clock   gateway.Clock
}

// New checks cfg and returns a Notifier. It fails with CodeInvalid and
// the Field at fault: "addr" unless Addr is host:port, "from" and "to"
// for addresses net/mail cannot parse (or no recipient), "username" for a
// Password without a Username, "timeout" when Timeout is negative.
// New does not connect.
func New(cfg Config) (*Notifier, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, gateway.Invalid("addr", "smtp addr %q must be host:port", cfg.Addr)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, gateway.Invalid("from", "smtp from %q is not an e-mail address", cfg.From)
	}
	if len(cfg.To) == 0 {
		return nil, gateway.Invalid("to", "smtp to must list at least one recipient")
	}
	to := make([]*mail.Address, len(cfg.To))
	for i, s := range cfg.To {
		if to[i], err = mail.ParseAddress(s); err != nil {
			return nil, gateway.Invalid("to", "smtp to %q is not an e-mail address", s)
		}
	}
	if cfg.Username == "" && cfg.Password != "" {
		return nil, gateway.Invalid("username", "smtp password is set without a username")
	}
	if cfg.Timeout < 0 {
		return nil, gateway.Invalid("timeout", "smtp timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = gateway.SystemClock{}
	}
	n := &Notifier{addr: cfg.Addr, host: host, from: from, to: to, timeout: cfg.Timeout, clock: cfg.Clock}
	if cfg.Username != "" {
		n.auth = smtp.PlainAuth("", cfg.Username, cfg.Password.Reveal(), host)
	}
	return n, nil
}

// Notify mails a to every recipient in one SMTP session. Errors are
// *gateway.Error: CodeUpstream when the server cannot be reached or
// refuses a step (its reply, never the password, is in the error),
// CodeUpstreamTimeout when the time ran out, CodeCanceled when ctx was
// canceled.
func (n *Notifier) Notify(ctx context.Context, a gateway.Alert) error {
	msg := n.message(a, n.clock.Now())
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	err := n.send(ctx, msg)
	switch {
	case err == nil:
		return nil
	case errors.Is(ctx.Err(), context.Canceled):
		return &gateway.Error{Code: gateway.CodeCanceled, Message: fmt.Sprintf("smtp %s: delivery canceled", n.addr), Err: err}
	case ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded):
		// The connection's deadline is ctx's: it may expire a moment
		// before ctx reports it.
		return &gateway.Error{Code: gateway.CodeUpstreamTimeout, Message: fmt.Sprintf("smtp %s did not answer in time", n.addr), Err: err}
	}
	return &gateway.Error{Code: gateway.CodeUpstream, Message: fmt.Sprintf("smtp %s failed", n.addr), Err: err}
}

// send runs one SMTP session: the steps of smtp.SendMail on a connection
// whose deadline is ctx's.
func (n *Notifier) send(ctx context.Context, msg []byte) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", n.addr)
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// A cancel before the deadline unblocks whatever read or write is
	// under way.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, n.host)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("greeting: %w", err)
	}
	defer func() { _ = c.Close() }()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: n.host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if n.auth != nil {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("auth: the server does not offer AUTH")
		}
		if err := c.Auth(n.auth); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(n.from.Address); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	for _, to := range n.to {
		if err := c.Rcpt(to.Address); err != nil {
			return fmt.Errorf("rcpt to %s: %w", to.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("quit: %w", err)
	}
	return nil
}
