package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ValidateOptions shape a validation run.
type ValidateOptions struct {
	// States are the credential statuses to check; empty means active,
	// disabled and invalid (a pending credential waits for an admin).
	States []Status
	// SkipWithin skips credentials validated less than this long ago.
	SkipWithin time.Duration
	// Concurrency bounds the checks in flight. Default 4.
	Concurrency int
	// Batch is how many credentials are checked between progress
	// reports. Default 50.
	Batch int
}

// ValidationResult is what one credential's check found.
type ValidationResult struct {
	CredentialID string
	Name         string
	OK           bool
	Error        string
	// Status is the credential's status after the check.
	Status Status
}

// ValidationRun is one validation of a provider's credentials.
type ValidationRun struct {
	ID         string
	ProviderID string
	Started    time.Time
	Finished   time.Time
	Checked    int
	Skipped    int
	Valid      int
	Results    []ValidationResult
}

// maxValidationRuns is how many runs the history keeps.
const maxValidationRuns = 50

// ValidateProvider checks a provider's credentials with the cheapest
// call its API has (listing models): a credential the provider accepts
// is made active again (if it was disabled or invalid), one it refuses
// (401, 403) is invalidated, and any other failure is reported and
// changes nothing. Checks run concurrently, bounded; progress (if set)
// hears how many are done after each batch. The run is kept in the
// history (ValidationHistory). CodeInvalid when the provider's API
// cannot list models; CodeNotFound for an unknown provider.
func (a *Admin) ValidateProvider(ctx context.Context, providerID string, o ValidateOptions, progress func(done, total int)) (*ValidationRun, error) {
	t := a.activeProvider(providerID)
	if t == nil {
		return nil, &Error{Code: CodeNotFound, Message: "no active provider is " + quote(providerID)}
	}
	lister, ok := t.upstream.(ModelLister)
	if !ok {
		return nil, Errorf(CodeInvalid, "provider %s cannot validate credentials (its API lists no models)", quote(t.provider.Name))
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Batch <= 0 {
		o.Batch = 50
	}
	states := map[Status]bool{StatusActive: true, StatusDegraded: true, StatusDisabled: true, StatusInvalid: true}
	if len(o.States) > 0 {
		states = make(map[Status]bool, len(o.States))
		for _, s := range o.States {
			states[s] = true
		}
	}
	cs, err := a.g.store.ListCredentials(ctx, CredentialFilter{ProviderID: t.provider.ID})
	if err != nil {
		return nil, err
	}
	run := &ValidationRun{ID: a.g.ids.NewID("val_"), ProviderID: t.provider.ID, Started: a.g.clock.Now()}
	var todo []*Credential
	for _, c := range cs {
		switch {
		case !states[c.Status]:
		case o.SkipWithin > 0 && a.validatedWithin(ctx, c.ID, o.SkipWithin):
			run.Skipped++
		default:
			todo = append(todo, c)
		}
	}
	results := make([]ValidationResult, len(todo))
	for start := 0; start < len(todo); start += o.Batch {
		end := min(start+o.Batch, len(todo))
		var wg sync.WaitGroup
		sem := make(chan struct{}, o.Concurrency)
		for i := start; i < end; i++ {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				results[i] = a.validate(ctx, lister, todo[i])
			})
		}
		wg.Wait()
		if progress != nil {
			progress(end, len(todo))
		}
		if ctx.Err() != nil {
			results = results[:end]
			break
		}
	}
	run.Results, run.Checked, run.Finished = results, len(results), a.g.clock.Now()
	for _, r := range results {
		if r.OK {
			run.Valid++
		}
	}
	a.keepRun(ctx, run)
	return run, nil
}

// validate checks one credential and moves its status as the answer says.
func (a *Admin) validate(ctx context.Context, lister ModelLister, c *Credential) ValidationResult {
	r := ValidationResult{CredentialID: c.ID, Name: c.Name, Status: c.Status}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err := lister.ListModels(cctx, c)
	cancel()
	_ = a.g.cache.Set(ctx, validatedKey(c.ID), []byte(strconv.FormatInt(a.g.clock.Now().Unix(), 10)), 7*24*time.Hour)
	switch e := AsError(err); {
	case err == nil:
		r.OK = true
		if c.Status != StatusActive {
			if a.g.setCredentialStatus(ctx, c.ID, StatusActive, time.Time{}, "validated: the provider accepts it") == nil {
				r.Status = StatusActive
			}
		}
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		r.Error = e.Message
		if a.g.setCredentialStatus(ctx, c.ID, StatusInvalid, time.Time{}, fmt.Sprintf("validation: the provider refused it (status %d)", e.Status)) == nil {
			r.Status = StatusInvalid
		}
	default:
		r.Error = e.Message // the provider failed, not the key: nothing changes
	}
	return r
}

func validatedKey(credID string) string { return "val:{" + credID + "}" }

// validatedWithin reports whether the credential was validated less than
// d ago.
func (a *Admin) validatedWithin(ctx context.Context, credID string, d time.Duration) bool {
	raw, err := a.g.cache.Get(ctx, validatedKey(credID))
	if err != nil {
		return false
	}
	at, err := strconv.ParseInt(string(raw), 10, 64)
	return err == nil && a.g.clock.Now().Sub(time.Unix(at, 0)) < d
}

const validationRunsKey = "val:runs"

// keepRun adds run to the history in the Cache, shared by every
// instance: the last maxValidationRuns runs, for 30 days.
func (a *Admin) keepRun(ctx context.Context, run *ValidationRun) {
	runs, _ := a.ValidationHistory(ctx)
	runs = append([]*ValidationRun{run}, runs...)
	if len(runs) > maxValidationRuns {
		runs = runs[:maxValidationRuns]
	}
	b, err := json.Marshal(runs)
	if err == nil {
		err = a.g.cache.Set(ctx, validationRunsKey, b, 30*24*time.Hour)
	}
	if err != nil {
		a.g.cfg.Logger.Warn("validation run not kept in the history", "run", run.ID, "err", err)
	}
}

// ValidationHistory returns the last validation runs, newest first.
func (a *Admin) ValidationHistory(ctx context.Context) ([]*ValidationRun, error) {
	raw, err := a.g.cache.Get(ctx, validationRunsKey)
	if IsCode(err, CodeNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var runs []*ValidationRun
	if err := json.Unmarshal(raw, &runs); err != nil {
		return nil, Internal(err)
	}
	return runs, nil
}

// RunValidation validates every active provider's credentials every
// interval until ctx ends, on the one instance that takes each
// interval's turn, skipping those validated within the interval.
func (g *Gateway) RunValidation(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	admin := &Admin{g: g}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		turn, err := g.cache.Incr(ctx, "val:{turn}:"+g.clock.Now().Truncate(interval).Format(time.RFC3339), 1, 2*interval)
		if err != nil || turn != 1 {
			continue
		}
		for _, t := range g.snapshot().ordered {
			if _, ok := t.upstream.(ModelLister); !ok {
				continue
			}
			run, err := admin.ValidateProvider(ctx, t.provider.ID, ValidateOptions{SkipWithin: interval / 2}, nil)
			if err != nil {
				g.cfg.Logger.Warn("credential validation", "provider", t.provider.Name, "err", err)
				continue
			}
			if run.Checked > run.Valid {
				g.cfg.Logger.Warn("credentials failed validation", "provider", t.provider.Name, "checked", run.Checked, "valid", run.Valid)
			}
		}
	}
}
