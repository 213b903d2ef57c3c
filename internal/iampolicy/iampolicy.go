// Package iampolicy builds AWS IAM and resource policy documents from Go
// values, so no policy JSON is written by hand in strings. Marshal output is
// deterministic: struct fields in declaration order, maps sorted by key.
package iampolicy

import (
	"encoding/json"
)

// Version is the IAM policy language version.
const Version = "2012-10-17"

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a policy document. Action and Resource accept
// one string or many; a single value is written as a plain string.
type Statement struct {
	Sid       string     `json:"Sid,omitempty"`
	Effect    string     `json:"Effect"`
	Principal *Principal `json:"Principal,omitempty"`
	Action    Values     `json:"Action"`
	Resource  Values     `json:"Resource,omitempty"`
	Condition Condition  `json:"Condition,omitempty"`
}

// Principal names who a resource or trust policy applies to.
type Principal struct {
	AWS       Values `json:"AWS,omitempty"`
	Service   Values `json:"Service,omitempty"`
	Federated Values `json:"Federated,omitempty"`
}

// Condition maps an operator (StringEquals, Bool, ...) to key/value tests.
type Condition map[string]map[string]Values

// Values is a list of strings written as a plain string when it has one item.
type Values []string

// MarshalJSON writes a single value as a string and many as an array.
func (v Values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return json.Marshal(v[0])
	}
	return json.Marshal([]string(v))
}

// Allow returns an Allow statement.
func Allow(sid string, actions Values, resources Values) Statement {
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

// New returns a document holding the statements.
func New(s ...Statement) Document {
	return Document{Version: Version, Statement: s}
}

// JSON returns the compact JSON of the document.
func (d Document) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		// Only strings, maps of strings and slices: Marshal cannot fail.
		panic(err)
	}
	return string(b)
}

// ServiceTrust returns a trust policy letting the AWS services assume a role.
func ServiceTrust(actions Values, services ...string) Document {
	return New(Statement{
		Effect:    "Allow",
		Principal: &Principal{Service: services},
		Action:    actions,
	})
}
