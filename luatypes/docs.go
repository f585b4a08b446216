package luatypes

import (
	"regexp"
	"strings"
)

// docText is what the reference says about the modules and their fields.
type docText struct {
	modules map[string]string // module -> the paragraph under "## The m module"
	fields  map[string]string // "mod.name" -> the paragraph under its heading
}

var (
	moduleHeadingRE = regexp.MustCompile("^## The ([a-z0-9]+) module")
	fieldHeadingRE  = regexp.MustCompile("^#{3,4} `([a-z0-9]+)\\.([a-z_0-9]+)[(`]")
)

// docPrefixes maps the names the reference writes a module's fields with
// to the module: the testing module is written t.name.
var docPrefixes = map[string]string{"t": "testing"}

// parseDocs reads the reference: the first paragraph of prose under each
// module heading and each field heading.
func parseDocs(md string) docText {
	d := docText{modules: map[string]string{}, fields: map[string]string{}}
	var key string
	var isModule, inCode, done bool
	var para []string
	flush := func() {
		if key != "" && len(para) > 0 {
			text := strings.Join(para, " ")
			if isModule {
				d.modules[key] = text
			} else {
				d.fields[key] = text
			}
		}
		para, done = nil, false
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			if len(para) > 0 {
				done = true
			}
			continue
		}
		if inCode {
			continue
		}
		if strings.HasPrefix(line, "#") {
			flush()
			key = ""
			if m := moduleHeadingRE.FindStringSubmatch(line); m != nil {
				key, isModule = m[1], true
			} else if m := fieldHeadingRE.FindStringSubmatch(line); m != nil {
				mod := m[1]
				if p, ok := docPrefixes[mod]; ok {
					mod = p
				}
				key, isModule = mod+"."+m[2], false
			}
			continue
		}
		switch t := strings.TrimSpace(line); {
		case done || key == "":
		case t == "":
			if len(para) > 0 {
				done = true
			}
		case strings.HasPrefix(t, "|"):
			if len(para) > 0 {
				done = true
			}
		default:
			para = append(para, t)
		}
	}
	flush()
	return d
}
