package ui

import "testing"

func TestDescribe(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"@hourly", "every hour"},
		{"@every 10s", "every 10s"},
		{"*/5 * * * *", "every 5 minutes"},
		{"0 * * * *", "every hour at minute 0"},
		{"30 9 * * *", "every day at 09:30"},
		{"30 9,18 * * 1-5", "at 09:30, 18:30 on weekdays"},
		{"0 0 1 1 *", "at 00:00 on January 1"},
		{"0 8 * * 1,3", "at 08:00 on Monday, Wednesday"},
		{"0 0 */2 * *", ""},
		{"bogus", ""},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			if got := describe(tc.spec); got != tc.want {
				t.Errorf("describe(%q) = %q, want %q", tc.spec, got, tc.want)
			}
		})
	}
}
