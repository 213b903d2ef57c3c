package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// calendarAsOf is the day the EKS version calendar below was last checked.
// Support tiers are judged on this date, not on the wall clock, so a given
// function release always gives the same answer; a new release updates both.
const calendarAsOf = "2026-12-04"

// eksVersion is one Kubernetes minor version on Amazon EKS. Dates come from
// the Amazon EKS Kubernetes release calendar (docs.aws.amazon.com/eks/latest/
// userguide/kubernetes-versions.html): 14 months of standard support, then 12
// months of extended support.
type eksVersion struct {
	minor       string
	standardEnd string // ISO date; empty when not yet published
	extendedEnd string // ISO date; empty when not yet published
}

var eksCalendar = []eksVersion{
	{minor: "1.29", standardEnd: "2025-03-23", extendedEnd: "2026-03-23"},
	{minor: "1.30", standardEnd: "2025-07-23", extendedEnd: "2026-07-23"},
	{minor: "1.31", standardEnd: "2025-11-26", extendedEnd: "2026-11-26"},
	{minor: "1.32", standardEnd: "2026-03-23", extendedEnd: "2027-03-23"},
	{minor: "1.33", standardEnd: "2026-07-29", extendedEnd: "2027-07-29"},
	{minor: "1.34", standardEnd: "2026-12-02", extendedEnd: "2027-12-02"},
	{minor: "1.35", standardEnd: "2027-03-27", extendedEnd: "2028-03-27"},
}

// support tiers of a version on calendarAsOf.
const (
	tierStandard = "standard"
	tierExtended = "extended"
	tierEnded    = "ended"
	tierUnknown  = "unknown"
)

func (v eksVersion) tier() string {
	switch {
	case v.standardEnd == "" || calendarAsOf < v.standardEnd:
		return tierStandard
	case v.extendedEnd == "" || calendarAsOf < v.extendedEnd:
		return tierExtended
	default:
		return tierEnded
	}
}

// versionTier returns the support tier of a minor version and its calendar
// entry.
func versionTier(minor string) (string, eksVersion) {
	for _, v := range eksCalendar {
		if v.minor == minor {
			return v.tier(), v
		}
	}
	return tierUnknown, eksVersion{}
}

// acceptedVersions lists, oldest first, the versions EKS still accepts.
func acceptedVersions() []string {
	var out []string
	for _, v := range eksCalendar {
		if v.tier() != tierEnded {
			out = append(out, v.minor)
		}
	}
	sort.Slice(out, func(i, j int) bool { return minorNumber(out[i]) < minorNumber(out[j]) })
	return out
}

// newestVersion is the newest version in standard support.
func newestVersion() string {
	a := acceptedVersions()
	return a[len(a)-1]
}

func minorNumber(v string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(v, "1."))
	return n
}

// checkVersion returns an error for versions EKS does not accept and a
// warning for versions in extended support.
func checkVersion(minor string) (warning string, err error) {
	accepted := strings.Join(acceptedVersions(), ", ")
	tier, v := versionTier(minor)
	switch tier {
	case tierStandard:
		return "", nil
	case tierExtended:
		return fmt.Sprintf("spec.parameters.kubernetesVersion: %s is in EKS extended support (extra cost per cluster hour) until %s; upgrade to %s",
			minor, v.extendedEnd, newestVersion()), nil
	case tierEnded:
		return "", fmt.Errorf("spec.parameters.kubernetesVersion: EKS no longer accepts %s (extended support ended %s); use one of %s",
			minor, v.extendedEnd, accepted)
	default:
		// Newer than the calendar: EKS may well offer it by now, but this
		// release of the function cannot tell; EKS itself rejects a version
		// it does not offer, in the Cluster's status.
		if minorNumber(minor) > minorNumber(eksCalendar[len(eksCalendar)-1].minor) {
			return fmt.Sprintf("spec.parameters.kubernetesVersion: %s is newer than this function's EKS calendar (as of %s); EKS rejects the cluster if it does not offer it yet, %s is known to work",
				minor, calendarAsOf, newestVersion()), nil
		}
		return "", fmt.Errorf("spec.parameters.kubernetesVersion: EKS no longer accepts %s (older than every version on its calendar as of %s); use one of %s",
			minor, calendarAsOf, accepted)
	}
}
