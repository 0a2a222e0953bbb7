package gateway

import (
	"context"
	"strconv"
	"strings"
)

// importBatch is how many credentials an import writes per transaction.
const importBatch = 500

// ImportResult says what a bulk import did.
type ImportResult struct {
	Added      int
	Duplicates int // already the provider's, or repeated in the import
	Empty      int // blank lines
}

// ImportCredentials adds many secrets to a provider at once, skipping
// blanks and the ones the provider already has or the import repeats,
// in batches of 500, each all or none; progress (if set) hears how many
// of the secrets are done after each batch. Credentials get Weight
// weight (1 when 0) and names "import-<n>". A failed batch stops the
// import: what was added stays, and the result says how much.
// CodeNotFound for an unknown provider.
func (a *Admin) ImportCredentials(ctx context.Context, providerID string, secrets []string, weight int, progress func(done, total int)) (ImportResult, error) {
	var res ImportResult
	have, err := a.g.store.ListCredentials(ctx, CredentialFilter{ProviderID: providerID})
	if err != nil {
		return res, err
	}
	if _, err := a.g.store.GetProvider(ctx, providerID); err != nil {
		return res, err
	}
	seen := make(map[string]bool, len(have)+len(secrets))
	for _, c := range have {
		seen[c.Secret.Reveal()] = true
	}
	var batch []*Credential
	flush := func(done int) error {
		if len(batch) > 0 {
			if _, err := a.AddCredentials(ctx, providerID, batch); err != nil {
				return err
			}
			res.Added += len(batch)
			batch = nil
		}
		if progress != nil {
			progress(done, len(secrets))
		}
		return nil
	}
	for i, s := range secrets {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			res.Empty++
		case seen[s]:
			res.Duplicates++
		default:
			seen[s] = true
			batch = append(batch, &Credential{Name: "import-" + strconv.Itoa(len(have)+res.Added+len(batch)+1), Secret: Secret(s), Weight: weight})
		}
		if len(batch) == importBatch {
			if err := flush(i + 1); err != nil {
				return res, err
			}
		}
	}
	return res, flush(len(secrets))
}

// DeleteCredentials removes a provider's credentials: those named in ids,
// or, with no ids, every one in status. It returns how many it removed.
// CodeInvalid when neither is given.
func (a *Admin) DeleteCredentials(ctx context.Context, providerID string, ids []string, status Status) (int, error) {
	if len(ids) == 0 && status == "" {
		return 0, Invalid("ids", "name the credentials (ids) or a status to delete")
	}
	cs, err := a.Credentials(ctx, providerID)
	if err != nil {
		return 0, err
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	n := 0
	for _, c := range cs {
		if (len(ids) > 0 && want[c.ID]) || (len(ids) == 0 && c.Status == status) {
			if err := a.g.store.DeleteCredential(ctx, c.ID); err != nil {
				return n, err
			}
			n++
		}
	}
	if n > 0 {
		a.changed(ctx)
	}
	return n, nil
}
