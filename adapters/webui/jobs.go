package webui

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// job is a bulk import or a validation running in the background; its
// page shows the progress. Its fields are guarded by mu; pages read a
// copy (jobs.get).
type job struct {
	mu         sync.Mutex
	ID         string
	Kind       string // "import" or "validate"
	ProviderID string
	Done       int
	Total      int
	Finished   bool
	Result     gateway.ImportResult   // of an import
	Run        *gateway.ValidationRun // of a validation
	Err        string
	started    time.Time
}

// Percent is how much of the job is done, for the progress bar.
func (j *job) Percent() int {
	if j.Finished {
		return 100
	}
	if j.Total == 0 {
		return 0
	}
	return j.Done * 100 / j.Total
}

// Failed are the credentials a validation found wanting, at most 200.
func (j *job) Failed() []gateway.ValidationResult {
	if j.Run == nil {
		return nil
	}
	var out []gateway.ValidationResult
	for _, r := range j.Run.Results {
		if !r.OK && len(out) < 200 {
			out = append(out, r)
		}
	}
	return out
}

// progress is the callback the Admin reports to.
func (j *job) progress(done, total int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.Done, j.Total = done, total
}

// finish marks the job done after f sets its outcome.
func (j *job) finish(f func(*job)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	f(j)
	j.Finished, j.Done = true, j.Total
}

// jobs keeps this process's recent jobs, by ID, for an hour.
type jobs struct {
	mu   sync.Mutex
	byID map[string]*job
}

// start records a new job and returns it with its ID.
func (js *jobs) start(kind, providerID string) (*job, string) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.byID == nil {
		js.byID = map[string]*job{}
	}
	for id, old := range js.byID {
		if time.Since(old.started) > time.Hour {
			delete(js.byID, id)
		}
	}
	j := &job{ID: rand.Text()[:16], Kind: kind, ProviderID: providerID, started: time.Now()}
	js.byID[j.ID] = j
	return j, j.ID
}

// get returns a copy of the job of the provider, for a page.
func (js *jobs) get(id, providerID string) (*job, bool) {
	js.mu.Lock()
	j := js.byID[id]
	js.mu.Unlock()
	if j == nil || j.ProviderID != providerID {
		return nil, false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return &job{ID: j.ID, Kind: j.Kind, ProviderID: j.ProviderID, Done: j.Done, Total: j.Total, Finished: j.Finished,
		Result: j.Result, Run: j.Run, Err: j.Err}, true
}
