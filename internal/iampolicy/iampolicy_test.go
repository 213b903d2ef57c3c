package iampolicy

import "testing"

func TestJSON(t *testing.T) {
	cases := map[string]struct {
		doc  Document
		want string
	}{
		"ServiceTrust": {
			doc:  ServiceTrust(Values{"sts:AssumeRole"}, "eks.amazonaws.com"),
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		},
		"ManyValuesAndSortedConditions": {
			doc: New(Statement{
				Sid: "DenyHTTP", Effect: "Deny", Principal: &Principal{AWS: Values{"*"}},
				Action: Values{"sqs:*"}, Resource: Values{"arn:a", "arn:b"},
				Condition: Condition{"StringEquals": {"b": {"2"}, "a": {"1"}}, "Bool": {"aws:SecureTransport": {"false"}}},
			}),
			want: `{"Version":"2012-10-17","Statement":[{"Sid":"DenyHTTP","Effect":"Deny","Principal":{"AWS":"*"},"Action":"sqs:*","Resource":["arn:a","arn:b"],"Condition":{"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"a":"1","b":"2"}}}]}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.doc.JSON(); got != tc.want {
				t.Errorf("JSON():\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
