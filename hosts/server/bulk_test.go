package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/matryer/is"
)

// A bulk import of 1,200 keys (with repeats and blanks) reports progress
// batch by batch, keeps each key once, and exports and deletes in bulk.
func TestBulkCredentials(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	_, base := gatewayServer(t, map[string]string{})
	var prov struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "pool", "type": "mock", "models": []string{"mock-*"}, "credentials": []map[string]any{{"secret": "sk-0007"}},
	}, &prov), http.StatusCreated)
	var lines []string
	for i := range 1200 {
		lines = append(lines, fmt.Sprintf("sk-%04d", i%1100)) // 100 repeats, and sk-0007 is there already
	}
	lines = append(lines, "", "  ")
	body, _ := json.Marshal(map[string]any{"keys": strings.Join(lines, "\n")})
	req, _ := http.NewRequest("POST", base+"/admin/providers/pool/credentials/import", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+adminKey)
	req.Header.Set("Accept", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	is.NoErr(err)
	defer resp.Body.Close()
	is.Equal(resp.StatusCode, http.StatusOK)
	var progress []map[string]any
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var v map[string]any
		is.NoErr(json.Unmarshal(sc.Bytes(), &v))
		progress = append(progress, v)
	}
	is.True(len(progress) >= 3) // at least two batches and the summary
	summary := progress[len(progress)-1]
	is.Equal(summary["added"], 1099.0) // 1100 distinct, one of them already there
	is.Equal(summary["duplicates"], 101.0)
	is.Equal(summary["empty"], 2.0)

	req, _ = http.NewRequest("GET", base+"/admin/providers/"+prov.ID+"/credentials/export", nil)
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err = http.DefaultClient.Do(req)
	is.NoErr(err)
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	is.Equal(strings.Count(string(out), "\n"), 1100)

	var list struct{ Data []struct{ ID string } }
	is.Equal(call(t, "GET", base+"/admin/providers/pool/credentials", adminKey, nil, &list), http.StatusOK)
	var deleted struct{ Deleted int }
	is.Equal(call(t, "POST", base+"/admin/providers/pool/credentials/delete", adminKey,
		map[string]any{"ids": []string{list.Data[0].ID, list.Data[1].ID}}, &deleted), http.StatusOK)
	is.Equal(deleted.Deleted, 2)
	is.Equal(call(t, "POST", base+"/admin/providers/pool/credentials/delete", adminKey, map[string]any{}, nil), http.StatusBadRequest)
}
