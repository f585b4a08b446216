//go:build !race

package engine

// raceEnabled reports whether this binary was built with the race
// detector (-race).
const raceEnabled = false
