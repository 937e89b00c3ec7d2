//go:build !race

package testprob

// RaceEnabled reports whether the binary was built with the race detector, which changes
// allocation counts (sync.Pool drops items at random under -race).
const RaceEnabled = false
