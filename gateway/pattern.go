package gateway

import (
	"path"
	"regexp"
	"strings"
	"sync"
)

// RegexpPrefix marks a model pattern as a regular expression
// ("re:^gpt-4o(-mini)?$"); other patterns are path.Match wildcards
// ("gpt-4o*") or exact names.
const RegexpPrefix = "re:"

// compiled caches the regular expressions of model patterns: patterns
// come from configuration, so the set is small.
var compiled sync.Map // string → *regexp.Regexp

// validPattern reports whether pattern is a valid model pattern.
func validPattern(pattern string) bool {
	if pattern == "" {
		return false
	}
	if expr, ok := strings.CutPrefix(pattern, RegexpPrefix); ok {
		_, err := regexp.Compile(expr)
		return err == nil
	}
	_, err := path.Match(pattern, "")
	return err == nil
}

// matchModel reports whether model matches pattern (see RegexpPrefix).
func matchModel(pattern, model string) bool {
	expr, ok := strings.CutPrefix(pattern, RegexpPrefix)
	if !ok {
		matched, _ := path.Match(pattern, model)
		return matched
	}
	if re, ok := compiled.Load(pattern); ok {
		return re.(*regexp.Regexp).MatchString(model)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return false
	}
	compiled.Store(pattern, re)
	return re.MatchString(model)
}
