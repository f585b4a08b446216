package plural

import "fmt"

// Of formats n with noun, adding an s unless n is 1.
func Of(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
