package harness

import "github.com/pmezard/go-difflib/difflib"

// UnifiedDiff returns a unified diff of two texts with three lines of
// context, or "" if they are equal.
func UnifiedDiff(fromName, toName, from, to string) string {
	if from == to {
		return ""
	}
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        difflib.SplitLines(from),
		B:        difflib.SplitLines(to),
		FromFile: fromName,
		ToFile:   toName,
		Context:  3,
	})
	if err != nil {
		return err.Error()
	}
	return d
}
