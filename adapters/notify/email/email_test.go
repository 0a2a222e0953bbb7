package email_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/notify/email"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

const password = "smtp-pass-do-not-leak"

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func alert() gateway.Alert {
	return gateway.Alert{
		ID: "alr_1", Type: "error_rate", Severity: gateway.SeverityCritical, Status: gateway.AlertOpen,
		Title: "Errors on openai — 42%", Message: "42% of calls failed", Subject: "provider:prv_1",
		Details:     gateway.AlertDetails{Metric: "error_rate", Value: 0.42, Threshold: 0.2, Window: 5 * time.Minute},
		Fingerprint: "error_rate:provider:prv_1",
		FirstSeen:   t0.Add(-10 * time.Minute), LastSeen: t0, Count: 3,
	}
}

// session is what the fake server saw in one SMTP conversation.
type session struct {
	auth string   // the decoded AUTH PLAIN response, "" when none
	from string   // MAIL FROM
	to   []string // RCPT TO
	data string   // the message, un-dot-stuffed
}

// smtpServer is a fake SMTP server on a loopback address that speaks
// just enough of RFC 5321 for net/smtp: greeting, EHLO (advertising only
// AUTH PLAIN), AUTH, MAIL, RCPT, DATA, RSET, NOOP and QUIT. reply overrides the
// answer to a command (by its verb); silent makes it accept connections
// and never greet.
type smtpServer struct {
	Addr     string
	sessions chan session
	reply    map[string]string
	silent   bool
	wg       sync.WaitGroup
}

func startSMTP(t *testing.T, host string, reply map[string]string, silent bool) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", host, err)
	}
	s := &smtpServer{Addr: ln.Addr().String(), sessions: make(chan session, 10), reply: reply, silent: silent}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); _ = ln.Close(); s.wg.Wait() })
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() {
				defer func() { _ = c.Close() }()
				if s.silent {
					<-done
					return
				}
				s.serve(c)
			})
		}
	})
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) { _, _ = io.WriteString(c, line+"\r\n") }
	var sess session
	say("220 fake ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		if ans, ok := s.reply[verb]; ok {
			say(ans)
			continue
		}
		switch verb {
		case "EHLO":
			say("250-fake greets " + arg)
			say("250 AUTH PLAIN")
		case "HELO", "RSET", "NOOP":
			say("250 ok")
		case "AUTH":
			_, resp, _ := strings.Cut(arg, " ") // "PLAIN <base64>"
			b, _ := base64.StdEncoding.DecodeString(resp)
			sess.auth = string(b)
			say("235 2.7.0 authenticated")
		case "MAIL":
			sess.from = arg
			say("250 ok")
		case "RCPT":
			sess.to = append(sess.to, arg)
			say("250 ok")
		case "DATA":
			say("354 go ahead")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			sess.data = data.String()
			say("250 queued")
		case "QUIT":
			say("221 bye")
			s.sessions <- sess
			return
		default:
			say("502 unknown command")
		}
	}
}

func newNotifier(t *testing.T, cfg email.Config) *email.Notifier {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "Tollgate <alerts@example.com>"
	}
	if cfg.To == nil {
		cfg.To = []string{"ops@example.com", "Jane Doe <jane@example.org>"}
	}
	cfg.Clock = gatewaytest.NewClock(t0)
	n, err := email.New(cfg)
	if err != nil {
		t.Fatalf("email.New: %v", err)
	}
	return n
}

