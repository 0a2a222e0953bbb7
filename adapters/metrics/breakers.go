package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-ai/tollgate/gateway"
)

var (
	breakerStateDesc = prometheus.NewDesc("tollgate_breaker_state",
		"Each provider's circuit breaker: 0 closed, 1 half-open, 2 open.", []string{"provider"}, nil)
	breakerOpensDesc = prometheus.NewDesc("tollgate_breaker_opens_total",
		"Times each provider's circuit breaker opened on this instance.", []string{"provider"}, nil)
	breakerFailureDesc = prometheus.NewDesc("tollgate_breaker_failure_ratio",
		"Each provider's share of failed requests over the last minute, across instances.", []string{"provider"}, nil)
)

// WatchBreakers exports the circuit breakers' states, read at each scrape
// from states (pass (*gateway.Admin).Breakers), never on the request
// path. The provider label is the provider's name: an operator's
// configuration, not a caller's input.
func (m *Metrics) WatchBreakers(states func() []gateway.BreakerState) error {
	return m.registry.Register(breakerCollector{states})
}

type breakerCollector struct{ states func() []gateway.BreakerState }

func (c breakerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- breakerStateDesc
	ch <- breakerOpensDesc
	ch <- breakerFailureDesc
}

func (c breakerCollector) Collect(ch chan<- prometheus.Metric) {
	for _, b := range c.states() {
		state := 0.0
		switch b.State {
		case "half-open":
			state = 1
		case "open":
			state = 2
		}
		ch <- prometheus.MustNewConstMetric(breakerStateDesc, prometheus.GaugeValue, state, b.Provider)
		ch <- prometheus.MustNewConstMetric(breakerOpensDesc, prometheus.CounterValue, float64(b.Opens), b.Provider)
		ch <- prometheus.MustNewConstMetric(breakerFailureDesc, prometheus.GaugeValue, b.FailureRate, b.Provider)
	}
}

var credentialsDesc = prometheus.NewDesc("tollgate_credentials",
	"Upstream credentials by provider and status (active, disabled, invalid, pending).", []string{"provider", "status"}, nil)

// WatchCredentials exports how many credentials each provider has in each
// status, read at each scrape from states (pass a function over
// (*gateway.Admin).CredentialStates): one Store query per scrape, never
// on the request path.
func (m *Metrics) WatchCredentials(states func() (map[string]map[gateway.Status]int, error)) error {
	return m.registry.Register(credentialCollector{states})
}

type credentialCollector struct {
	states func() (map[string]map[gateway.Status]int, error)
}

func (c credentialCollector) Describe(ch chan<- *prometheus.Desc) { ch <- credentialsDesc }

func (c credentialCollector) Collect(ch chan<- prometheus.Metric) {
	states, err := c.states()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(credentialsDesc, err)
		return
	}
	for provider, by := range states {
		for _, st := range []gateway.Status{gateway.StatusActive, gateway.StatusDisabled, gateway.StatusInvalid, gateway.StatusPending} {
			ch <- prometheus.MustNewConstMetric(credentialsDesc, prometheus.GaugeValue, float64(by[st]), provider, string(st))
		}
	}
}
