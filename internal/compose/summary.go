package compose

import (
	"fmt"
	"strings"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"
)

// ConditionResourcesReady is the XR condition every cluster function sets:
// which composed resources are not ready and which are not composed yet.
const ConditionResourcesReady = "ResourcesReady"

// Waits records resources not composed yet and the observation each needs.
type Waits []string

// Add records that resource waits for needs.
func (w *Waits) Add(resource, needs string) { *w = append(*w, resource+" (needs "+needs+")") }

// SetSummary sets the ResourcesReady condition on the XR and its claim: True
// with readyMessage when every member of set is ready and nothing waits, else
// False listing (at most a few of) what is not ready and what waits.
func SetSummary(rsp *fnv1.RunFunctionResponse, set *Set, observed Observed, waits Waits, readyMessage string) {
	waiting := NotReady(set, observed)
	if len(waiting) == 0 && len(waits) == 0 {
		response.ConditionTrue(rsp, ConditionResourcesReady, "Available").WithMessage(readyMessage).TargetCompositeAndClaim()
		return
	}
	msg := fmt.Sprintf("%d of %d composed resources are ready", set.Len()-len(waiting), set.Len())
	if len(waiting) > 0 {
		msg += "; not ready: " + summarize(waiting, 6)
	}
	if len(waits) > 0 {
		msg += "; not composed yet: " + summarize(waits, 4)
	}
	response.ConditionFalse(rsp, ConditionResourcesReady, "Creating").WithMessage(msg).TargetCompositeAndClaim()
}

// summarize lists at most n names and counts the rest.
func summarize(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}