func TestNotifyMessage(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := startSMTP(t, "127.0.0.1", nil, false)
	is.NoErr(newNotifier(t, email.Config{Addr: srv.Addr}).Notify(t.Context(), alert()))
	sess := <-srv.sessions

	is.Equal(sess.auth, "") // no Username, no AUTH, though the server offers it
	is.Equal(sess.from, "FROM:<alerts@example.com>")
	is.Equal(sess.to, []string{"TO:<ops@example.com>", "TO:<jane@example.org>"})

	msg, err := mail.ReadMessage(strings.NewReader(sess.data))
	is.NoErr(err)
	h := msg.Header
	subj, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	is.NoErr(err)
	is.Equal(subj, "[Tollgate] CRITICAL Errors on openai — 42%")
	is.Equal(h.Get("From"), `"Tollgate" <alerts@example.com>`)
	is.Equal(h.Get("To"), `<ops@example.com>, "Jane Doe" <jane@example.org>`)
	date, err := h.Date()
	is.NoErr(err)
	is.True(date.Equal(t0))
	is.True(strings.HasSuffix(h.Get("Message-ID"), "@example.com>"))
	is.Equal(h.Get("MIME-Version"), "1.0")
	is.Equal(h.Get("Content-Type"), "text/plain; charset=utf-8")
	is.Equal(h.Get("Content-Transfer-Encoding"), "quoted-printable")

	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	is.NoErr(err)
	text := string(body)
	t.Log(text)
	for _, want := range []string{
		"Errors on openai — 42%\r\n",
		"42% of calls failed\r\n",
		"Severity:    critical\r\n",
		"Subject:     provider:prv_1\r\n",
		"Metric:      error_rate\r\n",
		"Value:       0.42 (threshold 0.2, over 5m0s)\r\n",
		"Count:       3\r\n",
		"First seen:  2026-03-04T04:56:07Z\r\n",
		"Last seen:   2026-03-04T05:06:07Z\r\n",
		"Alert ID:    alr_1\r\n",
	} {
		is.True(strings.Contains(text, want)) // the body lists the details
	}
}

func TestNotifySubjectInjection(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := startSMTP(t, "127.0.0.1", nil, false)
	a := alert()
	a.Title = "bad\r\nBcc: evil@example.net"
	is.NoErr(newNotifier(t, email.Config{Addr: srv.Addr}).Notify(t.Context(), a))
	msg, err := mail.ReadMessage(strings.NewReader((<-srv.sessions).data))
	is.NoErr(err)
	is.Equal(msg.Header.Get("Bcc"), "")
	is.Equal(msg.Header.Get("Subject"), "[Tollgate] CRITICAL bad Bcc: evil@example.net")
}

func TestNotifyAuth(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := startSMTP(t, "127.0.0.1", nil, false)
	n := newNotifier(t, email.Config{Addr: srv.Addr, Username: "tollgate", Password: password})
	is.NoErr(n.Notify(t.Context(), alert()))
	is.Equal((<-srv.sessions).auth, "\x00tollgate\x00"+password) // PLAIN: authzid, user, password
}

// TestNotifyAuthRefusedWithoutTLS shows net/smtp's rule: PLAIN over a
// connection without TLS only to localhost. 127.0.0.2 is loopback on
// Linux but not "localhost" to net/smtp.
func TestNotifyAuthRefusedWithoutTLS(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := startSMTP(t, "127.0.0.2", nil, false)
	n := newNotifier(t, email.Config{Addr: srv.Addr, Username: "tollgate", Password: password})
	err := n.Notify(t.Context(), alert())
	is.Equal(gateway.ErrorCode(err), gateway.CodeUpstream)
	t.Log(err)
	is.True(strings.Contains(err.Error(), "unencrypted"))
	is.True(!strings.Contains(err.Error(), password))
}

func TestNotifyRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply map[string]string
		want  string
	}{
		{"auth", map[string]string{"AUTH": "535 5.7.8 bad credentials"}, "535"},
		{"rcpt", map[string]string{"RCPT": "550 5.1.1 no such user"}, "550"},
		{"data", map[string]string{"DATA": "554 5.3.4 message too big"}, "554"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			srv := startSMTP(t, "127.0.0.1", tt.reply, false)
			n := newNotifier(t, email.Config{Addr: srv.Addr, Username: "tollgate", Password: password})
			err := n.Notify(t.Context(), alert())
			var ge *gateway.Error
			is.True(errors.As(err, &ge))
			is.Equal(ge.Code, gateway.CodeUpstream)
			is.True(strings.Contains(err.Error(), tt.want))
			is.True(!strings.Contains(err.Error(), password))
		})
	}
}

func TestNotifyTimeout(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := startSMTP(t, "127.0.0.1", nil, true)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := newNotifier(t, email.Config{Addr: srv.Addr}).Notify(ctx, alert())
	is.Equal(gateway.ErrorCode(err), gateway.CodeUpstreamTimeout)
	is.True(time.Since(start) < 5*time.Second)

	n := newNotifier(t, email.Config{Addr: srv.Addr, Timeout: 50 * time.Millisecond})
	is.Equal(gateway.ErrorCode(n.Notify(t.Context(), alert())), gateway.CodeUpstreamTimeout)

	ctx, cancel = context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	is.Equal(gateway.ErrorCode(newNotifier(t, email.Config{Addr: srv.Addr}).Notify(ctx, alert())), gateway.CodeCanceled)
}
