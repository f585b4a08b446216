package ui

import (
	"fmt"
	"strconv"
	"strings"
)

// describe says a schedule of jobs.yaml in words: the descriptors (@hourly,
// @every 5m) and the common shapes of five-field cron expressions; other
// expressions are shown as written only ("" here).
func describe(spec string) string {
	switch spec {
	case "":
		return "no schedule"
	case "@yearly", "@annually":
		return "every year on January 1 at 00:00"
	case "@monthly":
		return "on the 1st of every month at 00:00"
	case "@weekly":
		return "every Sunday at 00:00"
	case "@daily", "@midnight":
		return "every day at 00:00"
	case "@hourly":
		return "every hour"
	}
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		return "every " + d
	}
	f := strings.Fields(spec)
	if len(f) == 6 { // with seconds
		if f[0] != "0" {
			return ""
		}
		f = f[1:]
	}
	if len(f) != 5 {
		return ""
	}
	min, hour, dom, mon, dow := f[0], f[1], f[2], f[3], f[4]
	var when string
	switch {
	case min == "*" && hour == "*":
		when = "every minute"
	case strings.HasPrefix(min, "*/") && hour == "*":
		when = "every " + min[2:] + " minutes"
	case isNum(min) && hour == "*":
		when = "every hour at minute " + min
	case isNum(min) && strings.HasPrefix(hour, "*/"):
		when = fmt.Sprintf("every %s hours at minute %s", hour[2:], min)
	case isNum(min) && isNumList(hour):
		var times []string
		for _, h := range strings.Split(hour, ",") {
			times = append(times, clock(h, min))
		}
		when = "at " + strings.Join(times, ", ")
	default:
		return ""
	}
	switch {
	case dom == "*" && mon == "*" && dow == "*":
		if strings.HasPrefix(when, "at ") {
			when = "every day " + when
		}
	case dom == "*" && mon == "*" && dow == "1-5":
		when += " on weekdays"
	case dom == "*" && mon == "*" && isNumList(dow):
		var days []string
		for _, d := range strings.Split(dow, ",") {
			n, _ := strconv.Atoi(d)
			days = append(days, weekday(n))
		}
		when += " on " + strings.Join(days, ", ")
	case isNum(dom) && mon == "*" && dow == "*":
		when += " on day " + dom + " of the month"
	case isNum(dom) && isNum(mon) && dow == "*":
		n, _ := strconv.Atoi(mon)
		when += fmt.Sprintf(" on %s %s", month(n), dom)
	default:
		return ""
	}
	return when
}

func isNum(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func isNumList(s string) bool {
	for _, p := range strings.Split(s, ",") {
		if !isNum(p) {
			return false
		}
	}
	return true
}

func clock(h, m string) string {
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	return fmt.Sprintf("%02d:%02d", hh, mm)
}

func weekday(n int) string {
	names := []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	if n < 0 || n >= len(names) {
		return strconv.Itoa(n)
	}
	return names[n]
}

func month(n int) string {
	names := []string{"", "January", "February", "March", "April", "May", "June", "July", "August", "September",
		"October", "November", "December"}
	if n < 1 || n > 12 {
		return strconv.Itoa(n)
	}
	return names[n]
}
