package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Build describes the running binary.
type Build struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Modified  bool   `json:"modified,omitempty"` // built from a tree with uncommitted changes
	Time      string `json:"build_time"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// ReadBuild describes the binary from the values the build stamped with
// -ldflags -X (empty when it did not), completed by what the Go toolchain
// records (runtime/debug.ReadBuildInfo: the module version, and the VCS
// revision and time when built with -buildvcs).
func ReadBuild(version, commit, buildTime string) Build {
	b := Build{Version: version, Commit: commit, Time: buildTime, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		b.GoVersion = info.GoVersion
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Time == "" {
					b.Time = s.Value
				}
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Time == "" {
		b.Time = "unknown"
	}
	return b
}

func runVersion(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("version", `usage: tollgate version [--json]

Print the version, commit, build time, Go version and platform.
`)
	asJSON := f.Bool("json", false, "print JSON")
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 0, 0, "no arguments")
	}
	if err != nil {
		return err
	}
	b := p.Build
	if *asJSON {
		enc := json.NewEncoder(p.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	commit := b.Commit
	if b.Modified {
		commit += " (modified)"
	}
	fmt.Fprintf(p.Stdout, "tollgate %s\ncommit:     %s\nbuilt:      %s\ngo:         %s\nplatform:   %s\n", b.Version, commit, b.Time, b.GoVersion, b.Platform)
	return nil
}
