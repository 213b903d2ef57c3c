package main

import (
	"fmt"
	"sort"
	"strings"
)

// calendarAsOf is the day the AKS version calendar below was last checked.
// Support is judged on this date, not on the wall clock, so a given function
// release always gives the same answer; a new release updates both.
const calendarAsOf = "2026-12-04"

// aksVersion is one Kubernetes minor version on AKS with the end of its AKS
// community support (docs: learn.microsoft.com/azure/aks/supported-kubernetes-versions,
// "AKS Kubernetes release calendar"; months rounded to their last day). After
// that date AKS keeps a version only under Long Term Support, which needs the
// Premium tier; this function composes Standard tier clusters.
type aksVersion struct {
	minor string
	end   string // ISO date
}

var aksCalendar = []aksVersion{
	{minor: "1.29", end: "2025-03-31"},
	{minor: "1.30", end: "2025-07-31"},
	{minor: "1.31", end: "2025-11-30"},
	{minor: "1.32", end: "2026-03-31"},
	{minor: "1.33", end: "2026-07-31"},
	{minor: "1.34", end: "2026-11-30"},
	{minor: "1.35", end: "2027-03-31"},
	{minor: "1.36", end: "2027-06-30"},
	{minor: "1.37", end: "2027-10-31"},
}

// acceptedVersions lists, oldest first, the versions in AKS community support.
func acceptedVersions() []string {
	var out []string
	for _, v := range aksCalendar {
		if calendarAsOf < v.end {
			out = append(out, v.minor)
		}
	}
	sort.Slice(out, func(i, j int) bool { return minorNumber(out[i]) < minorNumber(out[j]) })
	return out
}

// newestVersion is the newest version of the calendar.
func newestVersion() string {
	a := acceptedVersions()
	return a[len(a)-1]
}

func minorNumber(v string) int {
	var n int
	_, _ = fmt.Sscanf(strings.TrimPrefix(v, "1."), "%d", &n)
	return n
}

// checkVersion returns an error for versions past AKS community support (or
// older than the calendar) and a warning for versions newer than it: AKS may
// well offer them, but this release of the function cannot tell.
func checkVersion(minor string) (warning string, err error) {
	accepted := strings.Join(acceptedVersions(), ", ")
	for _, v := range aksCalendar {
		if v.minor != minor {
			continue
		}
		if calendarAsOf < v.end {
			return "", nil
		}
		return "", fmt.Errorf("spec.parameters.kubernetesVersion: AKS community support of %s ended %s (only Long Term Support on the Premium tier remains); use one of %s",
			minor, v.end, accepted)
	}
	if minorNumber(minor) > minorNumber(aksCalendar[len(aksCalendar)-1].minor) {
		return fmt.Sprintf("spec.parameters.kubernetesVersion: %s is newer than this function's AKS calendar (as of %s); AKS rejects the cluster if it does not offer it yet, %s is known to work",
			minor, calendarAsOf, newestVersion()), nil
	}
	return "", fmt.Errorf("spec.parameters.kubernetesVersion: %q is older than every version AKS supports (calendar as of %s); use one of %s",
		minor, calendarAsOf, accepted)
}
