// Package bytesize formats byte counts for the messages of sparsels, mtx and
// the command: exact below 1 MiB, so that a small limit is never printed as
// "0 MiB".
package bytesize

import "fmt"

// Format formats b bytes: exact below 1 MiB ("1 byte", "524288 bytes"),
// otherwise with a binary unit and one decimal ("1.5 GiB").
func Format(b float64) string {
	switch {
	case b < 1<<20:
		if b == 1 {
			return "1 byte"
		}
		return fmt.Sprintf("%.0f bytes", b)
	case b < 1<<30:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b < 1<<40:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	}
	return fmt.Sprintf("%.1f TiB", b/(1<<40))
}
