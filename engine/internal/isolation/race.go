//go:build race

package isolation

// raceEnabled reports whether this binary was built with the race
// detector (-race).
const raceEnabled = true
