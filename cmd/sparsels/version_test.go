package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
		r := runArgs(args...)
		if r.code != exitOK || !strings.HasPrefix(r.stdout, "sparsels ") || r.stderr != "" {
			t.Errorf("%q: %v", args, r)
		}
	}
	if r := runArgs("version", "extra"); r.code != exitUsage {
		t.Errorf("version extra: %v", r)
	}
	if r := runArgs("help"); !strings.Contains(r.stdout, "version ") {
		t.Errorf("help does not list version:\n%v", r)
	}

	bi := func(version string, kv ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{GoVersion: "go1.25.0", Main: debug.Module{Path: "github.com/sparsels/sparsels", Version: version}}
		for i := 0; i+1 < len(kv); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return info
	}
	for _, tc := range []struct {
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{bi("v1.2.0", "GOOS", "linux", "GOARCH", "amd64"), true, "sparsels v1.2.0 (no VCS revision recorded) go1.25.0 linux/amd64"},
		{bi("(devel)", "vcs", "git", "vcs.revision", "3f1c2a9d7b4e5f60718293a4b5c6d7e8f9012345", "vcs.time", "2026-11-30T12:00:00Z", "vcs.modified", "true", "GOOS", "linux", "GOARCH", "arm64"),
			true, "sparsels (devel) (git 3f1c2a9d7b4e, 2026-11-30T12:00:00Z, modified) go1.25.0 linux/arm64"},
		{bi("", "vcs", "git", "vcs.revision", "abc", "vcs.modified", "false"), true, "sparsels (devel) (git abc) go1.25.0"},
		{nil, false, "sparsels: no build information in this binary"},
	} {
		if got := versionLine(tc.info, tc.ok); got != tc.want {
			t.Errorf("versionLine = %q, want %q", got, tc.want)
		}
	}
}
