package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

var versionCommand = &command{
	name:     "version",
	synopsis: "print the version, VCS revision and Go version of this binary",
	usage:    `sparsels version`,
	help: `
Version prints the module version of sparsels, the version-control revision
and time it was built from (with "modified" if the work tree had local
changes), and the Go version and platform, as recorded in the binary by the
go command (runtime/debug.ReadBuildInfo). A binary installed with
'go install github.com/sparsels/sparsels/cmd/sparsels@v1.2.3' reports v1.2.3;
one built inside a checkout reports (devel) and the revision.
`,
	args: func() args { return &versionArgs{} },
}

// versionArgs are the flags of sparsels version: none.
type versionArgs struct{}

func (*versionArgs) register(*flag.FlagSet) {}

func (*versionArgs) run(_ context.Context, _ *command, stdout, _ io.Writer) int {
	info, ok := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionLine(info, ok))
	return exitOK
}

// versionLine describes the build info of the binary on one line, such as
//
//	sparsels v1.2.0 (git 3f1c2a9d7b4e, 2026-11-30T12:00:00Z) go1.25.0 linux/amd64
func versionLine(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "sparsels: no build information in this binary"
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	set := make(map[string]string)
	for _, s := range info.Settings {
		set[s.Key] = s.Value
	}
	var b strings.Builder
	fmt.Fprintf(&b, "sparsels %s", version)
	if rev := set["vcs.revision"]; rev != "" {
		vcs := set["vcs"]
		if vcs == "" {
			vcs = "revision"
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		fmt.Fprintf(&b, " (%s %s", vcs, rev)
		if t := set["vcs.time"]; t != "" {
			fmt.Fprintf(&b, ", %s", t)
		}
		if set["vcs.modified"] == "true" {
			b.WriteString(", modified")
		}
		b.WriteString(")")
	} else {
		b.WriteString(" (no VCS revision recorded)")
	}
	if info.GoVersion != "" {
		fmt.Fprintf(&b, " %s", info.GoVersion)
	}
	if goos, arch := set["GOOS"], set["GOARCH"]; goos != "" && arch != "" {
		fmt.Fprintf(&b, " %s/%s", goos, arch)
	}
	return b.String()
}
